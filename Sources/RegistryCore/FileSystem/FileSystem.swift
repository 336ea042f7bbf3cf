import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The durable-write recipes every store uses. No store calls POSIX directly; each recipe here is one named,
/// tested function whose crash behaviour is written down.
package enum FileSystem {
    /// Permission bits for published, immutable files.
    package static let readOnlyFileMode: mode_t = 0o444
    /// Permission bits for registry directories.
    package static let directoryMode: mode_t = 0o755

    // MARK: Names

    /// The name prefix of the temporary files ``atomicReplace(_:contents:mode:)`` writes next to their target.
    package static let temporaryPrefix = ".tmp-"

    /// A name no other process or thread will pick: `prefix` + pid + 16 random hex digits.
    package static func uniqueName(_ prefix: String) -> String {
        var random = SystemRandomNumberGenerator()
        let suffix = String(random.next() as UInt64, radix: 16)
        return "\(prefix)\(getpid())-\(suffix)"
    }

    // MARK: Queries

    /// Metadata of `path` without following a final symbolic link, or nil if nothing is there.
    package static func linkStatus(_ path: String) throws -> stat? {
        do {
            return try system_lstat(path)
        } catch let error where error.errno == ENOENT || error.errno == ENOTDIR {
            return nil
        } catch {
            throw RegistryError.systemCall(error, "inspect", path: path)
        }
    }

    /// Whether anything (file, directory, link) exists at `path`.
    package static func exists(_ path: String) throws -> Bool {
        try linkStatus(path) != nil
    }

    /// The kind of file system holding `path`.
    package static func kind(of path: String) throws -> FileSystemKind {
        do {
            return try system_fileSystemKind(path)
        } catch {
            throw RegistryError.systemCall(error, "identify the file system", path: path)
        }
    }

    // MARK: Directories

    /// Creates a directory; when `syncParent` is true, fsyncs the parent so the new entry survives a crash.
    /// An existing directory is accepted when `allowExisting` is true — a real one only: a symbolic link is
    /// refused (`.symlinkRefused`), because a writer would follow it and write outside the registry.
    package static func makeDirectory(_ path: String, allowExisting: Bool = true, syncParent: Bool = true) throws {
        do {
            try system_mkdir(path, directoryMode)
        } catch let error where error.errno == EEXIST && allowExisting {
            let info = try linkStatus(path)
            if let info, (info.st_mode & S_IFMT) == S_IFLNK {
                throw RegistryError(
                    .symlinkRefused,
                    "'\(path)' is a symbolic link; a registry's own directories must be real directories, or writes "
                        + "would land outside the registry. Replace the link with the directory it points at",
                    path: path)
            }
            guard let info, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw RegistryError(.alreadyExists, "'\(path)' exists and is not a directory", path: path)
            }
            return
        } catch {
            throw RegistryError.systemCall(error, "create the directory", path: path)
        }
        if syncParent { try syncDirectory(parent(of: path)) }
    }

    /// Creates a directory and any missing parents (`mkdir -p`), syncing each parent that gained an entry.
    package static func makeDirectories(_ path: String) throws {
        if try status(path, followLinks: true)?.kind == .directory { return }
        let parentPath = parent(of: path)
        if parentPath != path && parentPath != "." && parentPath != "/" { try makeDirectories(parentPath) }
        try makeDirectory(path)
    }

    /// Creates `path` and any missing directories between `root` (which must exist) and it, each a real directory:
    /// a symbolic link on the way is refused (`.symlinkRefused`), so that a writer never leaves the registry.
    package static func makeDirectories(_ path: String, inside root: String) throws {
        precondition(
            path.hasPrefix(root + "/"), "FileSystem.makeDirectories(_:inside:) needs a path inside the root.")
        var current = root
        for component in path.dropFirst(root.count + 1).split(separator: "/") {
            current += "/" + component
            try makeDirectory(current)
        }
    }

    /// fsyncs a directory so that entries created, renamed or removed in it are durable.
    package static func syncDirectory(_ path: String) throws {
        do {
            let directory = try OpenFile.open(path, O_RDONLY | O_DIRECTORY)
            try directory.closeAfter { try $0.sync() }
        } catch let error as SystemCallError {
            throw RegistryError.systemCall(error, "flush the directory", path: path)
        }
    }

    /// One entry of a directory listing, with the raw bytes of its name (which may not be UTF-8).
    package struct DirectoryEntry {
        /// The raw name bytes as stored by the file system.
        package var nameBytes: [UInt8]
        /// The name as a string when the bytes are valid UTF-8.
        package var name: String? { String(validating: nameBytes, as: UTF8.self) }
        /// Whether the entry is a directory, as the directory itself records it (`d_type`), or nil when the file
        /// system does not say (`DT_UNKNOWN`): then ``FileSystem/status(_:followLinks:)`` tells. Saves a `stat`
        /// per entry on walks over many small directories, such as `fsck` over a million artifacts.
        package var isDirectory: Bool?
    }

    /// Lists a directory without `.` and `..`, names as raw bytes, in no particular order.
    package static func listDirectory(_ path: String) throws -> [DirectoryEntry] {
        var entries: [DirectoryEntry] = []
        try forEachTypedDirectoryEntry(path) { name, isDirectory in
            entries.append(DirectoryEntry(nameBytes: Array(name), isDirectory: isDirectory))
        }
        return entries
    }

    /// Calls `body` with the raw name bytes of each entry of a directory (without `.` and `..`) and whether it is a
    /// directory as the directory records it (nil when it does not say), in no particular order, without
    /// collecting them.
    ///
    /// - Throws: I/O errors naming the directory; what `body` throws.
    package static func forEachTypedDirectoryEntry(
        _ path: String, _ body: (UnsafeBufferPointer<UInt8>, _ isDirectory: Bool?) throws -> Void
    ) throws {
        try checkedSyscall("list the directory", path: path) { () throws(SystemCallError) in
            try system_check(.opendir, path: path)
        }
        guard let stream = opendir(path) else {
            throw RegistryError.systemCall(
                SystemCallError(systemCall: "opendir", errno: errno), "list the directory", path: path)
        }
        defer { closedir(stream) }
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 {
                    throw RegistryError.systemCall(
                        SystemCallError(systemCall: "readdir", errno: errno), "list the directory", path: path)
                }
                return
            }
            let type = Int(entry.pointee.d_type)
            let isDirectory = type == Int(DT_UNKNOWN) ? nil : type == Int(DT_DIR)
            try withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let name = raw.bindMemory(to: UInt8.self)
                let length = name.firstIndex(of: 0) ?? name.count
                let bytes = UnsafeBufferPointer(rebasing: name[0..<length])
                if bytes.count == 1 && bytes[0] == 0x2E { return }
                if bytes.count == 2 && bytes[0] == 0x2E && bytes[1] == 0x2E { return }
                try body(bytes, isDirectory)
            }
        }
    }

    /// Removes a file or a directory tree. Used only for staging areas and temp files, never published artifacts.
    /// A missing path is not an error.
    package static func removeTree(_ path: String) throws {
        guard let info = try linkStatus(path) else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for entry in try listDirectory(path) {
                let child = path + "/" + String(decoding: entry.nameBytes, as: UTF8.self)
                guard entry.name != nil else {
                    // Not valid UTF-8: remove through the raw bytes.
                    try removeRaw(directory: path, nameBytes: entry.nameBytes)
                    continue
                }
                try removeTree(child)
            }
            try checkedSyscall("remove the directory", path: path) { () throws(SystemCallError) in
                try system_rmdir(path)
            }
        } else {
            try checkedSyscall("remove the file", path: path) { () throws(SystemCallError) in try system_unlink(path) }
        }
    }

    /// Sets the permission bits of an existing file (open read-only without following links, then fchmod).
    package static func setPermissions(_ path: String, mode: mode_t) throws {
        do {
            let file = try OpenFile.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
            try file.closeAfter { try $0.setPermissions(mode) }
        } catch let error as SystemCallError {
            throw RegistryError.systemCall(error, "change the permissions of the file", path: path)
        }
    }

    /// Removes one file (not a directory). Does not fsync the directory; callers do that once.
    package static func removeFile(_ path: String) throws {
        try checkedSyscall("remove the file", path: path) { () throws(SystemCallError) in try system_unlink(path) }
    }

    private static func removeRaw(directory: String, nameBytes: [UInt8]) throws {
        let full = (Array(directory.utf8) + [0x2F] + nameBytes + [0]).map { CChar(bitPattern: $0) }
        if unlink(full) != 0 {
            throw RegistryError.systemCall(
                SystemCallError(systemCall: "unlink", errno: errno), "remove a file in", path: directory)
        }
    }

    // MARK: Durable writes

    /// Writes a new file that must not exist yet (`O_CREAT|O_EXCL`), fsyncs it and sets its permissions.
    /// Does not fsync the directory: callers creating several files sync the directory once.
    ///
    /// - Parameter reportedPath: the path errors name (``atomicReplace(_:contents:mode:)`` names the file it
    ///   replaces, not its temporary copy); `path` by default.
    package static func createFile(
        _ path: String, contents: [UInt8], mode: mode_t = readOnlyFileMode, reportedPath: String? = nil
    ) throws {
        let file: OpenFile
        do {
            file = try OpenFile.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        } catch {
            throw RegistryError.systemCall(error, "create", path: reportedPath ?? path)
        }
        do {
            try file.closeAfter { file in
                try file.writeAll(contents)
                CrashPoint.hit("atomic.afterTempWrite")
                try file.setPermissions(mode)
                try file.sync()
                CrashPoint.hit("atomic.afterTempSync")
            }
        } catch {
            try? removeTree(path)  // ours: created above with O_EXCL
            throw RegistryError.systemCall(error, "write", path: reportedPath ?? path)
        }
    }

    /// Atomically replaces the file at `path` with `contents`.
    ///
    /// **Durability:** writes a fresh, uniquely named temp file in the same directory (`O_CREAT|O_EXCL`), fsyncs
    /// it, renames it over `path`, then fsyncs the directory. A crash at any point leaves either the old file or
    /// the new one, never a torn mix, plus at worst an orphaned `.tmp-` file that recovery may delete. A failed
    /// fsync fails the call.
    package static func atomicReplace(_ path: String, contents: [UInt8], mode: mode_t = 0o644) throws {
        let directory = parent(of: path)
        let temp = directory + "/" + uniqueName(temporaryPrefix)
        try createFile(temp, contents: contents, mode: mode, reportedPath: path)
        do {
            try system_rename(temp, path)
        } catch {
            try? removeTree(temp)
            throw RegistryError.systemCall(error, "replace", path: path)
        }
        CrashPoint.hit("atomic.afterRename")
        try syncDirectory(directory)
        CrashPoint.hit("atomic.afterDirectorySync")
    }

    /// Renames `from` to `to` (replacing a file at `to`, or an empty directory). The caller syncs the parents.
    package static func rename(_ from: String, to: String) throws {
        try checkedSyscall("rename '\(from)' to", path: to) { () throws(SystemCallError) in
            try system_rename(from, to)
        }
    }

    /// The outcome of publishing a staged directory.
    package enum PublishOutcome: Equatable {
        /// The staged directory is now at the target path.
        case published
        /// Something was already at the target path; the staged directory was left in place for the caller.
        case targetExisted
    }

    /// Publishes a fully synced staging directory by renaming it to `target`, then fsyncs the target's parent.
    ///
    /// When the target already exists the rename fails with `EEXIST`/`ENOTEMPTY` and nothing changes; for
    /// content-addressed targets that means the same content is already published.
    package static func publishDirectory(_ staging: String, to target: String) throws -> PublishOutcome {
        // "Already there" is only reported once the entry is durable: the writer that renamed it may have crashed
        // before its own directory fsync.
        if try exists(target) {
            try syncDirectory(parent(of: target))
            return .targetExisted
        }
        do {
            try system_rename(staging, target)
        } catch let error where error.errno == EEXIST || error.errno == ENOTEMPTY {
            try syncDirectory(parent(of: target))
            return .targetExisted
        } catch {
            throw RegistryError.systemCall(error, "publish '\(staging)' as", path: target)
        }
        try syncDirectory(parent(of: target))
        return .published
    }

    /// Appends one complete record with a single `write` on an `O_APPEND` descriptor, then fsyncs.
    ///
    /// **Durability:** the record is durable when this returns. Callers hold the writer lock, so records never
    /// interleave; a crash mid-write can leave a torn final record, which readers detect (no final newline).
    /// Creating the file also fsyncs its directory.
    package static func append(_ path: String, record: [UInt8]) throws {
        let existed = try exists(path)
        do {
            let file = try OpenFile.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o644)
            try file.closeAfter { file in
                try file.writeAll(record)
                CrashPoint.hit("append.afterWrite")
                try file.sync()
                CrashPoint.hit("append.afterSync")
            }
        } catch let error as SystemCallError {
            throw RegistryError.systemCall(error, "append to the file", path: path)
        }
        if !existed { try syncDirectory(parent(of: path)) }
    }

    /// Reads a small published document (manifest, alias record) read-only with `O_NOFOLLOW`.
    ///
    /// - Throws: `.invalidPath` naming the file when it is not a regular file (a FIFO, a device or a socket
    ///   planted in its place: never waited on, never read).
    package static func readDocument(_ path: String, limit: Int = 64 << 20) throws -> [UInt8] {
        do {
            let file = try OpenFile.openPublished(path)
            return try file.closeAfter { file in
                let kind = try file.fileStatus().kind
                guard kind == .regular else {
                    let what = kind == .directory ? "a directory" : "a FIFO, device or socket"
                    throw RegistryError(.invalidPath, "'\(path)' is not a regular file but \(what)", path: path)
                }
                return try file.readAll(limit: limit)
            }
        } catch let error as SystemCallError {
            throw RegistryError.systemCall(error, "read", path: path)
        }
    }

    // MARK: Helpers

    /// The parent directory of a path (`"/"` for top-level entries, `"."` for bare names).
    package static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Runs a throwing syscall closure, mapping a `SystemCallError` to a `RegistryError`.
    package static func checkedSyscall<R>(
        _ action: String, path: String, _ body: () throws(SystemCallError) -> R
    ) throws -> R {
        do {
            return try body()
        } catch {
            throw RegistryError.systemCall(error, action, path: path)
        }
    }
}

extension FileSystem {
    /// The id of the process that created a name made by ``uniqueName(_:)``, or nil if `name` is not one.
    package static func creatorProcess(ofUniqueName name: String, prefix: String) -> Int32? {
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dash = rest.firstIndex(of: "-") else { return nil }
        return Int32(rest[..<dash])
    }

    /// Whether a process with this id exists on this machine (kill(2) with signal 0).
    package static func isProcessAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
