import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The lock a writer holds on its staging directory from before the directory exists until it has been
/// published or removed: `flock(LOCK_EX)` on the file `<directory>.lock` next to it (FORMAT.md §6).
///
/// Recovery decides whether a staging directory is abandoned by trying that lock, never by the pid in its name:
/// a writer in another PID namespace (a second container on the same volume) has a pid recovery cannot see, and
/// a dead writer's pid may belong to an unrelated process by now. `flock` locks live in the kernel's open file
/// table, so they are visible across PID namespaces and die with the process that held them.
///
/// Thread-safe; the lock is released once, by ``release()`` or when the lease is deallocated.
package final class StagingLease: @unchecked Sendable {
    /// The staging directory this lease protects.
    package let directory: String
    /// The lock file next to it.
    package var lockPath: String { Self.lockPath(of: directory) }
    private let mutex = NSLock()
    private var file: OpenFile?

    private init(directory: String, file: OpenFile) {
        self.directory = directory
        self.file = file
    }

    deinit {
        // A lease dropped without release (a staged artifact never published nor discarded) leaves its lock file
        // unlocked, which tells recovery the directory is abandoned.
        if let file { try? file.closeReleasingLock() }
    }

    /// The name suffix of staging lock files.
    package static let lockSuffix = ".lock"

    /// The lock file of a staging directory.
    package static func lockPath(of directory: String) -> String {
        directory + lockSuffix
    }

    /// Creates a new, uniquely named staging directory in `parent` (named by ``FileSystem/uniqueName(_:)`` with
    /// `prefix`) with its lock already held: the lock file is created and locked first, then the directory.
    ///
    /// - Throws: `RegistryError` for the file-system calls, naming the path.
    package static func create(in parent: String, prefix: String) throws -> StagingLease {
        // A recovery can take a just-created lock file for an abandoned one in the instant before it is locked and
        // unlink it; the writer sees its inode gone from the name and starts over under a new name.
        for _ in 0..<8 {
            let directory = parent + "/" + FileSystem.uniqueName(prefix)
            let path = lockPath(of: directory)
            let file: OpenFile
            do {
                file = try OpenFile.open(path, O_RDWR | O_CREAT | O_EXCL, mode: 0o644)
            } catch let error where error.errno == EEXIST {
                continue
            } catch {
                throw RegistryError.systemCall(error, "create the staging lock", path: path)
            }
            do {
                try file.lock(LOCK_EX)
                guard try isStillLinked(file) else {
                    try? file.close()
                    continue
                }
                try FileSystem.makeDirectory(directory, allowExisting: false, syncParent: false)
            } catch {
                try? FileSystem.removeFile(path)
                try? file.close()
                throw (error as? SystemCallError).map { RegistryError.systemCall($0, "lock", path: path) } ?? error
            }
            return StagingLease(directory: directory, file: file)
        }
        throw RegistryError(
            .io, "could not create a staging directory in '\(parent)': its lock file was removed each time",
            path: parent)
    }

    /// Whether this lease still holds its lock (``release()`` was not called).
    package var isHeld: Bool {
        mutex.withLock { file != nil }
    }

    /// Removes the lock file and releases the lock. Call once the directory has been renamed into place or
    /// removed; calling it again does nothing.
    package func release() {
        mutex.withLock {
            guard let file else { return }
            // Unlinked while still locked: a recovery that opened it meanwhile finds its name gone and leaves it.
            try? FileSystem.removeFile(lockPath)
            try? file.closeReleasingLock()
            self.file = nil
        }
    }

    /// Whether the open lock file is still the one at its path (nobody unlinked or replaced it).
    private static func isStillLinked(_ file: OpenFile) throws -> Bool {
        let held = try file.fileStatus()
        guard let named = try FileSystem.status(file.path) else { return false }
        return named.device == held.device && named.inode == held.inode
    }

    /// Whether a live writer holds the lease of the staging directory `directory` (its lock file is locked), for
    /// the garbage collector, which must leave an ingest in progress alone. Tries the lock without waiting and
    /// releases it at once. A directory without a lock file is judged by the pid in its name (`creator`).
    ///
    /// - Throws: `RegistryError` when the lock file exists but cannot be opened or tried: the caller counts that
    ///   as held (an I/O error while deciding keeps).
    package static func isHeld(_ directory: String, creator: Int32?) throws -> Bool {
        let path = lockPath(of: directory)
        let file: OpenFile
        do {
            file = try OpenFile.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        } catch let error where error.errno == ENOENT {
            return creator.map(FileSystem.isProcessAlive) ?? false
        } catch let error where error.errno == ELOOP {
            return false  // a symbolic link is no writer's lock (writers create a regular file)
        } catch {
            throw RegistryError.systemCall(error, "open the staging lock", path: path)
        }
        return try file.closeAfter { try $0.isLockedElsewhere("the staging lock") }
    }

    /// For recovery (which holds the writer lock): removes the staging directory `directory` and its lock file
    /// when no process holds the lock. Returns the paths removed; empty when a writer still holds the lock.
    ///
    /// A directory without a lock file was made by an older version, or parked by a writer that then crashed:
    /// it is judged by the pid in its name (`creator`), as before, and kept while that process runs.
    package static func removeIfAbandoned(_ directory: String, creator: Int32?) throws -> [String] {
        let path = lockPath(of: directory)
        let file: OpenFile
        do {
            file = try OpenFile.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        } catch let error where error.errno == ENOENT || error.errno == ELOOP {
            var removed: [String] = []
            if error.errno == ELOOP {
                // A symbolic link is no writer's lock (writers create a regular file): planted garbage.
                try FileSystem.removeFile(path)
                removed.append(path)
            }
            guard try FileSystem.exists(directory) else { return removed }
            if let creator, FileSystem.isProcessAlive(creator) { return removed }
            try FileSystem.removeTree(directory)
            return removed + [directory]
        } catch {
            throw RegistryError.systemCall(error, "open the staging lock", path: path)
        }
        return try file.closeAfter { file in
            do {
                try file.lock(LOCK_EX | LOCK_NB)
            } catch let error as SystemCallError where error.errno == EWOULDBLOCK {
                return []  // a writer holds it: the registration is in progress, whatever its pid says
            } catch {
                throw RegistryError.systemCall(error, "try the staging lock", path: path)
            }
            // The writer unlinks its lock file after publishing or removing the directory: nothing left to do.
            guard try isStillLinked(file) else { return [] }
            var removed: [String] = []
            if try FileSystem.exists(directory) {
                try FileSystem.removeTree(directory)
                removed.append(directory)
            }
            try FileSystem.removeTree(path)  // a directory planted under the name goes too
            removed.append(path)
            return removed
        }
    }
}
