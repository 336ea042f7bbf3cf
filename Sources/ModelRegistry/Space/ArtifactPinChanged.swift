import RegistryCore

/// The payload of `artifact_pinned` and `artifact_unpinned` (FORMAT.md §9.3.12): an artifact was pinned (the
/// event carries the whole ``PinRecord``, so `pins/<artifact-id>.json` can be re-derived from the log) or its pin
/// was removed.
public struct ArtifactPinChanged: AuditPayload {
    public static let eventTypes = ["artifact_pinned", "artifact_unpinned"]

    /// The artifact.
    public var artifact: ArtifactID
    /// The pin file's content after a pin; nil for an unpin.
    public var record: PinRecord?
    /// Why, in the actor's words (for a pin, the record's reason).
    public var reason: String?

    /// Whether this pins (`artifact_pinned`) rather than unpins.
    public var isPin: Bool { record != nil }

    /// A pin.
    public init(pinning record: PinRecord) {
        self.artifact = record.artifact
        self.record = record
        self.reason = record.reason
    }

    /// An unpin.
    public init(unpinning artifact: ArtifactID, reason: String?) {
        self.artifact = artifact
        self.record = nil
        self.reason = reason
    }

    public var eventType: String { isPin ? Self.eventTypes[0] : Self.eventTypes[1] }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = ["artifact": .string(artifact.description)]
        if let record { members["record"] = record.jsonValue }
        if let reason { members["reason"] = .string(reason) }
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        let artifact = try payload.artifactID("artifact")
        let reason = try payload.optionalString("reason")
        if eventType == Self.eventTypes[0] {
            let record = try PinRecord(
                json: .object(payload.object("record").members), source: payload.source + ": field 'record'")
            guard record.artifact == artifact else {
                throw payload.makeError(at: "record", "names \(record.artifact), not \(artifact)")
            }
            self.init(pinning: record)
        } else {
            self.init(unpinning: artifact, reason: reason)
        }
    }
}
