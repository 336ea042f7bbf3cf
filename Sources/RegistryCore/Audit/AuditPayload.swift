/// The typed payload of one kind of audit event: the only place that kind's field names are spelled.
///
/// Each store declares the payloads of the events it writes (`ArtifactRegistered`, `AliasMoved`, `StateChanged`
/// …). The writer appends one (`AuditJournal.append(_:actor:)`), and recovery, the index builder, the CLI and the
/// tests read it back with `AuditEvent.decode(_:)`, so the log, the code and FORMAT.md §9.3 cannot drift apart.
///
/// A conforming type must:
/// - list in ``eventTypes`` every event type it is written under (most have exactly one);
/// - encode to ``payloadMembers`` with optional fields omitted (never `null`);
/// - decode what it encodes (`init(eventType:payload:)` of ``payloadMembers`` gives an equal value), and accept
///   payload members it does not know, which a newer version of the library may add.
public protocol AuditPayload: Hashable, Sendable {
    /// The event types this payload is written under, e.g. `["alias_promoted", "alias_rolled_back"]`.
    static var eventTypes: [String] { get }
    /// The type of this particular event; one of ``eventTypes``.
    var eventType: String { get }
    /// The payload object's members.
    var payloadMembers: [String: JSONValue] { get }
    /// Decodes the payload of an event of type `eventType`.
    ///
    /// - Throws: `.invalidDocument` naming the payload's source and field when a field is missing or malformed.
    init(eventType: String, payload: JSONObjectReader) throws
}

extension AuditPayload {
    /// The first of ``eventTypes``: the type of every event of a payload written under one type.
    public var eventType: String { Self.eventTypes[0] }

    /// Appends `"recovered": true` when `recovered` is set: the mark of an event written by recovery for a change
    /// whose own event a crash prevented.
    package static func markRecovered(_ members: inout [String: JSONValue], _ recovered: Bool) {
        if recovered { members["recovered"] = .bool(true) }
    }

    /// Reads the `recovered` mark.
    package static func isRecovered(_ payload: JSONObjectReader) throws -> Bool {
        try payload.optionalBool("recovered") ?? false
    }
}

extension JSONObjectReader {
    /// A member that must be an artifact id; `.invalidDocument` naming the field otherwise.
    package func artifactID(_ key: String) throws -> ArtifactID {
        let text = try string(key)
        guard let id = ArtifactID(text) else {
            throw makeError(at: key, "'\(NameRules.printable(text))' is not an artifact id (sha256-<64 hex digits>)")
        }
        return id
    }

    /// A member that must be a SHA-256 digest, `sha256:<64 lowercase hex digits>`.
    package func sha256Digest(_ key: String) throws -> Digest {
        let text = try string(key)
        guard let digest = Digest(parsing: text), digest.algorithm == "sha256", digest.bytes.count == 32 else {
            throw makeError(
                at: key, "'\(NameRules.printable(text))' is not a digest of the form sha256:<64 hex digits>")
        }
        return digest
    }
}
