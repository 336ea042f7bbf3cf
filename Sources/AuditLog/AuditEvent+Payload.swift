import RegistryCore

extension AuditEvent {
    /// Decodes the payload as `type` when the event is of one of its types; nil for events of other types.
    ///
    /// ```swift
    /// if let change = try event.decode(StateChanged.self) { print(change.artifact, change.state) }
    /// ```
    /// - Throws: `.invalidDocument` naming the event (`audit event #12: payload: …`) and the field when the event
    ///   has the type but its payload is malformed.
    public func decode<Payload: AuditPayload>(_ type: Payload.Type) throws -> Payload? {
        guard Payload.eventTypes.contains(self.type.rawValue) else { return nil }
        let reader = try JSONObjectReader(payload, source: "audit event #\(sequence) (\(self.type))", path: "payload")
        return try Payload(eventType: self.type.rawValue, payload: reader)
    }
}

extension AuditJournal {
    /// Appends one event with a typed payload. See ``append(_:actor:payload:)`` for what is checked and synced.
    ///
    /// - Durability: the line is written with one `write` to the day file opened `O_APPEND` and fsynced before
    ///   this returns.
    @discardableResult
    public func append(_ payload: some AuditPayload, actor: String) throws -> AuditEvent {
        try append(AuditEvent.Kind(rawValue: payload.eventType), actor: actor, payload: payload.payloadMembers)
    }
}
