import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A lock released while another thread of the process is spawning a child is released at once.
///
/// A `flock` belongs to the open file description, which a forked child shares until it calls `exec` (and a
/// child that never execs keeps for good). Closing the descriptor alone left the lock held through that copy,
/// so a test suite (or an embedding application) that spawns processes saw a finished backup's lease still
/// held, and `evict` refused. Each test forks a child that holds its copy of every descriptor for a while,
/// standing for a child between `fork` and `exec`.
@Suite struct LockReleaseWhileSpawningTests {
    /// A forked child that only sleeps, holding copies of this process's descriptors, until ``end()``.
    private struct ForkedChild {
        let pid: pid_t

        init() throws {
            pid = fork()
            if pid == 0 {
                usleep(10_000_000)  // async-signal-safe only: this child of a threaded process runs no Swift code
                _exit(0)
            }
            try #require(pid > 0, "fork failed: errno \(errno)")
        }

        func end() {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    @Test func aReleasedBackupLeaseIsFreeAtOnce() throws {
        try withTemporaryDirectory { temp in
            let path = temp.path + "/locks/backup.lock"
            let lease = try BackupLease.acquire(at: path)
            let child = try ForkedChild()
            defer { child.end() }
            #expect(try BackupLease.isHeldByAnyone(at: path))
            lease.release()
            #expect(try !BackupLease.isHeldByAnyone(at: path), "the released lease must not linger in the child")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theWriterLockIsFreeAtOnceAfterItsHolderReturns() throws {
        try withTemporaryDirectory { temp in
            let lock = WriterLock(path: temp.path + "/locks/writer.lock")
            var child: ForkedChild?
            try lock.withLock { child = try ForkedChild() }  // forked while the lock is held
            defer { child?.end() }
            try WriterLock(path: lock.path).withLock(timeout: .milliseconds(500)) { () }
        }
    }
}
