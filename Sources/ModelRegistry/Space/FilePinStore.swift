import RegistryCore

/// The `pins/` directory: one file per pinned artifact (FORMAT.md §14.1), a view of the audit log.
///
/// This type owns the files only: reading them without locks, and replacing or removing them atomically. The
/// rules around a change (the writer lock, the audit event) live in `Registry.pin(_:reason:actor:)`.
public struct FilePinStore: Sendable {
    /// The registry.
    public let layout: RegistryLayout

    /// Creates a store.
    public init(layout: RegistryLayout) { self.layout = layout }

    /// `<registry>/pins`.
    public var directory: String { layout.pinsPath }

    /// The pin file of an artifact.
    public func path(of id: ArtifactID) -> String { layout.pinPath(of: id) }

    /// The artifact's pin, or nil when it is not pinned. Lock-free.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming a damaged file (or one naming another artifact).
    public func record(_ id: ArtifactID) throws -> PinRecord? {
        try ViewFile.read(
            path(of: id), key: id, field: "artifact", decode: PinRecord.init(fileBytes:source:), keyOf: \.artifact)
    }

    /// The artifacts that have a pin file (valid or not), sorted.
    ///
    /// - Throws: I/O errors listing `pins/`.
    public func artifactsWithFiles() throws -> [ArtifactID] {
        try ViewFile.names(in: directory).compactMap(ArtifactID.init)
    }

    /// Creates `pins/` when missing; a symbolic link in its place is refused (`.symlinkRefused`), so that no pin is
    /// written outside the registry.
    package func prepareDirectory() throws {
        try FileSystem.makeDirectory(directory)
    }

    /// Writes a record atomically. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync.
    package func write(_ record: PinRecord) throws {
        try ViewFile.write(record.fileBytes(), to: path(of: record.artifact), in: directory)
    }

    /// Removes an artifact's pin file; a missing file is not an error. The caller holds the writer lock.
    ///
    /// - Durability: unlink, then fsync of `pins/`.
    package func remove(_ id: ArtifactID) throws {
        try ViewFile.remove(path(of: id), in: directory)
    }
}
