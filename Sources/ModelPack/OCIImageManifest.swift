import RegistryCore

/// An OCI image manifest (`application/vnd.oci.image.manifest.v1+json`): a model, or a referrer (signature,
/// evaluation record) whose ``subject`` is a model manifest.
///
/// ``canonicalBytes()`` are RFC 8785 canonical JSON, so exporting the same artifact twice, from any registry,
/// writes the same bytes and the same manifest digest. `OCIImageManifest` is a `Sendable` value.
public struct OCIImageManifest: Hashable, Sendable {
    /// The largest manifest a reader accepts, 4 MiB: what CNCF Distribution accepts, and far above any model's.
    public static let maximumSize = 4 << 20

    /// The manifest's artifact type (`application/vnd.cncf.model.manifest.v1+json` for a model), if any.
    public var artifactType: String?
    /// The config blob.
    public var config: OCIDescriptor
    /// The layers, in order.
    public var layers: [OCIDescriptor]
    /// The manifest this one refers to (referrers only).
    public var subject: OCIDescriptor?
    /// Annotations; empty means none.
    public var annotations: [String: String]

    /// Creates a manifest.
    public init(
        artifactType: String? = nil, config: OCIDescriptor, layers: [OCIDescriptor], subject: OCIDescriptor? = nil,
        annotations: [String: String] = [:]
    ) {
        self.artifactType = artifactType
        self.config = config
        self.layers = layers
        self.subject = subject
        self.annotations = annotations
    }

    /// The manifest as JSON (`schemaVersion` 2, `mediaType` set).
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "schemaVersion": 2, "mediaType": .string(OCIMediaType.imageManifest), "config": config.jsonValue,
            "layers": .array(layers.map(\.jsonValue)),
        ]
        if let artifactType { members["artifactType"] = .string(artifactType) }
        if let subject { members["subject"] = subject.jsonValue }
        if !annotations.isEmpty { members["annotations"] = .object(annotations.mapValues { .string($0) }) }
        return .object(members)
    }

    /// The canonical JSON bytes (no trailing newline): what is stored as the manifest's blob.
    public func canonicalBytes() -> [UInt8] { CanonicalJSON.encode(jsonValue) }

    /// The descriptor of this manifest's canonical bytes, with its artifact type.
    public func descriptor(annotations: [String: String] = [:]) -> OCIDescriptor {
        .of(
            canonicalBytes(), mediaType: OCIMediaType.imageManifest, artifactType: artifactType,
            annotations: annotations)
    }

    /// Parses a manifest written by any producer.
    ///
    /// - Parameters:
    ///   - bytes: the manifest blob; at most ``maximumSize`` bytes.
    ///   - source: what to name in errors (the blob's path).
    /// - Throws: `.invalidJSON` (duplicate keys included), `.invalidDocument` naming the field (wrong
    ///   `schemaVersion`, a `mediaType` other than an image manifest's, a bad descriptor), `.invalidArgument` for
    ///   a manifest above ``maximumSize``.
    public init(parsing bytes: [UInt8], source: String) throws {
        guard bytes.count <= Self.maximumSize else {
            throw RegistryError(
                .invalidArgument,
                "\(source): the manifest is \(bytes.count) bytes, above the \(Self.maximumSize)-byte limit",
                path: source)
        }
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        guard try reader.integer("schemaVersion") == 2 else {
            throw reader.makeError(at: "schemaVersion", "must be 2 for an OCI image manifest")
        }
        if let mediaType = try reader.optionalString("mediaType"), mediaType != OCIMediaType.imageManifest {
            throw reader.makeError(at: "mediaType", "'\(mediaType)' is not an OCI image manifest")
        }
        artifactType = try reader.optionalString("artifactType")
        config = try OCIDescriptor(reader: reader.object("config"))
        layers = try reader.objects("layers").map { try OCIDescriptor(reader: $0) }
        subject = try reader.optionalObject("subject").map { try OCIDescriptor(reader: $0) }
        annotations = try reader.optionalStringMap("annotations") ?? [:]
    }
}
