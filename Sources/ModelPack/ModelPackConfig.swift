import RegistryCore

/// The ModelPack config blob (`application/vnd.cncf.model.config.v1+json`, model-spec `docs/config.md`).
///
/// The schema allows no members beyond its own and is camelCase, so this type writes only `descriptor.name`,
/// `config.format` (when known: Docker Model Runner picks its engine from it) and `modelfs`
/// `{"type":"layers","diffIds":[…]}` — one diffId per layer in layer order, each the blob digest, because every
/// layer is an uncompressed file. `descriptor.createdAt` is not written: the model manifest's digest must be a
/// function of the artifact alone, and the registration time belongs to the audit log (FORMAT.md §15.2).
/// `ModelPackConfig` is a `Sendable` value.
public struct ModelPackConfig: Hashable, Sendable {
    /// The largest config a reader accepts, 4 MiB.
    public static let maximumSize = 4 << 20

    /// `descriptor.name`: the model's name.
    public var name: String?
    /// `descriptor.createdAt`, as read (never written by this package).
    public var createdAt: String?
    /// `config.format`: `safetensors`, `gguf`, `onnx` ….
    public var format: String?
    /// `modelfs.diffIds`, in layer order.
    public var diffIDs: [Digest]

    /// Creates a config.
    public init(name: String?, createdAt: String? = nil, format: String?, diffIDs: [Digest]) {
        self.name = name
        self.createdAt = createdAt
        self.format = format
        self.diffIDs = diffIDs
    }

    /// The config as JSON.
    public var jsonValue: JSONValue {
        var descriptor: [String: JSONValue] = [:]
        if let name { descriptor["name"] = .string(name) }
        if let createdAt { descriptor["createdAt"] = .string(createdAt) }
        var config: [String: JSONValue] = [:]
        if let format { config["format"] = .string(format) }
        return .object([
            "descriptor": .object(descriptor), "config": .object(config),
            "modelfs": ["type": "layers", "diffIds": .array(diffIDs.map { .string($0.description) })],
        ])
    }

    /// The canonical JSON bytes (no trailing newline).
    public func canonicalBytes() -> [UInt8] { CanonicalJSON.encode(jsonValue) }

    /// Parses a config written by any ModelPack producer (also the older `vnd.cnai` one). Members this package
    /// does not use are ignored.
    ///
    /// - Throws: `.invalidJSON` (duplicate keys included); `.invalidDocument` naming the field for a missing
    ///   `modelfs`, a `modelfs.type` other than `layers`, or a diffId that is not a sha256 digest (64 bare hex
    ///   digits, as PyPI's olot writes them, are read as one);
    ///   `.invalidArgument` above ``maximumSize``.
    public init(parsing bytes: [UInt8], source: String) throws {
        guard bytes.count <= Self.maximumSize else {
            throw RegistryError(
                .invalidArgument,
                "\(source): the config is \(bytes.count) bytes, above the \(Self.maximumSize)-byte limit", path: source)
        }
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        let descriptor = try reader.optionalObject("descriptor")
        name = try descriptor?.optionalString("name")
        createdAt = try descriptor?.optionalString("createdAt")
        format = try reader.optionalObject("config")?.optionalString("format")
        let modelfs = try reader.object("modelfs")
        guard try modelfs.string("type") == "layers" else {
            throw modelfs.makeError(at: "type", "must be 'layers'")
        }
        diffIDs = try modelfs.stringArray("diffIds").enumerated().map { index, text in
            // PyPI's olot writes bare hex without `sha256:`; 64 hex digits can only be a SHA-256.
            let spelled = text.utf8.count == 64 && !text.contains(":") ? "sha256:" + text : text
            guard let digest = Digest(parsing: spelled), digest.algorithm == "sha256", digest.bytes.count == 32 else {
                throw modelfs.makeError(at: "diffIds[\(index)]", "'\(text)' is not a sha256 digest")
            }
            return digest
        }
    }
}
