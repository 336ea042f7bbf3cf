internal import CRegistryShims

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Primitives for copying whole trees (backup and restore): in-kernel copies, byte ranges of append-only files,
// hard links, and one flush of a whole file system at the end instead of an fsync per file.

/// syncfs(2) on Linux: flushes every dirty page and inode of the file system holding `fd`.
/// Throws `ENOTSUP` elsewhere; ``FileSystem/BulkSync`` then syncs file by file.
package func system_syncFileSystem(_ fd: Int32, path: String) throws(SystemCallError) {
    try system_check(.fsync, path: path)
    if mr_sync_file_system(fd) != 0 { throw SystemCallError(systemCall: "syncfs", errno: errno) }
    CrashPoint.countSync()
}

/// copy_file_range(2) on Linux: copies up to `length` bytes between the current offsets of two descriptors
/// inside the kernel. Returns the bytes copied; 0 at end of file.
package func system_copyRange(_ source: Int32, _ destination: Int32, _ length: Int, path: String)
    throws(SystemCallError) -> Int
{
    try system_check(.write, path: path)
    while true {
        let result = mr_copy_range(source, destination, Int64(length))
        if result >= 0 { return Int(result) }
        let code = errno
        if code == EINTR { continue }
        throw SystemCallError(systemCall: "copy_file_range", errno: code)
    }
}

extension FileSystem {
    /// Makes a bulk copy durable with as few waits as possible: an fsync of every file and directory recorded
    /// (their write-back was started as they were written, so each mostly waits for a journal commit) — or, past
    /// ``syncfsThreshold`` paths on Linux, one `syncfs` of the destination's file system, which also waits for
    /// other processes' dirty data there.
    package struct BulkSync {
        /// How many recorded paths make one `syncfs` cheaper than an fsync each (Linux only).
        package static let syncfsThreshold = 2048
        /// How many fsyncs run at once.
        package static let concurrentFlushes = 8
        /// The root of the tree being written: its file system is the one flushed.
        package let root: String
        private var pending: [String] = []
        private var seen: Set<String> = []

        /// A sync for writes under `root`.
        package init(root: String) {
            self.root = root
        }

        /// Remembers a file or directory (by its final path) written or changed since the last ``finish()``.
        package mutating func record(_ path: String) {
            if seen.insert(path).inserted { pending.append(path) }
        }

        /// Flushes everything recorded, and `root` itself, to stable storage.
        ///
        /// **Durability:** when this returns, every recorded file and directory entry is on disk.
        /// - Throws: `RegistryError` naming the file (or the root) when a flush fails: the copy is then not durable
        ///   and its caller must not mark it complete.
        package mutating func finish() throws {
            #if os(Linux)
                if pending.count > Self.syncfsThreshold {
                    do {
                        let directory = try OpenFile.open(root, O_RDONLY | O_DIRECTORY)
                        try directory.closeAfter { directory in
                            do {
                                try system_syncFileSystem(directory.fd, path: root)
                            } catch {
                                throw RegistryError.systemCall(error, "flush the file system holding", path: root)
                            }
                        }
                    } catch let error as SystemCallError {
                        throw RegistryError.systemCall(error, "open", path: root)
                    }
                    pending.removeAll()
                    seen.removeAll()
                    return
                }
            #endif
            // Several fsyncs in flight at once share the file system's journal commits (ext4, XFS group commit).
            let paths = pending
            try ParallelWork.forEach(paths.count, maxConcurrency: Self.concurrentFlushes) { index in
                let path = paths[index]
                do {
                    let file = try OpenFile.open(path, O_RDONLY | O_NOFOLLOW)
                    try file.closeAfter { try $0.sync() }
                } catch let error as SystemCallError where error.errno == ENOENT {
                    return  // removed again later in the same run (a stale view)
                } catch let error as SystemCallError {
                    throw RegistryError.systemCall(error, "flush", path: path)
                }
            }
            pending.removeAll()
            seen.removeAll()
            try syncDirectory(root)
        }
    }

    /// Copies the regular file `source` to the new file `destination` (`O_CREAT|O_EXCL`) with permission bits
    /// `mode`, in the kernel where it can (`copy_file_range`), else by reading and writing. Not synced: the caller
    /// flushes the whole copy once (``BulkSync``).
    ///
    /// - Returns: the bytes copied, which equal the source's size.
    /// - Throws: `.notFound` when the source is gone (removed meanwhile), `.invalidPath` when it is not a regular
    ///   file, `.fileChanged` when its size changed during the copy, other `RegistryError`s naming the file. On
    ///   failure nothing is left at `destination`.
    @discardableResult
    package static func copyFile(from source: String, to destination: String, mode: mode_t) throws -> Int64 {
        let input: OpenFile
        do {
            input = try OpenFile.openPublished(source)
        } catch let error where error.errno == ENOENT {
            throw RegistryError(.notFound, "'\(source)' disappeared while it was being copied", path: source)
        } catch let error where error.errno == ELOOP {
            throw RegistryError(.symlinkRefused, "'\(source)' is a symbolic link; it is not copied", path: source)
        } catch {
            throw RegistryError.systemCall(error, "open for reading", path: source)
        }
        return try input.closeAfter { input in
            let status = try input.fileStatus()
            guard status.kind == .regular else {
                throw RegistryError(.invalidPath, "'\(source)' is not a regular file", path: source)
            }
            let output: OpenFile
            do {
                output = try OpenFile.open(destination, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            } catch {
                throw RegistryError.systemCall(error, "create", path: destination)
            }
            do {
                let copied = try output.closeAfter { output in
                    let copied = try copyBytes(from: input, to: output, length: status.size)
                    // Write-back starts now, while the next file is copied: the flush at the end has less to wait for.
                    system_startWriteback(output.fd, offset: 0, length: copied)
                    try output.setPermissions(mode)
                    return copied
                }
                guard copied == status.size, try input.fileStatus().size == status.size else {
                    throw RegistryError(
                        .fileChanged, "'\(source)' changed size while it was being copied", path: source)
                }
                return copied
            } catch {
                try? removeFile(destination)
                if let error = error as? SystemCallError {
                    throw RegistryError.systemCall(error, "copy to '\(destination)' from", path: source)
                }
                throw error
            }
        }
    }

    /// Copies `length` bytes between the current offsets of two open files, in the kernel where it can. Returns
    /// the bytes copied (fewer only at the source's end).
    package static func copyBytes(from input: OpenFile, to output: OpenFile, length: Int64) throws -> Int64 {
        var copied: Int64 = 0
        var inKernel = true
        let chunk = 8 << 20
        while copied < length && inKernel {
            let wanted = Int(min(Int64(chunk), length - copied))
            let result: Result<Int, SystemCallError>
            do {
                result = .success(try system_copyRange(input.fd, output.fd, wanted, path: output.path))
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(0): return copied
            case .success(let count): copied += Int64(count)
            case .failure(let error):
                guard isCopyRangeUnsupported(error.errno) else {
                    throw RegistryError.systemCall(error, "copy into", path: output.path)
                }
                inKernel = false
            }
        }
        guard copied < length else { return copied }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while copied < length {
            let wanted = Int(min(Int64(buffer.count), length - copied))
            let count = try input.readChunk(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]))
            if count == 0 { break }
            do {
                try output.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            } catch {
                throw RegistryError.systemCall(error, "write", path: output.path)
            }
            copied += Int64(count)
        }
        return copied
    }

    /// Whether copy_file_range's errno means "not possible between these files" rather than a failure.
    private static func isCopyRangeUnsupported(_ code: Int32) -> Bool {
        code == ENOSYS || code == EXDEV || code == EINVAL || code == ENOTSUP || code == EOPNOTSUPP
    }

    /// Creates the hard link `destination` to the existing file `existing` (link(2)); the caller syncs.
    package static func hardLink(_ existing: String, to destination: String) throws {
        try checkedSyscall("link '\(existing)' as", path: destination) { () throws(SystemCallError) in
            try system_link(existing, destination)
        }
    }

    /// Opens (creating when missing) the file at `path` for writing, cut to `length` bytes and positioned at its
    /// end: a journal copy continued from a known-good prefix. The caller closes it.
    package static func openForContinuing(_ path: String, at length: Int64, mode: mode_t = 0o644) throws
        -> OpenFile
    {
        do {
            let file = try OpenFile.open(path, O_WRONLY | O_CREAT | O_NOFOLLOW, mode: mode)
            do {
                try file.truncate(to: length)
                try system_seek(file.fd, to: length, path: path)
                return file
            } catch {
                try? file.close()
                throw error
            }
        } catch {
            throw RegistryError.systemCall(error, "open for writing", path: path)
        }
    }

    /// Moves the read position of an open file (lseek(2) with `SEEK_SET`).
    package static func seek(_ file: OpenFile, to offset: Int64) throws {
        do {
            try system_seek(file.fd, to: offset, path: file.path)
        } catch {
            throw RegistryError.systemCall(error, "seek in", path: file.path)
        }
    }
}

extension FileSystem {
    /// Creates the new file `path` for an archive entry, refusing one that already exists (an archive that names
    /// a file twice) with `.alreadyExists` naming the entry and the archive.
    package static func createEntryFile(_ path: String, entry: String, archive: String) throws -> OpenFile {
        do {
            return try OpenFile.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
        } catch let error where error.errno == EEXIST {
            throw RegistryError(
                .alreadyExists, "\(archive): entry '\(entry)' appears twice (or over a directory)", path: path)
        } catch {
            throw RegistryError.systemCall(error, "create", path: path)
        }
    }
}
