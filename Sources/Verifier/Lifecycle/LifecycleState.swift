import RegistryCore

/// Where an artifact is in its life. Every change is an audit event (`state_changed`) and the current state is
/// kept in `states/<artifact-id>.json` so that hot paths (resolving an alias) can check it with one `stat`.
public struct LifecycleState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Just registered (the state of every artifact without a state file).
    public static let registered = LifecycleState(rawValue: "registered")
    /// Passed verification.
    public static let validated = LifecycleState(rawValue: "validated")
    /// Proposed for production.
    public static let candidate = LifecycleState(rawValue: "candidate")
    /// Serving.
    public static let production = LifecycleState(rawValue: "production")
    /// Still usable, not to be chosen for new work.
    public static let deprecated = LifecycleState(rawValue: "deprecated")
    /// Must not be promoted or served (resolving an alias that points at it fails unless the caller opts in).
    public static let revoked = LifecycleState(rawValue: "revoked")

    /// Every state, in lifecycle order.
    public static let all: [LifecycleState] = [.registered, .validated, .candidate, .production, .deprecated, .revoked]

    /// Parses a state name, throwing `.invalidArgument` for an unknown one.
    public init(parsing text: String) throws {
        guard let state = Self.all.first(where: { $0.rawValue == text }) else {
            throw RegistryError(
                .invalidArgument, "'\(text)' is not a lifecycle state (\(Self.all.map(\.rawValue).joined(separator: ", ")))")
        }
        self = state
    }
}

/// The current state of one artifact, as stored in `states/<artifact-id>.json`. Self-describing, like alias
/// records: recovery can write the `state_changed` event a crash prevented from the file alone.
public struct StateRecord: Hashable, Sendable {
    public var artifact: ArtifactID
    public var state: LifecycleState
    public var changedAt: String
    public var actor: String
    public var reason: String?

    public init(artifact: ArtifactID, state: LifecycleState, changedAt: String, actor: String, reason: String?) {
        self.artifact = artifact
        self.state = state
        self.changedAt = changedAt
        self.actor = actor
        self.reason = reason
    }

    /// The record as JSON; `reason` is omitted when not set.
    public var jsonValue: JSONValue {
        var fields: [String: JSONValue] = [
            "schemaVersion": 1, "artifact": .string(artifact.description), "state": .string(state.rawValue),
            "changedAt": .string(changedAt), "actor": .string(actor),
        ]
        if let reason { fields["reason"] = .string(reason) }
        return .object(fields)
    }

    /// Parses a record from a state file or an event payload.
    public init(json: JSONValue, source: String) throws {
        let reader = try JSONObjectReader(json, source: source)
        try reader.rejectUnknownKeys(allowed: ["schemaVersion", "artifact", "state", "changedAt", "actor", "reason"])
        guard try reader.integer("schemaVersion") == 1 else { throw reader.makeError(at: "schemaVersion", "unsupported") }
        artifact = try ArtifactID(parsing: try reader.string("artifact"), context: "\(source): field 'artifact'")
        state = try LifecycleState(parsing: try reader.string("state"))
        changedAt = try reader.string("changedAt")
        actor = try reader.string("actor")
        reason = try reader.optionalString("reason")
    }
}

/// The `states/` directory: one file per artifact whose state is not `registered`.
public struct FileStateStore: Sendable {
    /// The registry.
    public let layout: RegistryLayout

    /// Creates a store.
    public init(layout: RegistryLayout) { self.layout = layout }

    /// `<registry>/states`.
    public var directory: String { layout.rootPath + "/states" }

    /// The state file of an artifact.
    public func path(of id: ArtifactID) -> String { directory + "/" + id.description + ".json" }

    /// The current record, or nil when the artifact is simply `registered`. Lock-free.
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming a damaged file.
    public func record(_ id: ArtifactID) throws -> StateRecord? {
        let file = path(of: id)
        // Most artifacts never leave `registered`: one stat answers that without opening anything.
        guard try FileSystem.status(file) != nil else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(file, limit: 1 << 16)
        } catch RegistryError.Code.notFound {
            return nil
        }
        return try StateRecord(json: CanonicalJSON.parse(bytes, source: file), source: file)
    }

    /// The current state (`registered` when no file exists).
    public func state(of id: ArtifactID) throws -> LifecycleState {
        try record(id)?.state ?? .registered
    }

    /// Writes a record atomically. The caller holds the writer lock.
    /// - Durability: temp file, fsync, rename, directory fsync.
    public func write(_ record: StateRecord) throws {
        try FileSystem.makeDirectory(directory)
        try FileSystem.atomicReplace(path(of: record.artifact), contents: CanonicalJSON.encode(record.jsonValue) + [0x0A], mode: 0o444)
    }
}
