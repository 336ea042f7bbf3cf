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
        try ViewFile.read(
            path(of: id), key: id, field: "artifact", decode: StateRecord.init(fileBytes:source:), keyOf: \.artifact)
    }

    /// The current state (`registered` when no file exists).
    public func state(of id: ArtifactID) throws -> LifecycleState {
        try record(id)?.state ?? .registered
    }

    /// The artifacts that have a state file (valid or not), sorted.
    public func artifactsWithFiles() throws -> [ArtifactID] {
        try ViewFile.names(in: directory).compactMap(ArtifactID.init)
    }

    /// Writes a record atomically. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync.
    public func write(_ record: StateRecord) throws {
        try ViewFile.write(record.fileBytes(), to: path(of: record.artifact), in: directory)
    }

    /// Removes an artifact's state file (it is `registered` again); a missing file is not an error. The caller
    /// holds the writer lock.
    ///
    /// - Durability: unlink, then fsync of `states/`.
    public func remove(_ id: ArtifactID) throws {
        try ViewFile.remove(path(of: id), in: directory)
    }
}
