import RegistryCore

/// The payload of `artifact_registered`: an artifact was published (FORMAT.md §9.3). Not written when identical
/// content was registered again.
public struct ArtifactRegistered: AuditPayload {
    public static let eventTypes = ["artifact_registered"]

    /// The artifact.
    public var artifact: ArtifactID
    /// Its metadata name.
    public var name: String
    /// How many files its manifest lists.
    public var files: Int64
    /// Their total size in bytes.
    public var size: Int64
    /// Written by recovery for an artifact whose own event a crash prevented.
    public var recovered: Bool

    /// Creates a payload.
    public init(artifact: ArtifactID, name: String, files: Int64, size: Int64, recovered: Bool = false) {
        self.artifact = artifact
        self.name = name
        self.files = files
        self.size = size
        self.recovered = recovered
    }

    /// The payload that records `artifact`.
    public init(_ artifact: Artifact, recovered: Bool = false) {
        self.init(
            artifact: artifact.id, name: artifact.manifest.metadata.name,
            files: Int64(artifact.manifest.files.count), size: artifact.manifest.totalSize, recovered: recovered)
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "artifact": .string(artifact.description), "name": .string(name), "files": .number(JSONNumber(files)),
            "size": .number(JSONNumber(size)),
        ]
        Self.markRecovered(&members, recovered)
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        self.init(
            artifact: try payload.artifactID("artifact"),
            name: try payload.string("name"), files: try payload.integer("files"), size: try payload.integer("size"),
            recovered: try Self.isRecovered(payload))
    }
}
