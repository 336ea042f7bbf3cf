import RegistryCore

/// An OCI content descriptor: what a manifest, an index or `index.json` says about one blob (OCI image spec,
/// `descriptor.md`).
///
/// Readers ignore members they do not use (`urls`, `data`, `platform` …), as the OCI spec requires; writers
/// write only the members set here. `OCIDescriptor` is a `Sendable` value.
public struct OCIDescriptor: Hashable, Sendable {
    /// The media type of the referenced content.
    public var mediaType: String
    /// The digest of the content; always `sha256` in what this package writes and accepts.
    public var digest: Digest
    /// The size of the content in bytes.
    public var size: Int64
    /// The artifact type of a referenced manifest (the referrers API reports it), if any.
    public var artifactType: String?
    /// Annotations; empty means none (the member is then omitted).
    public var annotations: [String: String]

    /// Creates a descriptor.
    public init(
        mediaType: String, digest: Digest, size: Int64, artifactType: String? = nil, annotations: [String: String] = [:]
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.artifactType = artifactType
        self.annotations = annotations
    }

    /// The descriptor of the empty blob `{}` (`application/vnd.oci.empty.v1+json`).
    public static let empty = OCIDescriptor(
        mediaType: OCIMediaType.empty, digest: SHA256Algorithm().hash(OCIMediaType.emptyBlob),
        size: Int64(OCIMediaType.emptyBlob.count))

    /// The descriptor of `bytes` under `mediaType`.
    public static func of(
        _ bytes: [UInt8], mediaType: String, artifactType: String? = nil, annotations: [String: String] = [:]
    ) -> OCIDescriptor {
        OCIDescriptor(
            mediaType: mediaType, digest: SHA256Algorithm().hash(bytes), size: Int64(bytes.count),
            artifactType: artifactType, annotations: annotations)
    }

    /// The tag this descriptor carries in a layout's `index.json` (`org.opencontainers.image.ref.name`).
    public var referenceName: String? { annotations[OCIMediaType.referenceNameAnnotation] }

    /// The descriptor as JSON, members that are not set left out.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "mediaType": .string(mediaType), "digest": .string(digest.description),
            "size": .number(JSONNumber(size)),
        ]
        if let artifactType { members["artifactType"] = .string(artifactType) }
        if !annotations.isEmpty { members["annotations"] = .object(annotations.mapValues { .string($0) }) }
        return .object(members)
    }

    /// Reads a descriptor.
    ///
    /// - Throws: `.invalidDocument` naming the document and field for a missing or mistyped member, a digest
    ///   that is not `sha256:<64 hex digits>` (`.unsupportedAlgorithm` for another algorithm), or a negative size.
    public init(reader: JSONObjectReader) throws {
        mediaType = try reader.string("mediaType")
        let text = try reader.string("digest")
        guard let digest = Digest(parsing: text) else {
            throw reader.makeError(at: "digest", "'\(text)' is not a digest of the form sha256:<64 hex digits>")
        }
        guard digest.algorithm == "sha256" else {
            throw RegistryError(
                .unsupportedAlgorithm,
                "\(reader.source): \(reader.fieldPath("digest")): '\(digest.algorithm)' digests are not supported; "
                    + "this registry reads sha256 blobs only")
        }
        guard digest.bytes.count == 32 else {
            throw reader.makeError(at: "digest", "'\(text)' does not have 64 hex digits")
        }
        self.digest = digest
        size = try reader.integer("size", in: 0...JSONObjectReader.maximumSafeInteger)
        artifactType = try reader.optionalString("artifactType")
        annotations = try reader.optionalStringMap("annotations") ?? [:]
    }
}
