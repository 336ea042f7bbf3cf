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
    /// Threads of this process queue here, with the same deadline as the `flock` below.
    private let threads = NSCondition()
    /// The thread that holds the lock, so a write started from inside another write fails instead of waiting
    /// for itself.
    private var owner: pthread_t?

    /// Creates a lock on `path`; the file is created on first use.
    package init(path: String) {
        self.path = path
    }

    /// Whether the calling thread holds this lock (it is inside `withLock`).
    package var isHeldByCurrentThread: Bool {
        threads.lock()
        defer { threads.unlock() }
        return owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false
    }

    /// Runs `body` while holding the lock, waiting up to `timeout` for it — for other threads of this process and
    /// for other processes alike.
    ///
    /// - Throws: `RegistryError` with code `.lockTimeout` when another writer held the lock for the whole
    ///   timeout; `.reentrantWrite` when the calling thread already holds it (a write started from inside
    ///   another write, such as a promotion policy hook that promotes); I/O errors opening the lock file;
    ///   whatever `body` throws.
    package func withLock<R>(timeout: Duration = .seconds(30), _ body: () throws -> R) throws -> R {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        try acquireForThisThread(until: deadline, timeout: timeout)
        defer { releaseForThisThread() }
        // locks/ may have been removed (it holds nothing durable); a symbolic link there, or at the lock file, is
        // refused: a lock taken outside the registry excludes nobody.
        try FileSystem.makeDirectory(FileSystem.parent(of: path))
        let file: OpenFile
        do {
            file = try OpenFile.open(path, O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o644)
        } catch let error where error.errno == ELOOP {
            throw RegistryError(
                .symlinkRefused,
                "the writer lock '\(path)' is a symbolic link; a lock taken outside the registry excludes nobody. "
                    + "Remove the link (the lock file holds nothing)",
                path: path, underlying: error)
        } catch {
            throw RegistryError.systemCall(error, "open the writer lock", path: path)
        }
        defer { try? file.closeReleasingLock() }
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

    private func acquireForThisThread(until deadline: ContinuousClock.Instant, timeout: Duration) throws {
        let me = pthread_self()
        let limit = Date(timeIntervalSinceNow: Self.seconds(ContinuousClock().now.duration(to: deadline)))
        threads.lock()
        defer { threads.unlock() }
        if let owner, pthread_equal(owner, me) != 0 {
            throw RegistryError(
                .reentrantWrite,
                "a registry write was started from inside another write on the same thread (for example a "
                    + "promotion policy hook that promotes); the outer write holds the writer lock '\(path)', so "
                    + "the inner one could only deadlock. Make the second change after the first returns",
                path: path)
        }
        while owner != nil {
            if !threads.wait(until: limit) && owner != nil {
                throw RegistryError(
                    .lockTimeout,
                    "another thread of this process held the registry's writer lock '\(path)' for longer than "
                        + "\(timeout)",
                    path: path)
            }
        }
        owner = me
    }

    private func releaseForThisThread() {
        threads.lock()
        owner = nil
        threads.signal()
        threads.unlock()
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
