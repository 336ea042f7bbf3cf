import RegistryCore

/// The promotion policy file, `policy.json` at the registry root.
///
/// This type owns the file only; the umbrella `Registry` takes the writer lock and records `policy_changed`.
public struct FilePolicyStore: Sendable {
    /// The registry.
    public let layout: RegistryLayout

    /// Creates a store.
    public init(layout: RegistryLayout) { self.layout = layout }

    /// `<registry>/policy.json`.
    public var path: String { layout.policyPath }

    /// The file's bytes, or nil when there is none. Lock-free.
    public func bytes() throws -> [UInt8]? {
        do {
            return try FileSystem.readDocument(path, limit: 1 << 20)
        } catch RegistryError.Code.notFound {
            return nil
        }
    }

    /// The policy in force: the file, or an empty policy (no requirements) when there is none.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming the file when it does not parse — and while it does
    ///   not parse, nothing can be promoted.
    public func policy() throws -> PromotionPolicy {
        guard let bytes = try bytes() else { return PromotionPolicy() }
        return try PromotionPolicy(parsing: bytes, source: path)
    }

    /// Replaces the file, or removes it when `bytes` is nil. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync; or unlink and directory fsync.
    public func write(_ bytes: [UInt8]?) throws {
        if let bytes {
            try FileSystem.atomicReplace(path, contents: bytes, mode: 0o644)
        } else if try FileSystem.exists(path) {
            try FileSystem.removeFile(path)
            try FileSystem.syncDirectory(layout.rootPath)
        }
    }
}

/// The payload of `policy_changed`: `policy.json` was replaced.
public struct PolicyChanged: AuditPayload {
    public static let eventTypes = ["policy_changed"]

    /// The SHA-256 of the new file's bytes.
    public var digest: Digest
    /// How many rules it has.
    public var rules: Int64
    /// The policy document itself (the file is its canonical JSON and a newline), so the file can be re-derived
    /// from the log. Always written by this version; nil only in events written before it was recorded.
    public var policy: JSONValue?
    /// Written by recovery for a change whose own event a crash prevented (earlier versions).
    public var recovered: Bool

    /// Creates a payload.
    public init(digest: Digest, rules: Int64, policy: JSONValue? = nil, recovered: Bool = false) {
        self.digest = digest
        self.rules = rules
        self.policy = policy
        self.recovered = recovered
    }

    /// The payload that records a policy file's bytes.
    public init(bytes: [UInt8], policy: PromotionPolicy, recovered: Bool = false) {
        self.init(
            digest: SHA256Algorithm().hash(bytes), rules: Int64(policy.rules.count),
            policy: try? CanonicalJSON.parse(bytes, source: "policy.json"), recovered: recovered)
    }

    /// The file's bytes this event records, when the event carries the document and it hashes to ``digest``.
    public var fileBytes: [UInt8]? {
        guard let policy else { return nil }
        let bytes = CanonicalJSON.encode(policy) + [0x0A]
        return SHA256Algorithm().hash(bytes) == digest ? bytes : nil
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "digest": .string(digest.description), "rules": .number(JSONNumber(rules)),
        ]
        if let policy { members["policy"] = policy }
        Self.markRecovered(&members, recovered)
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        self.init(
            digest: try payload.sha256Digest("digest"), rules: try payload.integer("rules"),
            policy: try payload.optionalObject("policy").map { .object($0.members) },
            recovered: try Self.isRecovered(payload))
    }
}
