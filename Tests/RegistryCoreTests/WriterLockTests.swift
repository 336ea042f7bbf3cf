import Dispatch
import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

/// The writer lock between threads of one process: re-entry is refused, waiting is bounded.
@Suite struct WriterLockTests {
    @Test(.timeLimit(.minutes(1)))
    func takingTheLockAgainOnTheSameThreadFailsInsteadOfDeadlocking() throws {
        try withTemporaryDirectory { temp in
            let lock = WriterLock(path: temp.path + "/locks/writer.lock")
            let error = try #require(throws: RegistryError.self) {
                try lock.withLock { try lock.withLock { () } }
            }
            #expect(error.code == .reentrantWrite)
            #expect(error.message.contains(lock.path))
            #expect(!lock.isHeldByCurrentThread)
            try lock.withLock { #expect(lock.isHeldByCurrentThread) }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anotherThreadWaitsNoLongerThanItsTimeout() throws {
        try withTemporaryDirectory { temp in
            let lock = WriterLock(path: temp.path + "/locks/writer.lock")
            let entered = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let done = DispatchSemaphore(value: 0)
            Thread {
                try? lock.withLock {
                    entered.signal()
                    _ = release.wait(timeout: .now() + 20)
                }
                done.signal()
            }.start()
            #expect(entered.wait(timeout: .now() + 20) == .success)
            let error = try #require(throws: RegistryError.self) {
                try lock.withLock(timeout: .milliseconds(200)) { () }
            }
            release.signal()
            #expect(error.code == .lockTimeout)
            #expect(error.message.contains(lock.path))
            #expect(done.wait(timeout: .now() + 20) == .success)
            try lock.withLock(timeout: .seconds(5)) { () }
        }
    }
}
