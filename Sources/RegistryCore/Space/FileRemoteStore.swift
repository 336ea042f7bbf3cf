/// The `remotes/` directory: one record per configured remote (FORMAT.md §14.4).
///
/// Owns the files only: reading them without locks, and replacing or removing them atomically. The rules around
/// a change (the writer lock, the audit event) live in the umbrella `Registry`.
public struct FileRemoteStore: Sendable {
    /// The registry.
    public let layout: RegistryLayout

    /// Creates a store.
    public init(layout: RegistryLayout) { self.layout = layout }

    /// `<registry>/remotes`.
    public var directory: String { layout.remotesPath }

    /// The file of one remote.
    public func path(of name: String) -> String { layout.remotePath(name) }

    /// The record of `name`, or nil when no such remote is configured. Lock-free.
    ///
    /// - Throws: `.invalidName` for a name outside the grammar; `.invalidJSON` / `.invalidDocument` naming a
    ///   damaged file (including one whose `name` is another remote's).
    public func record(_ name: String) throws -> RemoteRecord? {
        try RemoteName.check(name)
        let file = path(of: name)
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(file, limit: 1 << 16)
        } catch RegistryError.Code.notFound {
            return nil
        }
        let record = try RemoteRecord(fileBytes: bytes, source: file)
        guard record.name == name else {
            throw RegistryError(
                .invalidDocument, "\(file): field 'name' is '\(record.name)', not '\(name)'", path: file)
        }
        return record
    }

    /// The names of every remote file (valid or not), sorted; entries that are not `<name>.json` are skipped.
    public func names() throws -> [String] {
        guard try FileSystem.exists(directory) else { return [] }
        return try FileSystem.listDirectory(directory).compactMap { entry in
            guard let name = entry.name, name.hasSuffix(".json") else { return nil }
            let base = String(name.dropLast(5))
            return (try? RemoteName.check(base)) == nil ? nil : base
        }.sorted()
    }

    /// Writes a record atomically. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync.
    public func write(_ record: RemoteRecord) throws {
        try FileSystem.makeDirectory(directory)
        try FileSystem.atomicReplace(path(of: record.name), contents: record.fileBytes(), mode: 0o444)
    }

    /// Removes a remote's file; a missing file is not an error. The caller holds the writer lock.
    ///
    /// - Durability: unlink, then fsync of `remotes/`.
    public func remove(_ name: String) throws {
        guard try FileSystem.status(path(of: name)) != nil else { return }
        try FileSystem.removeFile(path(of: name))
        try FileSystem.syncDirectory(directory)
    }
}
