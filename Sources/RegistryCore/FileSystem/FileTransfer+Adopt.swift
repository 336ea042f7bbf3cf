#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension FileTransfer {
    /// Hard-links a file the registry wrote and hashed itself — a blob a pull downloaded into its own staging
    /// lease, hashed as it arrived and synced — to `destination` in a staging directory, taking its size and digest
    /// as given instead of reading it again (FORMAT.md §15.8).
    ///
    /// Only for files no one else could have written: they live in a staging directory the caller leases. The
    /// file must still have the size `known` says; it is made read-only and synced.
    ///
    /// - Parameters:
    ///   - source: the file written by the registry (not followed if it is a symbolic link).
    ///   - destination: the staged path, which must not exist.
    ///   - known: the size and digest measured while the file was written.
    /// - Returns: the outcome, with `known` as its result and `copied` set: the registry wrote these bytes, so they
    ///   count as written by it (stamps recorded, deduplication index verified).
    /// - Throws: `.digestMismatch` when the file no longer has the known size; I/O errors naming the file.
    package static func adoptVerified(_ source: String, at destination: String, known: StreamingHasher.Result)
        throws -> Outcome
    {
        do {
            try system_link(source, destination, followSymlink: false)
        } catch {
            throw RegistryError.systemCall(
                error, "hard-link the downloaded '\(source)' to the staged file", path: destination)
        }
        do {
            let staged: OpenFile
            do {
                staged = try OpenFile.open(destination, O_RDONLY | O_NOFOLLOW)
            } catch {
                throw RegistryError.systemCall(error, "open the staged file", path: destination)
            }
            return try staged.closeAfter { staged in
                let status = try staged.fileStatus()
                guard status.kind == .regular, status.size == known.size else {
                    throw RegistryError(
                        .digestMismatch,
                        "'\(source)' has \(status.size) bytes, not the \(known.size) it had when it was downloaded and "
                            + "hashed", path: source)
                }
                try seal(staged)
                return Outcome(result: known, copied: true)
            }
        } catch {
            try? FileSystem.removeFile(destination)
            throw error
        }
    }
}
