import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an atomic write failed is told apart by code, so callers can say "free some space" or "mount it
/// read-write" instead of "I/O error". The tests run as root, where a read-only directory does not refuse
/// anything, so the errors are injected through the debug system-call hook.
@Suite struct AtomicWriteErrorTests {
    #if DEBUG
        @Test(arguments: [(SystemCall.open, EACCES), (.open, EROFS), (.write, ENOSPC)])
        func anAtomicWriteThatFailsNamesTheFileItReplaces(call: SystemCall, errno: Int32) throws {
            try withTemporaryDirectory { temp in
                let path = temp.path + "/record.json"
                try FileSystem.atomicReplace(path, contents: Array("old".utf8))
                let token = FaultInjector.shared.inject(call, errno: errno, under: temp.path + "/")
                defer { FaultInjector.shared.remove(token) }
                let error = try #require(throws: RegistryError.self) {
                    try FileSystem.atomicReplace(path, contents: Array("new".utf8))
                }
                #expect(error.message.contains("record.json"), "\(error.message)")
            }
        }

        static let cases: [(SystemCall, Int32, RegistryError.Code)] = [
            (.open, EACCES, .permissionDenied), (.open, EROFS, .readOnlyFileSystem), (.write, ENOSPC, .noSpace),
            (.write, EDQUOT, .noSpace), (.rename, EROFS, .readOnlyFileSystem), (.rename, EACCES, .permissionDenied),
        ]

        @Test(arguments: cases)
        func anAtomicWriteThatFailsSaysWhyWithItsCode(call: SystemCall, errno: Int32, code: RegistryError.Code) throws {
            try withTemporaryDirectory { temp in
                let directory = temp.path + "/states"
                try FileSystem.makeDirectory(directory)
                let path = directory + "/record.json"
                try FileSystem.atomicReplace(path, contents: Array("old".utf8))
                let token = FaultInjector.shared.inject(call, errno: errno, under: directory + "/")
                defer { FaultInjector.shared.remove(token) }

                let error = try #require(throws: RegistryError.self) {
                    try FileSystem.atomicReplace(path, contents: Array("new".utf8))
                }
                FaultInjector.shared.remove(token)
                #expect(error.code == code)
                #expect(error.message.contains(directory + "/"))
                #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == Array("old".utf8))
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["record.json"])
            }
        }
    #endif
}
