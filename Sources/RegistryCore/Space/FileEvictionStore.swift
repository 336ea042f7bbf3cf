/// The `evicted/` directory: one record per artifact whose bundle bytes were evicted (FORMAT.md §14.4).
///
/// Owns the files only; the rules around an eviction or a fetch (the writer lock, the remote check, the audit
/// event, the bundle files) live in the umbrella `Registry`.
public struct FileEvictionStore: Sendable {
    /// The registry.
    public let layout: RegistryLayout

    /// Creates a store.
    public init(layout: RegistryLayout) { self.layout = layout }

    /// `<registry>/evicted`.
    public var directory: String { layout.evictedPath }

    /// The eviction record file of an artifact.
    public func path(of id: ArtifactID) -> String { layout.evictionPath(of: id) }

    /// The record, or nil when the artifact is not evicted. Lock-free; one `stat` when it is not.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming a damaged file (including one naming another
    ///   artifact).
    public func record(_ id: ArtifactID) throws -> EvictionRecord? {
        try ViewFile.read(
            path(of: id), key: id, field: "artifact", decode: EvictionRecord.init(fileBytes:source:), keyOf: \.artifact)
    }

    /// Whether an eviction file exists for the artifact (valid or not): one `lstat`.
    public func hasRecord(_ id: ArtifactID) throws -> Bool {
        try FileSystem.status(path(of: id)) != nil
    }

    /// The artifacts that have an eviction file (valid or not), sorted.
    public func artifactsWithFiles() throws -> [ArtifactID] {
        try ViewFile.names(in: directory).compactMap(ArtifactID.init)
    }

    /// Writes a record atomically. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync.
    public func write(_ record: EvictionRecord) throws {
        try ViewFile.write(record.fileBytes(), to: path(of: record.artifact), in: directory)
    }

    /// Removes an artifact's eviction file; a missing file is not an error. The caller holds the writer lock.
    ///
    /// - Durability: unlink, then fsync of `evicted/`.
    public func remove(_ id: ArtifactID) throws {
        try ViewFile.remove(path(of: id), in: directory)
    }
}
