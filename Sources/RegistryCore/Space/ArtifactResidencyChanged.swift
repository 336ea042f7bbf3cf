/// The payload of `artifact_evicted` and `artifact_fetched`: an artifact's bundle bytes left the registry, or
/// came back from a remote (FORMAT.md §9.3.13, §14.4). The manifest, signatures and history never leave.
public struct ArtifactResidencyChanged: AuditPayload {
    public static let eventTypes = ["artifact_evicted", "artifact_fetched"]

    /// The artifact.
    public var artifact: ArtifactID
    /// For `artifact_evicted`, the eviction file's content (`evicted/<id>.json`); nil for `artifact_fetched`.
    public var eviction: EvictionRecord?
    /// For `artifact_fetched`, the remote the bytes came from, by name and URL.
    public var remote: String?
    /// For `artifact_fetched`, the URL the bytes came from.
    public var url: String?
    /// How many bundle files left or came back.
    public var files: Int64
    /// Their total size in bytes.
    public var size: Int64
    /// Written by recovery for a fetch whose own event a crash prevented.
    public var recovered: Bool

    /// Whether this records an eviction (else a fetch).
    public var isEviction: Bool { eviction != nil }

    public var eventType: String { isEviction ? "artifact_evicted" : "artifact_fetched" }

    /// The payload of an eviction.
    public init(evicting record: EvictionRecord, files: Int64, size: Int64) {
        artifact = record.artifact
        eviction = record
        remote = nil
        url = nil
        self.files = files
        self.size = size
        recovered = false
    }

    /// The payload of a fetch from `remote`.
    public init(fetching artifact: ArtifactID, from remote: RemoteRecord, files: Int64, size: Int64, recovered: Bool) {
        self.artifact = artifact
        eviction = nil
        self.remote = remote.name
        url = remote.url
        self.files = files
        self.size = size
        self.recovered = recovered
    }

    /// The payload of a fetch whose source is not known (recovery of a fetch whose fetching mark was damaged).
    public init(fetchedWithoutSource artifact: ArtifactID, files: Int64, size: Int64, recovered: Bool) {
        self.artifact = artifact
        eviction = nil
        remote = nil
        url = nil
        self.files = files
        self.size = size
        self.recovered = recovered
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "artifact": .string(artifact.description), "files": .number(JSONNumber(files)),
            "size": .number(JSONNumber(size)),
        ]
        if let eviction { members["record"] = eviction.jsonValue }
        if let remote { members["remote"] = .string(remote) }
        if let url { members["url"] = .string(url) }
        Self.markRecovered(&members, recovered)
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        artifact = try payload.artifactID("artifact")
        files = try payload.integer("files", in: 0...JSONObjectReader.maximumSafeInteger)
        size = try payload.integer("size", in: 0...JSONObjectReader.maximumSafeInteger)
        recovered = try Self.isRecovered(payload)
        if eventType == "artifact_evicted" {
            let record = try EvictionRecord(
                json: .object(payload.object("record").members), source: payload.source + ": field 'record'")
            guard record.artifact == artifact else {
                throw payload.makeError(at: "artifact", "disagrees with 'record'")
            }
            eviction = record
            remote = nil
            url = nil
        } else {
            eviction = nil
            remote = try payload.optionalString("remote")
            url = try payload.optionalString("url")
            guard (remote == nil) == (url == nil) else {
                throw payload.makeError(at: nil, "'remote' and 'url' must be given together or not at all")
            }
        }
    }
}
