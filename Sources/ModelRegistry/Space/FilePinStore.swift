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
        let file = path(of: id)
        guard try FileSystem.status(file) != nil else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(file, limit: 1 << 16)
        } catch RegistryError.Code.notFound {
            return nil
        }
        let record = try PinRecord(fileBytes: bytes, source: file)
        guard record.artifact == id else {
            throw RegistryError(
                .invalidDocument, "\(file): field 'artifact' names \(record.artifact), not \(id)", path: file)
        }
        return record
    }

    /// The artifacts that have a pin file (valid or not), sorted.
    ///
    /// - Throws: I/O errors listing `pins/`.
    public func artifactsWithFiles() throws -> [ArtifactID] {
        guard try FileSystem.exists(directory) else { return [] }
        return try FileSystem.listDirectory(directory).compactMap { entry in
            guard let name = entry.name, name.hasSuffix(".json") else { return nil }
            return ArtifactID(String(name.dropLast(5)))
        }.sorted()
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
        try prepareDirectory()
        try FileSystem.atomicReplace(path(of: record.artifact), contents: record.fileBytes(), mode: 0o444)
    }

    /// Removes an artifact's pin file; a missing file is not an error. The caller holds the writer lock.
    ///
    /// - Durability: unlink, then fsync of `pins/`.
    package func remove(_ id: ArtifactID) throws {
        guard try FileSystem.status(path(of: id)) != nil else { return }
        try FileSystem.removeFile(path(of: id))
        try FileSystem.syncDirectory(directory)
    }
}
