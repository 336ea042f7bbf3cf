#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension OpenFile {
    /// Whether another open file description holds a `flock` lock on this file: the probe the backup lease and
    /// the staging locks share, so that a collector or recovery can tell a live holder from a dead one. Tries
    /// `flock(LOCK_EX|LOCK_NB)` and releases a lock it gets at once.
    ///
    /// - Parameter lock: The lock as an error names it ("the backup lease").
    /// - Throws: `RegistryError` naming the file when the lock cannot be tried (`try <lock>`).
    package func isLockedElsewhere(_ lock: String) throws -> Bool {
        do {
            try self.lock(LOCK_EX | LOCK_NB)
            system_unlock(fd)  // at once: a child being spawned meanwhile shares the descriptor
            return false
        } catch  where error.errno == EWOULDBLOCK {
            return true
        } catch {
            throw RegistryError.systemCall(error, "try \(lock)", path: path)
        }
    }
}
