import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The registry's cross-process writer lock: `flock(LOCK_EX)` on a file in `locks/`.
///
/// `flock` locks belong to the open file description, so two descriptors in one process exclude each other
/// too; the in-process mutex makes threads of one process queue up here rather than spin on `flock`.
/// `fcntl` record locks are not used: closing *any* descriptor of the file would drop them.
///
/// Correctness never rests on this lock alone: every publish is a rename of a fresh, uniquely named file or
/// directory, so even on a file system where `flock` silently does nothing, two writers cannot produce a torn
/// file; they can only race on which rename lands last.
package final class WriterLock: @unchecked Sendable {
    /// The lock file's path.
    package let path: String
    private let threads = NSLock()

    /// Creates a lock on `path`; the file is created on first use.
    package init(path: String) {
        self.path = path
    }

    /// Runs `body` while holding the lock, waiting up to `timeout` for it.
    ///
    /// - Throws: `RegistryError` with code `.lockTimeout` when another writer held the lock for the whole
    ///   timeout; I/O errors opening the lock file; whatever `body` throws.
    package func withLock<R>(timeout: Duration = .seconds(30), _ body: () throws -> R) throws -> R {
        threads.lock()
        defer { threads.unlock() }
        if try !FileSystem.exists(FileSystem.parent(of: path)) {
            try FileSystem.makeDirectory(FileSystem.parent(of: path))  // locks/ was removed; it holds nothing durable
        }
        let file: OpenFile
        do {
            file = try OpenFile.open(path, O_RDWR | O_CREAT, mode: 0o644)
        } catch {
            throw RegistryError.systemCall(error, "open the writer lock", path: path)
        }
        defer { try? file.close() }  // closing the descriptor releases the flock
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var pause = Duration.microseconds(200)
        while true {
            do {
                try file.lock(LOCK_EX | LOCK_NB)
                break
            } catch let error where error.errno == EWOULDBLOCK {
                if clock.now >= deadline {
                    throw RegistryError(
                        .lockTimeout,
                        "another process held the registry's writer lock '\(path)' for longer than \(timeout)",
                        path: path, underlying: error)
                }
                Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18)
                pause = min(pause * 2, .milliseconds(20))
            } catch {
                throw RegistryError.systemCall(error, "take the writer lock", path: path)
            }
        }
        return try body()
    }
}
