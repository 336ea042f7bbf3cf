extension FileTransfer {
    /// Hard-links a file already published in the registry to `destination` in a staging directory, in place of
    /// a copy: deduplication of identical files (FORMAT.md §10).
    ///
    /// The link is made under a temporary name next to `destination` and renamed over it, so a staged copy there
    /// is replaced atomically and nothing half-done is ever at `destination`. Before the rename the new name is
    /// checked to be the expected inode (device and inode), with the expected size and mtime and no write
    /// permission bit: a file changed or made writable between the caller's check and the link is not used.
    ///
    /// - Parameters:
    ///   - stored: the published file (`artifacts/<id>/<path>`).
    ///   - destination: the staged path; may hold a staged copy, which is replaced.
    ///   - expected: the status the caller verified `stored` against.
    /// - Returns: the linked file's status after the link (its ctime and link count changed), or nil when the link
    ///   could not be made — any error (`EXDEV`, `EMLINK`, `EPERM` …) or a changed file — in which case
    ///   `destination` is as it was and the caller copies instead.
    package static func linkStored(_ stored: String, at destination: String, expecting expected: FileStatus)
        -> FileStatus?
    {
        let temporary = FileSystem.parent(of: destination) + "/" + FileSystem.uniqueName(FileSystem.temporaryPrefix)
        do {
            try system_link(stored, temporary)
        } catch {
            return nil
        }
        guard let status = try? FileSystem.status(temporary), status.kind == .regular,
            status.device == expected.device, status.inode == expected.inode, status.size == expected.size,
            status.modified == expected.modified, status.permissions & 0o222 == 0
        else {
            try? FileSystem.removeFile(temporary)
            return nil
        }
        do {
            try FileSystem.rename(temporary, to: destination)
        } catch {
            try? FileSystem.removeFile(temporary)
            return nil
        }
        return status
    }
}
