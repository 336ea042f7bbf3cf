/// An artifact whose bundle bytes were evicted, as stored in `evicted/<artifact-id>.json` (FORMAT.md §14.4):
/// its manifest, signatures and history stay in the registry; its files are fetched back from the remote named
/// here.
///
/// Self-describing: it carries everything its `artifact_evicted` event carries, so the file is a view the log
/// re-derives.
public struct EvictionRecord: Hashable, Sendable {
    /// The schema version of eviction records.
    public static let schemaVersion = 1

    /// The artifact.
    public var artifact: ArtifactID
    /// The remote that held the artifact when it was evicted, by name; nil when eviction was forced with no
    /// remote configured.
    public var remote: String?
    /// The remote's kind and URL at the time, so a fetch still knows where to go after the remote was removed.
    public var remoteKind: RemoteRecord.Kind?
    /// The remote's URL at the time.
    public var url: String?
    /// Whether the eviction was forced: the remote was not checked to hold the artifact (or there was none).
    public var forced: Bool
    /// When, RFC 3339 UTC with milliseconds.
    public var evictedAt: String
    /// Who evicted it.
    public var actor: String

    /// Creates a record.
    public init(
        artifact: ArtifactID, remote: RemoteRecord?, forced: Bool, evictedAt: String, actor: String
    ) {
        self.artifact = artifact
        self.remote = remote?.name
        self.remoteKind = remote?.kind
        self.url = remote?.url
        self.forced = forced
        self.evictedAt = evictedAt
        self.actor = actor
    }

    /// The remote as it was recorded, or nil when none was.
    public var recordedRemote: RemoteRecord? {
        guard let remote, let remoteKind, let url else { return nil }
        return RemoteRecord(name: remote, kind: remoteKind, url: url, addedAt: evictedAt, actor: actor)
    }

    /// The record as JSON; `remote`, `remoteKind` and `url` are omitted when no remote was recorded, `forced`
    /// when false.
    public var jsonValue: JSONValue {
        var fields: [String: JSONValue] = [
            "schemaVersion": .number(JSONNumber(Self.schemaVersion)), "artifact": .string(artifact.description),
            "evictedAt": .string(evictedAt), "actor": .string(actor),
        ]
        if let remote, let remoteKind, let url {
            fields["remote"] = .string(remote)
            fields["remoteKind"] = .string(remoteKind.rawValue)
            fields["url"] = .string(url)
        }
        if forced { fields["forced"] = .bool(true) }
        return .object(fields)
    }

    /// The file contents: canonical JSON and a newline.
    public func fileBytes() -> [UInt8] { CanonicalJSON.encode(jsonValue) + [0x0A] }

    /// Parses a record from an eviction file or an event payload.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming `source` and the field.
    public init(json: JSONValue, source: String) throws {
        let reader = try JSONObjectReader(json, source: source)
        try reader.rejectUnknownKeys(allowed: [
            "schemaVersion", "artifact", "remote", "remoteKind", "url", "forced", "evictedAt", "actor",
        ])
        guard try reader.integer("schemaVersion") == Int64(Self.schemaVersion) else {
            throw reader.makeError(at: "schemaVersion", "unsupported eviction schema version")
        }
        artifact = try reader.artifactID("artifact")
        remote = try reader.optionalString("remote")
        remoteKind = try reader.optionalString("remoteKind").map(RemoteRecord.Kind.init(rawValue:))
        url = try reader.optionalString("url")
        guard (remote == nil) == (remoteKind == nil), (remote == nil) == (url == nil) else {
            throw reader.makeError(at: nil, "'remote', 'remoteKind' and 'url' must be given together or not at all")
        }
        if let remote {
            do {
                try RemoteName.check(remote)
            } catch let error as RegistryError {
                throw reader.makeError(at: "remote", error.message)
            }
        }
        forced = try reader.optionalBool("forced") ?? false
        evictedAt = try reader.string("evictedAt")
        guard Timestamp.parse(evictedAt) != nil else {
            throw reader.makeError(at: "evictedAt", "'\(evictedAt)' is not an RFC 3339 time")
        }
        actor = try reader.string("actor")
    }

    /// Parses an eviction file's bytes.
    public init(fileBytes bytes: [UInt8], source: String) throws {
        try self.init(json: CanonicalJSON.parse(bytes, source: source), source: source)
    }
}
