#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Brings one file into a staging directory and hashes the staged bytes, in one pass where possible.
package enum FileTransfer {
    /// How the bytes travel.
    package enum Method: Sendable {
        /// Read and write, hashing the bytes as they pass.
        case copy
        /// `link(2)` the source into staging: no bytes move; the staged file *is* the source inode.
        case hardlink
        /// Clone copy-on-write (FICLONE / clonefile), falling back to `copy` when unsupported.
        case reflink
    }

    /// What happened to one file.
    package struct Outcome {
        /// Size and digest of the staged bytes.
        package var result: StreamingHasher.Result
        /// True when the bytes were copied although `hardlink`/`reflink` was asked for.
        package var copied: Bool
        /// The source's status while its bytes were read, when it did not change during the read (same size,
        /// mtime and ctime before and after): what a source-digest cache may record against ``result``. For a
        /// hard link it is the shared inode's status after staging made it read-only. Nil when the source changed.
        package var sourceStatus: FileStatus? = nil

        package init(result: StreamingHasher.Result, copied: Bool, sourceStatus: FileStatus? = nil) {
            self.result = result
            self.copied = copied
            self.sourceStatus = sourceStatus
        }
    }

    /// Stages `source` at `destination` (which must not exist), hashes what was staged, fsyncs it and makes it
    /// read-only.
    ///
    /// - Parameters:
    ///   - followSymlinks: when false, a symbolic link at `source` is refused (`O_NOFOLLOW`).
    ///   - fallBackToCopyAcrossDevices: for `hardlink`, copy instead of failing with `EXDEV`.
    ///   - onBytes: told the size of each chunk copied or hashed, for progress reports.
    /// - Throws: `RegistryError` naming the source or destination; on failure nothing is left at `destination`.
    package static func stage(
        _ source: String, at destination: String, method: Method, algorithm: some HashAlgorithm,
        followSymlinks: Bool, fallBackToCopyAcrossDevices: Bool = false,
        onBytes: StreamingHasher.ByteObserver? = nil
    ) throws -> Outcome {
        do {
            switch method {
            case .copy:
                return try copy(source, destination, algorithm, followSymlinks, onBytes)
            case .hardlink:
                return try link(source, destination, algorithm, followSymlinks, fallBackToCopyAcrossDevices, onBytes)
            case .reflink:
                return try clone(source, destination, algorithm, followSymlinks, onBytes)
            }
        } catch {
            try? FileSystem.removeTree(destination)
            throw error
        }
    }

    private static func openSource(_ path: String, _ followSymlinks: Bool) throws -> (OpenFile, FileStatus) {
        let file: OpenFile
        do {
            file = try OpenFile.open(path, O_RDONLY | (followSymlinks ? 0 : O_NOFOLLOW))
        } catch let error where error.errno == ELOOP {
            throw RegistryError(
                .symlinkRefused, "'\(path)' is a symbolic link; links are refused unless followed explicitly",
                path: path)
        } catch {
            throw RegistryError.systemCall(error, "open the source file", path: path)
        }
        let status: FileStatus
        do {
            status = try file.fileStatus()
        } catch {
            try? file.close()
            throw error
        }
        guard status.kind == .regular else {
            try? file.close()
            throw RegistryError(.invalidPath, "'\(path)' is not a regular file", path: path)
        }
        return (file, status)
    }

    /// Fails with `.fileChanged` unless the source still has the size, mtime and ctime it had when it was opened,
    /// `copied` bytes were read from it, and its path still names the same file: otherwise the bytes staged mix
    /// two versions of the file (rewritten in place), are a prefix of it (truncated), or are no longer what the
    /// path holds (replaced). The hash-only passes check the same in `StreamingHasher`.
    private static func confirmUnchanged(
        _ source: OpenFile, since before: FileStatus, copied: Int64, followSymlinks: Bool
    ) throws {
        let after = try source.fileStatus()
        let named = try FileSystem.status(source.path, followLinks: followSymlinks)
        let sameFile = named.map { $0.device == before.device && $0.inode == before.inode } ?? false
        guard copied == before.size, after.size == before.size, after.modified == before.modified,
            after.changed == before.changed, sameFile
        else {
            let what =
                if !sameFile {
                    "was replaced or removed"
                } else if after.size != before.size {
                    "changed (from \(before.size) to \(after.size) bytes)"
                } else {
                    "was modified"
                }
            throw RegistryError(
                .fileChanged,
                "'\(source.path)' \(what) while it was being copied into the registry; nothing was registered; try "
                    + "again once its writer is done", path: source.path)
        }
    }

    private static func createDestination(_ path: String) throws -> OpenFile {
        do {
            return try OpenFile.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        } catch {
            throw RegistryError.systemCall(error, "create the staged file", path: path)
        }
    }

    /// fsync + read-only, reporting errors against the staged path.
    static func seal(_ file: OpenFile) throws {
        do {
            try file.setPermissions(FileSystem.readOnlyFileMode)
            try file.sync()
        } catch {
            throw RegistryError.systemCall(error, "flush the staged file", path: file.path)
        }
    }

    private static func copy(
        _ source: String, _ destination: String, _ algorithm: some HashAlgorithm, _ followSymlinks: Bool,
        _ onBytes: StreamingHasher.ByteObserver?
    ) throws -> Outcome {
        let (input, before) = try openSource(source, followSymlinks)
        return try input.closeAfter { input in
            let output = try createDestination(destination)
            let result = try output.closeAfter { output in
                let result = try StreamingHasher.copy(from: input, to: output, algorithm: algorithm, onBytes: onBytes)
                try confirmUnchanged(input, since: before, copied: result.size, followSymlinks: followSymlinks)
                try seal(output)
                return result
            }
            // confirmUnchanged proved the source kept its stamp while it was read.
            return Outcome(result: result, copied: true, sourceStatus: before)
        }
    }

    /// `before` when `after` shows no change to the bytes' stamp (size, mtime, ctime, inode), else nil.
    private static func unchanged(_ before: FileStatus, _ after: FileStatus) -> FileStatus? {
        before.device == after.device && before.inode == after.inode && before.size == after.size
            && before.modified == after.modified && before.changed == after.changed ? before : nil
    }

    private static func link(
        _ source: String, _ destination: String, _ algorithm: some HashAlgorithm, _ followSymlinks: Bool,
        _ fallBack: Bool, _ onBytes: StreamingHasher.ByteObserver?
    ) throws -> Outcome {
        // Refuse links and non-regular files before linking: link(2) would link the symlink itself.
        let (input, before) = try openSource(source, followSymlinks)
        try? input.close()
        // Someone else's file stays writable by its owner, who may make it writable again even where the registry
        // could make it read-only: linking it would let them rewrite a published artifact. Copy it instead.
        if before.owner != ProcessAccount.effectiveUserID {
            return try copy(source, destination, algorithm, followSymlinks, onBytes)
        }
        do {
            try system_link(source, destination, followSymlink: followSymlinks)
        } catch let error where error.errno == EXDEV && fallBack {
            return try copy(source, destination, algorithm, followSymlinks, onBytes)
        } catch let error where error.errno == EXDEV {
            throw RegistryError(
                .unsupportedOperation,
                "cannot hard-link '\(source)' into the registry: they are on different file systems; use copy or move mode",
                path: source, underlying: error)
        } catch {
            throw RegistryError.systemCall(error, "hard-link '\(source)' to the staged file", path: destination)
        }
        let staged: OpenFile
        do {
            staged = try OpenFile.open(destination, O_RDONLY | O_NOFOLLOW)
        } catch {
            throw RegistryError.systemCall(error, "open the staged file", path: destination)
        }
        let linked = try staged.closeAfter { staged -> Outcome? in
            do {
                try staged.setPermissions(FileSystem.readOnlyFileMode)
            } catch let error as SystemCallError where error.errno == EPERM || error.errno == EACCES {
                return nil  // not ours to make read-only after all (its owner changed since the check above)
            } catch {
                throw RegistryError.systemCall(error, "make the staged file read-only", path: destination)
            }
            try seal(staged)
            let before = try staged.fileStatus()
            let result = try StreamingHasher.hash(staged, algorithm: algorithm, onBytes: onBytes)
            return Outcome(result: result, copied: false, sourceStatus: unchanged(before, try staged.fileStatus()))
        }
        if let linked { return linked }
        try FileSystem.removeFile(destination)
        return try copy(source, destination, algorithm, followSymlinks, onBytes)
    }

    private static func clone(
        _ source: String, _ destination: String, _ algorithm: some HashAlgorithm, _ followSymlinks: Bool,
        _ onBytes: StreamingHasher.ByteObserver?
    ) throws -> Outcome {
        let (input, before) = try openSource(source, followSymlinks)
        return try input.closeAfter { input in
            #if canImport(Darwin)
                do {
                    try system_clonefile(source, destination)
                } catch let error where error.meansCloneUnsupported {
                    return Outcome(
                        result: try copy(source, destination, algorithm, followSymlinks, onBytes), copied: true)
                } catch {
                    throw RegistryError.systemCall(error, "clone the source file", path: destination)
                }
                let output: OpenFile
                do {
                    output = try OpenFile.open(destination, O_RDWR | O_NOFOLLOW)
                } catch {
                    throw RegistryError.systemCall(error, "open the staged file", path: destination)
                }
            #else
                let output = try createDestination(destination)
            #endif
            return try output.closeAfter { output in
                #if !canImport(Darwin)
                    do {
                        try system_cloneFile(source: input.fd, destination: output.fd, destinationPath: destination)
                    } catch let error as SystemCallError where error.meansCloneUnsupported {
                        let result = try StreamingHasher.copy(
                            from: input, to: output, algorithm: algorithm, onBytes: onBytes)
                        try confirmUnchanged(input, since: before, copied: result.size, followSymlinks: followSymlinks)
                        try seal(output)
                        return Outcome(result: result, copied: true, sourceStatus: before)
                    } catch let error as SystemCallError {
                        throw RegistryError.systemCall(
                            error, "clone '\(source)' into the staged file", path: destination)
                    }
                #endif
                let reader: OpenFile
                do {
                    reader = try OpenFile.open(destination, O_RDONLY | O_NOFOLLOW)
                } catch {
                    throw RegistryError.systemCall(error, "open the staged file", path: destination)
                }
                let result = try reader.closeAfter {
                    try StreamingHasher.hash($0, algorithm: algorithm, onBytes: onBytes)
                }
                // A clone is one atomic step, but a source rewritten before it (after the open) is caught here too.
                try confirmUnchanged(input, since: before, copied: result.size, followSymlinks: followSymlinks)
                try seal(output)
                return Outcome(result: result, copied: false, sourceStatus: before)
            }
        }
    }
}
