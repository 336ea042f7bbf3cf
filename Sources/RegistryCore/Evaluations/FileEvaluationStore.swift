import Foundation

/// Detached evaluation records: `evaluations/<id>/<name>.json` at the registry root (FORMAT.md §12.10), outside the
/// artifact directory, so adding one never changes the artifact's identity and no bundle file name is reserved.
///
/// This type owns the files only; the umbrella `Registry` takes the writer lock and records `evaluation_added`.
public struct FileEvaluationStore: Sendable {
    /// The registry.
    public let layout: RegistryLayout

    /// Creates a store.
    public init(layout: RegistryLayout) { self.layout = layout }

    /// The path a record is stored at.
    public func path(of record: EvaluationRecord) -> String {
        layout.evaluationPath(of: record.artifact, name: record.fileName)
    }

    /// The evaluation records of an artifact, by file name, sorted; a file that does not parse, or whose name or
    /// directory is not the one its content implies, is returned with its error so callers can report it.
    /// Temporary files of a write in progress are skipped.
    ///
    /// - Complexity: reads every record file of the artifact.
    public func files(of id: ArtifactID) throws -> [(name: String, record: Result<EvaluationRecord, RegistryError>)] {
        let directory = layout.evaluationsPath(of: id)
        guard try FileSystem.exists(directory) else { return [] }
        return try FileSystem.listDirectory(directory).compactMap { entry in
            guard let name = entry.name, name.hasSuffix(".json"),
                FileSystem.creatorProcess(ofUniqueName: name, prefix: FileSystem.temporaryPrefix) == nil
            else { return nil }
            let path = layout.evaluationPath(of: id, name: name)
            let source = layout.relativePath(path)
            do {
                let record = try EvaluationRecord(
                    fileBytes: FileSystem.readDocument(path, limit: 1 << 20), source: source)
                guard record.fileName == name, record.artifact == id else {
                    throw RegistryError(
                        .invalidDocument,
                        "\(source): the evaluation record belongs in \(layout.relativePath(self.path(of: record)))",
                        path: path)
                }
                return (name, .success(record))
            } catch let error as RegistryError {
                return (name, .failure(error))
            }
        }.sorted { $0.name < $1.name }
    }

    /// The records of an artifact that parse, oldest first (by `evaluatedAt`, then file name).
    ///
    /// - Throws: I/O errors listing the directory; a damaged file is skipped here (fsck reports it).
    public func records(of id: ArtifactID) throws -> [EvaluationRecord] {
        try files(of: id).compactMap { try? $0.record.get() }.sorted {
            ($0.evaluatedAt, $0.fileName) < ($1.evaluatedAt, $1.fileName)
        }
    }

    /// Writes a record file. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync (the file is read-only).
    public func write(_ record: EvaluationRecord) throws {
        try FileSystem.makeDirectory(layout.evaluationsPath)
        try FileSystem.makeDirectory(layout.evaluationsPath(of: record.artifact))
        try FileSystem.atomicReplace(path(of: record), contents: record.fileBytes(), mode: 0o444)
    }
}

/// The payload of `evaluation_added`: an evaluation record was attached to an artifact. It carries the whole
/// record, so the file can be re-derived from the log.
public struct EvaluationAdded: AuditPayload {
    public static let eventTypes = ["evaluation_added"]

    /// The record attached.
    public var record: EvaluationRecord

    /// The artifact evaluated.
    public var artifact: ArtifactID { record.artifact }
    /// The file, relative to the registry root (`evaluations/<id>/<name>.json`).
    public var file: String { "evaluations/\(record.artifact)/\(record.fileName)" }

    /// Creates a payload.
    public init(_ record: EvaluationRecord) { self.record = record }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "artifact": .string(artifact.description), "file": .string(file), "record": record.jsonValue,
        ]
        if let keyID = record.signature?.keyID { members["keyID"] = .string(keyID) }
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        let record = try EvaluationRecord(reader: try payload.object("record"))
        guard try payload.artifactID("artifact") == record.artifact else {
            throw payload.makeError(at: "artifact", "differs from the record's artifact")
        }
        self.init(record)
        guard try payload.string("file") == file else {
            throw payload.makeError(at: "file", "is not the record's file name, '\(file)'")
        }
        guard try payload.optionalString("keyID") == record.signature?.keyID else {
            throw payload.makeError(at: "keyID", "differs from the record's signature")
        }
    }
}
