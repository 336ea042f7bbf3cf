import RegistryCore

/// `backup.next.json`: an incremental backup is adding a new snapshot beside the complete one `backup.json`
/// describes (FORMAT.md §14.5).
///
/// `{"evicting":["sha256-…"],"format":"modelregistry-backup-run","schemaVersion":1}`. Written (durably) before an
/// incremental run changes anything and removed when it is done. While it exists the directory may hold more than
/// `backup.json` describes — log bytes past its extent, artifacts its log does not register, views of the new
/// snapshot — so a restore takes only the described snapshot and re-derives the views from its log. `evicting`
/// lists artifacts evicted since the backup copied them, whose bundle files are deleted from the backup only after
/// the new `backup.json` is durable; a run interrupted before that hands them on to the next one.
struct BackupRunNote: Hashable, Sendable {
    static let fileName = "backup.next.json"
    static let formatName = "modelregistry-backup-run"

    /// Artifacts whose evictable bundle files are to go once the new marker is durable.
    var evicting: Set<ArtifactID>

    var bytes: [UInt8] {
        let value: JSONValue = .object([
            "evicting": .array(evicting.map(\.description).sorted().map { .string($0) }),
            "format": .string(Self.formatName), "schemaVersion": .number(JSONNumber(1)),
        ])
        return CanonicalJSON.encode(value) + [0x0A]
    }

    init(evicting: Set<ArtifactID>) {
        self.evicting = evicting
    }

    /// Parses a note, refusing anything but this schema; `source` names the file in errors.
    init(bytes: [UInt8], source: String) throws {
        let json = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        try json.rejectUnknownKeys(allowed: ["evicting", "format", "schemaVersion"])
        guard try json.string("format") == Self.formatName else {
            throw json.makeError(at: "format", "must be \"\(Self.formatName)\"")
        }
        guard try json.integer("schemaVersion") == 1 else {
            throw json.makeError(at: "schemaVersion", "this version reads schema 1 only")
        }
        var evicting = Set<ArtifactID>()
        for name in try json.stringArray("evicting") {
            guard let id = ArtifactID(name) else {
                throw json.makeError(at: "evicting", "'\(name)' is not an artifact id (sha256-<64 hex digits>)")
            }
            evicting.insert(id)
        }
        self.evicting = evicting
    }

    /// Reads the note at `path`, or nil when there is none.
    static func read(_ path: String) throws -> BackupRunNote? {
        guard try FileSystem.exists(path) else { return nil }
        return try BackupRunNote(bytes: FileSystem.readDocument(path, limit: 16 << 20), source: fileName)
    }
}
