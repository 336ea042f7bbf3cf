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

extension OpenFile {
    /// Opens (creating it) the lock file at `path` and takes `flock(LOCK_EX|LOCK_NB)` on it: the open file that
    /// holds the lock, or nil when another open file description holds it. The claims that must never wait (a
    /// partial download, the index compaction lock) share it.
    ///
    /// - Parameters:
    ///   - path: the lock file (a symbolic link there is refused).
    ///   - lock: the lock as an error names it ("the partial download").
    /// - Throws: `RegistryError` naming the file when it cannot be opened (`open <lock>`) or locked (`lock <lock>`).
    package static func lockedIfFree(_ path: String, _ lock: String) throws -> OpenFile? {
        let file: OpenFile
        do {
            file = try OpenFile.open(path, O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o644)
        } catch {
            throw RegistryError.systemCall(error, "open \(lock)", path: path)
        }
        do {
            try file.lock(LOCK_EX | LOCK_NB)
            return file
        } catch let error where error.errno == EWOULDBLOCK {
            try? file.close()
            return nil
        } catch {
            try? file.close()
            throw RegistryError.systemCall(error, "lock \(lock)", path: path)
        }
    }
}
