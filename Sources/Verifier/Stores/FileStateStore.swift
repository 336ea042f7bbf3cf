import RegistryCore

/// The `states/` directory: one file per artifact whose lifecycle state is not `registered`.
///
/// This type owns the files only: reading them without locks, and replacing or removing them atomically. The
/// rules around a change (the writer lock, allowed transitions, the audit event) live in the umbrella `Registry`.
public struct FileStateStore: Sendable {
    /// The registry.
    public let layout: RegistryLayout

    /// Creates a store.
    public init(layout: RegistryLayout) { self.layout = layout }

    /// `<registry>/states`.
    public var directory: String { layout.statesPath }

    /// The state file of an artifact.
    public func path(of id: ArtifactID) -> String { layout.statePath(of: id) }

    /// The current record, or nil when the artifact is simply `registered`. Lock-free.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming a damaged file (including one naming a state that
    ///   does not exist, or another artifact).
    public func record(_ id: ArtifactID) throws -> StateRecord? {
        let file = path(of: id)
        // Most artifacts never leave `registered`: one stat answers that without opening anything.
        guard try FileSystem.status(file) != nil else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(file, limit: 1 << 16)
        } catch RegistryError.Code.notFound {
            return nil
        }
        let record = try StateRecord(fileBytes: bytes, source: file)
        guard record.artifact == id else {
            throw RegistryError(
                .invalidDocument, "\(file): field 'artifact' names \(record.artifact), not \(id)", path: file)
        }
        return record
    }

    /// The current state (`registered` when no file exists).
    public func state(of id: ArtifactID) throws -> LifecycleState {
        try record(id)?.state ?? .registered
    }

    /// The artifacts that have a state file (valid or not), sorted.
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
    public func write(_ record: StateRecord) throws {
        try FileSystem.makeDirectory(directory)
        try FileSystem.atomicReplace(path(of: record.artifact), contents: record.fileBytes(), mode: 0o444)
    }

    /// Removes an artifact's state file (it is `registered` again); a missing file is not an error. The caller
    /// holds the writer lock.
    ///
    /// - Durability: unlink, then fsync of `states/`.
    public func remove(_ id: ArtifactID) throws {
        guard try FileSystem.exists(path(of: id)) else { return }
        try FileSystem.removeFile(path(of: id))
        try FileSystem.syncDirectory(directory)
    }
}
