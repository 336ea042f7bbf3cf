import Foundation
import RegistryCore

/// One entry of the registry's audit log: who did what, when, and the hash that chains it to the entry before.
///
/// On disk an event is one line of `audit/YYYY-MM-DD.jsonl`: the RFC 8785 canonical JSON of an object with
/// exactly the members `actor`, `payload`, `previousHash`, `sequence`, `time` and `type`, followed by `\n`.
///
/// ```
/// {"actor":"alice","payload":{"alias":"champion","artifact":"sha256-…"},"previousHash":"sha256:…","sequence":2,"time":"2026-11-23T13:37:00.123Z","type":"alias_promoted"}
/// ```
///
/// - ``sequence`` numbers events 1, 2, 3 … across all files, without gaps. Sequence numbers, not times, order
///   the log.
/// - ``previousHash`` is the SHA-256 of the previous event's line *without* its newline (``hash``), or
///   ``genesisHash`` for event 1. Changing any byte of any line therefore breaks the link from the next line.
///
/// Events are read back with ``AuditJournal/events(_:)`` and written with ``AuditJournal/append(_:actor:payload:)``.
/// `AuditEvent` is a `Sendable` value.
public struct AuditEvent: Hashable, Sendable {
    /// The position of the event in the log: 1 for the first event, then one more for each event.
    public let sequence: Int64
    /// When the event was written, as RFC 3339 in UTC with milliseconds (`2026-11-23T13:37:00.123Z`).
    ///
    /// The time comes from the writer's clock and may go backwards between events; ``sequence`` is the order.
    public let time: String
    /// Who caused the event (a user, a CI job, a service account), as the caller named it.
    public let actor: String
    /// What happened. An open set: events of types this version does not know are read and shown unchanged.
    public let type: Kind
    /// The event's details; always a JSON object. Its members depend on ``type``.
    public let payload: JSONValue
    /// The ``hash`` of the previous event's line, or ``genesisHash`` for the first event.
    public let previousHash: Digest

    /// The ``previousHash`` of event 1: `sha256:` followed by 64 zeros.
    public static let genesisHash = Digest(algorithm: "sha256", bytes: [UInt8](repeating: 0, count: 32))

    /// The members every event line has, and the only ones it may have.
    static let memberNames: Set<String> = ["actor", "payload", "previousHash", "sequence", "time", "type"]

    /// Creates an event value. Appending through ``AuditJournal`` fills in the sequence, time and previous hash;
    /// this initializer is for tools and tests that build lines themselves.
    ///
    /// - Parameters:
    ///   - sequence: the event's position, 1 or more.
    ///   - time: an RFC 3339 time, normally UTC with milliseconds.
    ///   - actor: who caused the event.
    ///   - type: what happened.
    ///   - payload: the event's details.
    ///   - previousHash: the hash of the previous event's line, or ``genesisHash``.
    public init(
        sequence: Int64, time: String, actor: String, type: Kind, payload: [String: JSONValue], previousHash: Digest
    ) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.type = type
        self.payload = .object(payload)
        self.previousHash = previousHash
    }

    // MARK: Convenience

    /// The payload's `alias` member, when it is a string.
    public var alias: String? {
        payload.objectValue?["alias"]?.stringValue
    }

    /// The artifact ids the event mentions, in the order `artifact`, `previousArtifact`, `target`, without
    /// duplicates.
    ///
    /// Only those three payload members are consulted, and only string values that are artifact ids
    /// (`sha256-` followed by 64 lowercase hex digits) count.
    public var artifactIDs: [String] {
        guard let members = payload.objectValue else { return [] }
        var result: [String] = []
        for key in ["artifact", "previousArtifact", "target"] {
            guard let text = members[key]?.stringValue, ArtifactID(text) != nil, !result.contains(text) else {
                continue
            }
            result.append(text)
        }
        return result
    }

    /// ``time`` as a `Date`, or nil when it is not a valid RFC 3339 time (which ``AuditJournal/verify()``
    /// reports).
    public var date: Date? {
        Timestamp.parse(time)
    }

    // MARK: Encoding

    /// The event as a JSON object with its six members.
    public var jsonValue: JSONValue {
        .object([
            "actor": .string(actor),
            "payload": payload,
            "previousHash": .string(previousHash.description),
            "sequence": .number(JSONNumber(sequence)),
            "time": .string(time),
            "type": .string(type.rawValue),
        ])
    }

    /// The event's line as stored in the log, without the trailing newline: the RFC 8785 canonical JSON of
    /// ``jsonValue``.
    ///
    /// Lines are accepted only in canonical form, so this is byte for byte the line an event was read from.
    public var encodedLine: [UInt8] {
        CanonicalJSON.encode(jsonValue)
    }

    /// The event's own hash: SHA-256 of ``encodedLine`` (the line without its newline). The next event records
    /// it as its ``previousHash``.
    ///
    /// - Complexity: O(*n*) in the length of the line; it is computed on each access.
    public var hash: Digest {
        SHA256Algorithm().hash(encodedLine)
    }

    /// Parses one line (without its newline) strictly: it must be canonical JSON with exactly the six members,
    /// a positive integer `sequence`, string `time`, `actor` and `type` (the type not empty), an object
    /// `payload` and a `sha256:` digest as `previousHash`.
    ///
    /// The time is not checked here; ``AuditJournal/verify()`` reports invalid times.
    ///
    /// - Parameters:
    ///   - line: the line's bytes, without the newline.
    ///   - source: where the line is, for messages: `audit/2026-11-23.jsonl:12`.
    /// - Throws: ``RegistryError/Code/invalidJSON`` when the bytes are not canonical JSON (the message reads
    ///   `<source>:<column>: …`); ``RegistryError/Code/invalidDocument`` for a missing, extra or wrongly typed
    ///   member.
    public init(parsingLine line: some Collection<UInt8>, source: String) throws {
        try self.init(parsingLine: line, source: source, requireCanonical: true)
    }

    /// Parses a line like ``init(parsingLine:source:)``; without `requireCanonical` the line's bytes need not be
    /// in canonical form (half the cost), for a reader that only looks at fields — the garbage collector's replay
    /// of a long log. `audit verify` and fsck still refuse a non-canonical line.
    package init(parsingLine line: some Collection<UInt8>, source: String, requireCanonical: Bool) throws {
        let value: JSONValue
        do {
            value =
                requireCanonical
                ? try CanonicalJSON.parseCanonical(line, source: source) : try CanonicalJSON.parse(line, source: source)
        } catch let error as RegistryError {
            // The parser writes `<source>:1:<column>:`; a line has only one line, so say `<source>:<column>:`.
            var adjusted = error
            let prefix = source + ":1:"
            if adjusted.message.hasPrefix(prefix) {
                adjusted.message = source + ":" + adjusted.message.dropFirst(prefix.count)
            }
            throw adjusted
        }
        let reader = try JSONObjectReader(value, source: source)
        try reader.rejectUnknownKeys(allowed: Self.memberNames)
        let sequence = try reader.integer("sequence", in: 1...JSONObjectReader.maximumSafeInteger)
        let time = try reader.string("time")
        let actor = try reader.string("actor")
        let type = try reader.string("type")
        guard !type.isEmpty else { throw reader.makeError(at: "type", "the event type is empty") }
        let payload = try reader.object("payload")
        let hashText = try reader.string("previousHash")
        guard let previousHash = Digest(parsing: hashText), previousHash.algorithm == "sha256",
            previousHash.bytes.count == 32
        else {
            throw reader.makeError(
                at: "previousHash", "'\(hashText)' is not a digest of the form sha256:<64 lowercase hex digits>")
        }
        self.init(
            sequence: sequence, time: time, actor: actor, type: Kind(rawValue: type), payload: payload.members,
            previousHash: previousHash)
    }
}

extension AuditEvent: CustomStringConvertible {
    /// A one-line summary for logs and the CLI: `#12 2026-11-23T13:37:00.123Z alice alias_promoted {…}`.
    public var description: String {
        "#\(sequence) \(time) \(actor) \(type.rawValue) \(payload)"
    }
}
