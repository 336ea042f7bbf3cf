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
        return try ViewFile.read(
            path(of: name), key: name, field: "name", decode: RemoteRecord.init(fileBytes:source:), keyOf: \.name)
    }

    /// The names of every remote file (valid or not), sorted; entries that are not `<name>.json` are skipped.
    public func names() throws -> [String] {
        try ViewFile.names(in: directory).filter { (try? RemoteName.check($0)) != nil }
    }

    /// Writes a record atomically. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync.
    public func write(_ record: RemoteRecord) throws {
        try ViewFile.write(record.fileBytes(), to: path(of: record.name), in: directory)
    }

    /// Removes a remote's file; a missing file is not an error. The caller holds the writer lock.
    ///
    /// - Durability: unlink, then fsync of `remotes/`.
    public func remove(_ name: String) throws {
        try ViewFile.remove(path(of: name), in: directory)
    }
}
