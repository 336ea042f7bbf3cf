import RegistryCore

/// The payload of `artifact_collected`: an artifact directory was removed from `artifacts/` (FORMAT.md §9.3.11),
/// by `rm` (``Reason/removed``) or by the garbage collector (``Reason/collected``).
///
/// The event is written *before* the directory is taken away, so the log is the authority: an artifact whose last
/// registration or collection event is a collection is gone, even when a crash left its directory behind (recovery
/// finishes removing it). A later `artifact_registered` of the same id publishes the same content again.
public struct ArtifactCollected: AuditPayload {
    public static let eventTypes = ["artifact_collected"]

    /// Why an artifact was removed.
    public struct Reason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The name as written in the log.
        public let rawValue: String
        /// Creates a reason from its name (any string is accepted when read; this version writes two).
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Removed explicitly (`modelreg rm`, ``FileArtifactStore``'s caller named it).
        public static let removed = Reason(rawValue: "removed")
        /// Removed by garbage collection: nothing kept it.
        public static let collected = Reason(rawValue: "collected")
        /// The name as written in the log.
        public var description: String { rawValue }
    }

    /// The artifact removed.
    public var artifact: ArtifactID
    /// Its manifest's name.
    public var name: String
    /// `removed` or `collected`.
    public var reason: Reason
    /// Whether the removal overrode what still held the artifact (``holds``).
    public var forced: Bool
    /// What still held the artifact when a forced removal overrode it (`alias:production`, `pin` …); empty
    /// otherwise.
    public var holds: [String]
    /// The bytes the removal frees: files no other artifact (or user file) shares.
    public var bytesFreed: Int64
    /// Written by recovery for a removal whose own event a crash prevented (never, in this version).
    public var recovered: Bool

    /// Creates a payload.
    public init(
        artifact: ArtifactID, name: String, reason: Reason, forced: Bool, holds: [String] = [], bytesFreed: Int64,
        recovered: Bool = false
    ) {
        self.artifact = artifact
        self.name = name
        self.reason = reason
        self.forced = forced
        self.holds = holds
        self.bytesFreed = bytesFreed
        self.recovered = recovered
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "artifact": .string(artifact.description), "name": .string(name), "reason": .string(reason.rawValue),
            "forced": .bool(forced), "bytesFreed": .number(JSONNumber(bytesFreed)),
        ]
        if !holds.isEmpty { members["holds"] = .array(holds.map { .string($0) }) }
        Self.markRecovered(&members, recovered)
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        let bytes = try payload.integer("bytesFreed")
        guard bytes >= 0 else { throw payload.makeError(at: "bytesFreed", "must not be negative") }
        self.init(
            artifact: try payload.artifactID("artifact"), name: try payload.string("name"),
            reason: Reason(rawValue: try payload.string("reason")), forced: try payload.bool("forced"),
            holds: try payload.optionalStringArray("holds") ?? [], bytesFreed: bytes,
            recovered: try Self.isRecovered(payload))
    }
}
