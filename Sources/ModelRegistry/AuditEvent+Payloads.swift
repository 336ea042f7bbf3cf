extension AuditEvent {
    /// The payload type of every event type this version writes, one per type (FORMAT.md §9.3).
    public static let payloadTypes: [any AuditPayload.Type] = [
        ArtifactRegistered.self, AliasMoved.self, AliasRetired.self, AliasRestored.self, StateChanged.self,
        SignatureAdded.self, PolicyChanged.self, LogRepaired.self, EvaluationAdded.self,
        ArtifactResidencyChanged.self, RemoteChanged.self,
        ArtifactCollected.self, ArtifactPinChanged.self,
    ]

    /// The event's typed payload, whatever its type: nil for a type this version does not define (such events
    /// are kept and shown, never dropped).
    ///
    /// ```swift
    /// switch try event.decodePayload() {
    /// case let moved as AliasMoved: print(moved.record.alias, "->", moved.record.artifact)
    /// case let change as StateChanged: print(change.artifact, change.state)
    /// default: break
    /// }
    /// ```
    /// - Throws: `.invalidDocument` naming the event and field when the payload is not the documented one.
    public func decodePayload() throws -> (any AuditPayload)? {
        for payloadType in Self.payloadTypes {
            if let payload = try decode(payloadType) { return payload }
        }
        return nil
    }
}
