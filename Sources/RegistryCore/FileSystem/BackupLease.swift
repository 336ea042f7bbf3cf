#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The lease a running backup holds on a registry so that nothing removes an artifact it is still copying:
/// `flock(LOCK_SH)` on `locks/backup.lock` (FORMAT.md §14.5).
///
/// Any number of backups hold it at once (a shared lock). A process that removes artifacts (`rm`, `gc`,
/// eviction) takes `flock(LOCK_EX|LOCK_NB)` on the same file while it holds the writer lock, and removes nothing
/// while that fails (``isHeldByAnyone(at:)``). The lock dies with the process holding it, so a killed backup never
/// blocks collection. Thread-safe; released once, by ``release()`` or on deallocation.
package final class BackupLease: @unchecked Sendable {
    /// The lock file.
    package let path: String
    private var file: OpenFile?

    private init(path: String, file: OpenFile) {
        self.path = path
        self.file = file
    }

    deinit { if let file { try? file.closeReleasingLock() } }

    /// Takes the shared lease at `path`, creating the file (and its directory) when missing. Waits while a
    /// collector holds it exclusively (a collector holds it only for the removals of one run).
    ///
    /// - Throws: `.symlinkRefused` for a symbolic link at `path`; I/O errors naming the file.
    package static func acquire(at path: String) throws -> BackupLease {
        try FileSystem.makeDirectory(FileSystem.parent(of: path))
        let file: OpenFile
        do {
            file = try OpenFile.open(path, O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o644)
        } catch let error where error.errno == ELOOP {
            throw RegistryError(
                .symlinkRefused, "the backup lease '\(path)' is a symbolic link; remove it (it holds nothing)",
                path: path, underlying: error)
        } catch {
            throw RegistryError.systemCall(error, "open the backup lease", path: path)
        }
        return try holdingShared(file)
    }

    /// Takes the shared lease of another registry — a remote an eviction relies on — so that its `rm`, garbage
    /// collector and evictions leave its artifacts alone while this process depends on its copy (FORMAT.md §14.4).
    /// Creates the lock file when the remote is writable; on a read-only remote an existing file is locked, and
    /// nil is returned when there is none (nothing on this host can remove artifacts there).
    ///
    /// - Throws: `.symlinkRefused` for a symbolic link at `path`; I/O errors naming the file.
    package static func acquireOnRemote(at path: String) throws -> BackupLease? {
        do {
            return try acquire(at: path)
        } catch let error as RegistryError where error.code == .readOnlyFileSystem || error.code == .permissionDenied {
            return try openExisting(path).map(holdingShared)
        }
    }

    /// Whether some process holds a backup lease at `path` now: the check a collector makes (under the writer
    /// lock) before it removes an artifact. A missing file means no backup runs.
    package static func isHeldByAnyone(at path: String) throws -> Bool {
        guard let file = try openExisting(path) else { return false }
        return try file.closeAfter { try $0.isLockedElsewhere("the backup lease") }
    }

    /// Opens the existing lock file at `path` read-only, without following a link or waiting; nil when there is
    /// none.
    private static func openExisting(_ path: String) throws -> OpenFile? {
        do {
            return try OpenFile.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        } catch let error where error.errno == ENOENT {
            return nil
        } catch {
            throw RegistryError.systemCall(error, "open the backup lease", path: path)
        }
    }

    /// Takes the shared lock on the open lock file `file` and wraps it in a lease; closes `file` when that fails.
    private static func holdingShared(_ file: OpenFile) throws -> BackupLease {
        do {
            try file.lock(LOCK_SH)
        } catch {
            try? file.close()
            throw RegistryError.systemCall(error, "take the backup lease", path: file.path)
        }
        return BackupLease(path: file.path, file: file)
    }

    /// Releases the lease; calling it again does nothing.
    package func release() {
        if let file { try? file.closeReleasingLock() }
        file = nil
    }
}
