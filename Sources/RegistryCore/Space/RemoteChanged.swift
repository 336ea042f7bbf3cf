/// The payload of `remote_changed`: a remote was added or removed (FORMAT.md §9.3.14, §14.4).
public struct RemoteChanged: AuditPayload {
    public static let eventTypes = ["remote_changed"]

    /// What happened to the remote.
    public enum Action: String, Hashable, Sendable {
        /// The remote was configured; the event carries its record.
        case added
        /// The remote was removed.
        case removed
    }

    /// The remote's name.
    public var name: String
    /// Added or removed.
    public var action: Action
    /// The file's content after the change: the record for `added`, nil for `removed`.
    public var record: RemoteRecord?

    /// The payload of adding `record`.
    public init(adding record: RemoteRecord) {
        name = record.name
        action = .added
        self.record = record
    }

    /// The payload of removing the remote `name`.
    public init(removing name: String) {
        self.name = name
        action = .removed
        record = nil
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = ["name": .string(name), "action": .string(action.rawValue)]
        if let record { members["record"] = record.jsonValue }
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        let name = try payload.string("name")
        let actionName = try payload.string("action")
        guard let action = Action(rawValue: actionName) else {
            throw payload.makeError(at: "action", "'\(NameRules.printable(actionName))' is not 'added' or 'removed'")
        }
        switch action {
        case .added:
            let record = try RemoteRecord(
                json: .object(payload.object("record").members), source: payload.source + ": field 'record'")
            guard record.name == name else { throw payload.makeError(at: "name", "disagrees with 'record'") }
            self.init(adding: record)
        case .removed:
            guard !payload.contains("record") else {
                throw payload.makeError(at: "record", "a removal carries no record")
            }
            do {
                try RemoteName.check(name)
            } catch let error as RegistryError {
                throw payload.makeError(at: "name", error.message)
            }
            self.init(removing: name)
        }
    }
}
