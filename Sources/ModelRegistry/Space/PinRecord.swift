import RegistryCore

/// Why an artifact must stay: the content of `pins/<artifact-id>.json` (FORMAT.md §14.1).
///
/// A pinned artifact is kept by the garbage collector and refused by `rm` (unless forced), whatever its aliases
/// and state say: for a model a paper cites, or an audit must be able to reproduce. Self-describing like state
/// records, and a view of the log: `artifact_pinned` carries the whole record.
public struct PinRecord: Hashable, Sendable {
    /// The schema version of pin files.
    public static let schemaVersion = 1

    /// The pinned artifact.
    public var artifact: ArtifactID
    /// When it was pinned, RFC 3339 UTC with milliseconds.
    public var pinnedAt: String
    /// Who pinned it.
    public var actor: String
    /// Why, in the actor's words.
    public var reason: String?

    /// Creates a record.
    public init(artifact: ArtifactID, pinnedAt: String, actor: String, reason: String?) {
        self.artifact = artifact
        self.pinnedAt = pinnedAt
        self.actor = actor
        self.reason = reason
    }

    /// The record as JSON; `reason` is omitted when not set.
    public var jsonValue: JSONValue {
        var fields: [String: JSONValue] = [
            "schemaVersion": .number(JSONNumber(Self.schemaVersion)), "artifact": .string(artifact.description),
            "pinnedAt": .string(pinnedAt), "actor": .string(actor),
        ]
        if let reason { fields["reason"] = .string(reason) }
        return .object(fields)
    }

    /// The file contents: canonical JSON and a newline.
    public func fileBytes() -> [UInt8] {
        CanonicalJSON.encode(jsonValue) + [0x0A]
    }

    /// Parses a record from a pin file or an event payload.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming `source` and the field.
    public init(json: JSONValue, source: String) throws {
        let reader = try JSONObjectReader(json, source: source)
        try reader.rejectUnknownKeys(allowed: ["schemaVersion", "artifact", "pinnedAt", "actor", "reason"])
        guard try reader.integer("schemaVersion") == Int64(Self.schemaVersion) else {
            throw reader.makeError(at: "schemaVersion", "unsupported pin schema version")
        }
        artifact = try reader.artifactID("artifact")
        pinnedAt = try reader.string("pinnedAt")
        guard Timestamp.parse(pinnedAt) != nil else {
            throw reader.makeError(at: "pinnedAt", "'\(NameRules.printable(pinnedAt))' is not an RFC 3339 time")
        }
        actor = try reader.string("actor")
        reason = try reader.optionalString("reason")
    }

    /// Parses a pin file's bytes.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming `source` and the field.
    public init(fileBytes bytes: [UInt8], source: String) throws {
        try self.init(json: CanonicalJSON.parse(bytes, source: source), source: source)
    }
}
