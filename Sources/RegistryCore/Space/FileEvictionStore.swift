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
        let file = path(of: id)
        guard try FileSystem.status(file) != nil else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(file, limit: 1 << 16)
        } catch RegistryError.Code.notFound {
            return nil
        }
        let record = try EvictionRecord(fileBytes: bytes, source: file)
        guard record.artifact == id else {
            throw RegistryError(
                .invalidDocument, "\(file): field 'artifact' names \(record.artifact), not \(id)", path: file)
        }
        return record
    }

    /// Whether an eviction file exists for the artifact (valid or not): one `lstat`.
    public func hasRecord(_ id: ArtifactID) throws -> Bool {
        try FileSystem.status(path(of: id)) != nil
    }

    /// The artifacts that have an eviction file (valid or not), sorted.
    public func artifactsWithFiles() throws -> [ArtifactID] {
        guard try FileSystem.exists(directory) else { return [] }
        return try FileSystem.listDirectory(directory).compactMap { entry in
            guard let name = entry.name, name.hasSuffix(".json") else { return nil }
            return ArtifactID(String(name.dropLast(5)))
        }.sorted()
    }

    /// Writes a record atomically. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync.
    public func write(_ record: EvictionRecord) throws {
        try FileSystem.makeDirectory(directory)
        try FileSystem.atomicReplace(path(of: record.artifact), contents: record.fileBytes(), mode: 0o444)
    }

    /// Removes an artifact's eviction file; a missing file is not an error. The caller holds the writer lock.
    ///
    /// - Durability: unlink, then fsync of `evicted/`.
    public func remove(_ id: ArtifactID) throws {
        guard try FileSystem.status(path(of: id)) != nil else { return }
        try FileSystem.removeFile(path(of: id))
        try FileSystem.syncDirectory(directory)
    }
}
