import RegistryCore

/// What an alias points at, and who moved it there, when and why.
///
/// Stored as `aliases/<alias>.json` in canonical JSON followed by a newline. The record is self-describing:
/// it carries everything the audit event for the change carries, so after a crash between replacing the file
/// and appending the event, recovery can write the missing event from the file alone.
public struct AliasRecord: Hashable, Sendable {
    /// The schema version of alias files.
    public static let schemaVersion = 1

    /// The alias name (see ``AliasName``).
    public var alias: String
    /// The artifact the alias points at.
    public var artifact: ArtifactID
    /// The artifact it pointed at before this change, if any.
    public var previousArtifact: ArtifactID?
    /// When the change was made, RFC 3339 UTC (`2026-11-23T13:37:00.123Z`).
    public var changedAt: String
    /// The approval that allowed the change, if the policy asked for one.
    public var approval: String?
    /// Who made the change.
    public var actor: String
    /// Why, in the actor's words.
    public var reason: String?

    /// Creates a record.
    public init(
        alias: String, artifact: ArtifactID, previousArtifact: ArtifactID?, changedAt: String,
        approval: String? = nil, actor: String, reason: String? = nil
    ) {
        self.alias = alias
        self.artifact = artifact
        self.previousArtifact = previousArtifact
        self.changedAt = changedAt
        self.approval = approval
        self.actor = actor
        self.reason = reason
    }

    /// The record as JSON; optional fields that are not set are omitted (never `null`).
    public var jsonValue: JSONValue {
        var fields: [String: JSONValue] = [
            "schemaVersion": .number(JSONNumber(Self.schemaVersion)),
            "alias": .string(alias),
            "artifact": .string(artifact.description),
            "changedAt": .string(changedAt),
            "actor": .string(actor),
        ]
        if let previousArtifact { fields["previousArtifact"] = .string(previousArtifact.description) }
        if let approval { fields["approval"] = .string(approval) }
        if let reason { fields["reason"] = .string(reason) }
        return .object(fields)
    }

    /// The file contents: canonical JSON and a newline.
    public func fileBytes() -> [UInt8] {
        CanonicalJSON.encode(jsonValue) + [0x0A]
    }

    /// Reads a record from JSON (an alias file or an audit event's payload).
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming `source` and the field.
    public init(json value: JSONValue, source: String) throws {
        let reader = try JSONObjectReader(value, source: source)
        try reader.rejectUnknownKeys(allowed: [
            "schemaVersion", "alias", "artifact", "previousArtifact", "changedAt", "approval", "actor", "reason",
        ])
        let schema = try reader.integer("schemaVersion")
        guard schema == Int64(Self.schemaVersion) else {
            throw RegistryError(
                .unsupportedFormatVersion, "\(source): alias schemaVersion \(schema) is not supported", path: source)
        }
        alias = try reader.string("alias")
        try AliasName.check(alias)
        artifact = try ArtifactID(parsing: try reader.string("artifact"), context: "\(source): field 'artifact'")
        previousArtifact = try reader.optionalString("previousArtifact").map {
            try ArtifactID(parsing: $0, context: "\(source): field 'previousArtifact'")
        }
        changedAt = try reader.string("changedAt")
        guard Timestamp.parse(changedAt) != nil else {
            throw RegistryError(
                .invalidDocument, "\(source): field 'changedAt' is '\(changedAt)', not an RFC 3339 time", path: source)
        }
        approval = try reader.optionalString("approval")
        actor = try reader.string("actor")
        reason = try reader.optionalString("reason")
    }

    /// Parses an alias file's bytes.
    public init(fileBytes bytes: [UInt8], source: String) throws {
        try self.init(json: CanonicalJSON.parse(bytes, source: source), source: source)
    }
}
