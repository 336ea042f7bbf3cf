/// The current lifecycle state of one artifact, as stored in `states/<artifact-id>.json`.
///
/// Self-describing, like alias records: it carries everything its `state_changed` event carries, so recovery can
/// write the event a crash prevented from the file alone.
public struct StateRecord: Hashable, Sendable {
    /// The schema version of state files.
    public static let schemaVersion = 1

    /// The artifact.
    public var artifact: ArtifactID
    /// Its state (never `registered`: that state has no file).
    public var state: LifecycleState
    /// When, RFC 3339 UTC with milliseconds.
    public var changedAt: String
    /// Who changed it.
    public var actor: String
    /// Why, in the actor's words.
    public var reason: String?

    /// Creates a record.
    public init(
        artifact: ArtifactID, state: LifecycleState, changedAt: String, actor: String, reason: String?
    ) {
        self.artifact = artifact
        self.state = state
        self.changedAt = changedAt
        self.actor = actor
        self.reason = reason
    }

    /// The record as JSON; `reason` is omitted when not set.
    public var jsonValue: JSONValue {
        var fields: [String: JSONValue] = [
            "schemaVersion": .number(JSONNumber(Self.schemaVersion)), "artifact": .string(artifact.description),
            "state": .string(state.rawValue), "changedAt": .string(changedAt), "actor": .string(actor),
        ]
        if let reason { fields["reason"] = .string(reason) }
        return .object(fields)
    }

    /// The file contents: canonical JSON and a newline.
    public func fileBytes() -> [UInt8] {
        CanonicalJSON.encode(jsonValue) + [0x0A]
    }

    /// Parses a record from a state file or an event payload.
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming `source` and the field, including an unknown state.
    public init(json: JSONValue, source: String) throws {
        let reader = try JSONObjectReader(json, source: source)
        try reader.rejectUnknownKeys(allowed: [
            "schemaVersion", "artifact", "state", "changedAt", "actor", "reason",
        ])
        guard try reader.integer("schemaVersion") == Int64(Self.schemaVersion) else {
            throw reader.makeError(at: "schemaVersion", "unsupported state schema version")
        }
        artifact = try ArtifactID(parsing: try reader.string("artifact"), context: "\(source): field 'artifact'")
        state = try Self.state(reader, "state")
        changedAt = try reader.string("changedAt")
        guard Timestamp.parse(changedAt) != nil else {
            throw reader.makeError(at: "changedAt", "'\(changedAt)' is not an RFC 3339 time")
        }
        actor = try reader.string("actor")
        reason = try reader.optionalString("reason")
    }

    private static func state(_ reader: JSONObjectReader, _ key: String) throws -> LifecycleState {
        let text = try reader.string(key)
        guard let state = LifecycleState(rawValue: text) else {
            throw reader.makeError(
                at: key, "'\(NameRules.printable(text))' is not a lifecycle state (\(LifecycleState.names))")
        }
        return state
    }

    /// Parses a state file's bytes.
    public init(fileBytes bytes: [UInt8], source: String) throws {
        try self.init(json: CanonicalJSON.parse(bytes, source: source), source: source)
    }
}
