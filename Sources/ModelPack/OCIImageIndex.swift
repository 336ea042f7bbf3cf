import RegistryCore

/// An OCI image index: a layout's root `index.json`, or the list of referrers stored under a `sha256-<hex>` tag.
///
/// Readers never require `artifactType` on its entries (skopeo drops it) and ignore members they do not use.
/// `OCIImageIndex` is a `Sendable` value.
public struct OCIImageIndex: Hashable, Sendable {
    /// The largest index a reader accepts, 4 MiB.
    public static let maximumSize = 4 << 20

    /// The entries.
    public var manifests: [OCIDescriptor]
    /// Annotations; empty means none.
    public var annotations: [String: String]

    /// Creates an index.
    public init(manifests: [OCIDescriptor] = [], annotations: [String: String] = [:]) {
        self.manifests = manifests
        self.annotations = annotations
    }

    /// The index as JSON (`schemaVersion` 2, `mediaType` set).
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "schemaVersion": 2, "mediaType": .string(OCIMediaType.imageIndex),
            "manifests": .array(manifests.map(\.jsonValue)),
        ]
        if !annotations.isEmpty { members["annotations"] = .object(annotations.mapValues { .string($0) }) }
        return .object(members)
    }

    /// The canonical JSON bytes (no trailing newline).
    public func canonicalBytes() -> [UInt8] { CanonicalJSON.encode(jsonValue) }

    /// The entry tagged `tag`, if any.
    public func entry(tagged tag: String) -> OCIDescriptor? {
        manifests.first { $0.referenceName == tag }
    }

    /// This index with `descriptor` as the only entry tagged `tag` (an earlier entry with that tag is dropped).
    public func replacing(tag: String, with descriptor: OCIDescriptor) -> OCIImageIndex {
        var copy = self
        var tagged = descriptor
        tagged.annotations[OCIMediaType.referenceNameAnnotation] = tag
        copy.manifests.removeAll { $0.referenceName == tag }
        copy.manifests.append(tagged)
        return copy
    }

    /// Parses an index written by any producer.
    ///
    /// - Throws: `.invalidJSON` (duplicate keys included), `.invalidDocument` naming the field, `.invalidArgument`
    ///   for an index above ``maximumSize``.
    public init(parsing bytes: [UInt8], source: String) throws {
        guard bytes.count <= Self.maximumSize else {
            throw RegistryError(
                .invalidArgument,
                "\(source): the index is \(bytes.count) bytes, above the \(Self.maximumSize)-byte limit",
                path: source)
        }
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        guard try reader.integer("schemaVersion") == 2 else {
            throw reader.makeError(at: "schemaVersion", "must be 2 for an OCI image index")
        }
        if let mediaType = try reader.optionalString("mediaType"), mediaType != OCIMediaType.imageIndex {
            throw reader.makeError(at: "mediaType", "'\(mediaType)' is not an OCI image index")
        }
        manifests = try reader.objects("manifests").map { try OCIDescriptor(reader: $0) }
        annotations = try reader.optionalStringMap("annotations") ?? [:]
    }
}
