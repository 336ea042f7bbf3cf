/// The payload of `state_changed`: an artifact moved to another lifecycle state (FORMAT.md §9.3, §12.4).
public struct StateChanged: AuditPayload {
    public static let eventTypes = ["state_changed"]

    /// The state file's content after the change.
    public var record: StateRecord
    /// The state the artifact left, as the log last recorded it. Always written by this version; nil only in
    /// events written by earlier versions' recovery.
    public var previousState: LifecycleState?
    /// Written by recovery for a change whose own event a crash prevented.
    public var recovered: Bool

    /// The artifact (`record.artifact`).
    public var artifact: ArtifactID { record.artifact }
    /// The new state (`record.state`).
    public var state: LifecycleState { record.state }

    /// Creates a payload.
    public init(record: StateRecord, previousState: LifecycleState?, recovered: Bool = false) {
        self.record = record
        self.previousState = previousState
        self.recovered = recovered
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "artifact": .string(record.artifact.description), "state": .string(record.state.rawValue),
            "record": record.jsonValue,
        ]
        if let previousState { members["previousState"] = .string(previousState.rawValue) }
        if let reason = record.reason { members["reason"] = .string(reason) }
        Self.markRecovered(&members, recovered)
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        let record = try StateRecord(
            json: .object(payload.object("record").members), source: payload.source + ": field 'record'")
        let artifact = try payload.string("artifact")
        let state = try payload.string("state")
        guard artifact == record.artifact.description, state == record.state.rawValue else {
            throw payload.makeError(at: nil, "'artifact' and 'state' disagree with 'record'")
        }
        let previous = try payload.optionalString("previousState")
        if let previous, LifecycleState(rawValue: previous) == nil {
            throw payload.makeError(at: "previousState", "'\(previous)' is not a lifecycle state")
        }
        self.init(
            record: record, previousState: previous.flatMap(LifecycleState.init(rawValue:)),
            recovered: try Self.isRecovered(payload))
    }
}
