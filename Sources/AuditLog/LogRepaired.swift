import RegistryCore

/// The payload of `log_repaired`: recovery cut a torn final line off the log (FORMAT.md §9.2).
public struct LogRepaired: AuditPayload {
    public static let eventTypes = ["log_repaired"]

    /// The day file that was cut, by name (`2026-11-23.jsonl`).
    public var file: String
    /// Where the cut starts, in bytes from the start of the file.
    public var offset: Int64
    /// How many bytes were removed.
    public var removedByteCount: Int64
    /// The SHA-256 of the removed bytes.
    public var removedDigest: Digest
    /// `incomplete_line` (no final newline) or `unparseable_line` (a final line that is not an event).
    public var reason: String

    /// Creates a payload.
    public init(file: String, offset: Int64, removedByteCount: Int64, removedDigest: Digest, reason: String) {
        self.file = file
        self.offset = offset
        self.removedByteCount = removedByteCount
        self.removedDigest = removedDigest
        self.reason = reason
    }

    public var payloadMembers: [String: JSONValue] {
        [
            "file": .string(file), "offset": .number(JSONNumber(offset)),
            "removedByteCount": .number(JSONNumber(removedByteCount)),
            "removedDigest": .string(removedDigest.description), "reason": .string(reason),
        ]
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        let digest = try payload.sha256Digest("removedDigest")
        self.init(
            file: try payload.string("file"), offset: try payload.integer("offset"),
            removedByteCount: try payload.integer("removedByteCount"), removedDigest: digest,
            reason: try payload.string("reason"))
    }
}
