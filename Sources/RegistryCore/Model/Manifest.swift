/// The self-description of an artifact: every file (path, size, digest) and the declared metadata.
///
/// Its RFC 8785 canonical bytes are stored verbatim as `manifest.json`, and the artifact id is the digest of
/// exactly those bytes, so `sha256sum manifest.json` prints the id. See `docs/FORMAT.md` for the normative
/// description.
public struct Manifest: Hashable, Sendable {
    /// The schema version this library writes and reads.
    public static let schemaVersion = 1
    /// The manifest's media type, also used when pushing to OCI registries.
    public static let mediaType = "application/vnd.modelregistry.manifest.v1+json"
    /// The largest file size a manifest can state exactly (2^53 − 1, the JSON-safe integer range).
    public static let maximumFileSize: Int64 = (1 << 53) - 1

    /// One file of the bundle.
    public struct Entry: Hashable, Sendable {
        /// Relative POSIX path inside the bundle (see ``BundlePath``).
        public var path: String
        /// Size in bytes.
        public var size: Int64
        /// Digest of the file's bytes, made with the manifest's hash algorithm.
        public var digest: Digest
        /// Optional media type, for example `application/octet-stream`.
        public var mediaType: String?

        /// Creates an entry.
        public init(path: String, size: Int64, digest: Digest, mediaType: String? = nil) {
            self.path = path
            self.size = size
            self.digest = digest
            self.mediaType = mediaType
        }
    }

    /// The name of the hash algorithm used for the files and the id, for example `sha256`.
    public var hashAlgorithm: String
    /// The declared metadata.
    public var metadata: ArtifactMetadata
    /// The files, ordered by the UTF-8 bytes of their paths.
    public private(set) var files: [Entry]

    /// Creates a manifest, sorting the files and checking every field.
    ///
    /// - Throws: `.invalidPath` for a bad or duplicate path, `.invalidName` / `.invalidArgument` for bad metadata,
    ///   `.invalidDocument` for a digest made with another algorithm or a size out of range.
    public init(hashAlgorithm: String, metadata: ArtifactMetadata, files: [Entry]) throws {
        self.hashAlgorithm = hashAlgorithm
        self.metadata = metadata
        self.files = files.sorted { BundlePath.precedes($0.path, $1.path) }
        try validate(context: "manifest")
    }

    /// Parses `manifest.json` strictly and validates it.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - source: the file's path, for error messages.
    ///   - requireCanonical: refuse bytes that are not exactly the canonical encoding (always true for files in
    ///     a registry; false lets tools read hand-written manifests).
    public init(parsing bytes: [UInt8], source: String, requireCanonical: Bool = true) throws {
        let value = try CanonicalJSON.parse(bytes, source: source)
        let document = try JSONObjectReader(value, source: source)
        try document.rejectUnknownKeys(allowed: [
            "schemaVersion", "mediaType", "hashAlgorithm", "name", "capabilities", "parents", "labels", "files",
        ])
        let schema = try document.integer("schemaVersion")
        guard schema == Int64(Self.schemaVersion) else {
            throw RegistryError(
                .unsupportedFormatVersion,
                "\(source): manifest schemaVersion \(schema) is not supported (this library reads \(Self.schemaVersion))",
                path: source)
        }
        let mediaType = try document.string("mediaType")
        guard mediaType == Self.mediaType else {
            throw RegistryError(
                .invalidDocument, "\(source): field 'mediaType' is '\(mediaType)', expected '\(Self.mediaType)'",
                path: source)
        }
        var parents: [ArtifactID] = []
        for (index, text) in try document.stringArray("parents").enumerated() {
            parents.append(try ArtifactID(parsing: text, context: "\(source): field 'parents[\(index)]'"))
        }
        let capabilities = try document.stringArray("capabilities")
        let metadata = ArtifactMetadata(
            name: try document.string("name"), capabilities: capabilities, parents: parents,
            labels: try document.stringMap("labels"))
        if metadata.capabilities != capabilities {
            throw RegistryError(
                .invalidDocument, "\(source): field 'capabilities' must be sorted and free of duplicates", path: source)
        }
        var entries: [Entry] = []
        for file in try document.objects("files") {
            try file.rejectUnknownKeys(allowed: ["path", "size", "digest", "mediaType"])
            let digestText = try file.string("digest")
            guard let digest = Digest(parsing: digestText) else {
                throw RegistryError(
                    .invalidDocument,
                    "\(source): field '\(file.path).digest' is '\(digestText)', expected '<algorithm>:<lowercase hex>'",
                    path: source)
            }
            entries.append(
                Entry(
                    path: try file.string("path"), size: try file.integer("size"), digest: digest,
                    mediaType: try file.optionalString("mediaType")))
        }
        self.hashAlgorithm = try document.string("hashAlgorithm")
        self.metadata = metadata
        self.files = entries
        try validate(context: source)
        if entries.map(\.path) != entries.map(\.path).sorted(by: BundlePath.precedes) {
            throw RegistryError(
                .invalidDocument, "\(source): field 'files' must be ordered by path bytes", path: source)
        }
        if requireCanonical && canonicalBytes() != bytes {
            throw RegistryError(
                .invalidDocument,
                "\(source): manifest is not in RFC 8785 canonical form (whitespace, key order or number spelling "
                    + "differ), so its bytes do not define an id",
                path: source)
        }
    }

    /// The manifest as a JSON value.
    public var jsonValue: JSONValue {
        let files: [JSONValue] = files.map { entry in
            var fields: [String: JSONValue] = [
                "path": .string(entry.path),
                "size": .number(JSONNumber(entry.size)),
                "digest": .string(entry.digest.description),
            ]
            if let mediaType = entry.mediaType { fields["mediaType"] = .string(mediaType) }
            return .object(fields)
        }
        return .object([
            "schemaVersion": .number(JSONNumber(Self.schemaVersion)),
            "mediaType": .string(Self.mediaType),
            "hashAlgorithm": .string(hashAlgorithm),
            "name": .string(metadata.name),
            "capabilities": .array(metadata.capabilities.map(JSONValue.string)),
            "parents": .array(metadata.parents.map { .string($0.description) }),
            "labels": .object(metadata.labels.mapValues(JSONValue.string)),
            "files": .array(files),
        ])
    }

    /// The RFC 8785 canonical bytes: exactly the contents of `manifest.json`.
    public func canonicalBytes() -> [UInt8] {
        CanonicalJSON.encode(jsonValue)
    }

    /// The artifact id: the digest of the canonical bytes under `algorithm`, which must be the manifest's own.
    public func artifactID(using algorithm: some HashAlgorithm) -> ArtifactID {
        ArtifactID(digest: algorithm.hash(canonicalBytes()))
    }

    /// The total size of all files.
    public var totalSize: Int64 { files.reduce(0) { $0 + $1.size } }

    /// Looks up a file by its exact path.
    public func entry(at path: String) -> Entry? {
        files.first { Array($0.path.utf8) == Array(path.utf8) }
    }

    /// The digest length, in bytes, of the algorithms whose names this format reserves; every reader checks these
    /// lengths whether or not it can compute the algorithm. A plug-in's digests are checked against its
    /// ``HashAlgorithm/digestByteCount`` when the artifact is read with it.
    public static let knownDigestByteCounts: [String: Int] = ["sha256": 32]

    /// Whether `name` is a valid `hashAlgorithm`: 1–32 bytes of `a–z 0–9`, the first a letter (FORMAT.md §5.3).
    public static func isValidAlgorithmName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...32).contains(bytes.count), (0x61...0x7A).contains(bytes[0]) else { return false }
        return bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }

    private func validate(context: String) throws {
        guard Self.isValidAlgorithmName(hashAlgorithm) else {
            throw RegistryError(
                .invalidDocument,
                "\(context): field 'hashAlgorithm' is '\(NameRules.printable(hashAlgorithm))', expected 1–32 lowercase "
                    + "ASCII letters and digits starting with a letter")
        }
        try metadata.validate(context: context)
        try BundlePath.checkDistinct(files.map(\.path), context: context)
        for entry in files {
            try BundlePath.check(entry.path, context: context)
            guard entry.digest.algorithm == hashAlgorithm else {
                throw RegistryError(
                    .invalidDocument,
                    "\(context): file '\(entry.path)' has a \(entry.digest.algorithm) digest in a \(hashAlgorithm) manifest"
                )
            }
            let expected = Self.knownDigestByteCounts[hashAlgorithm] ?? files[0].digest.bytes.count
            guard entry.digest.bytes.count == expected else {
                throw RegistryError(
                    .invalidDocument,
                    "\(context): file '\(entry.path)' has a digest of \(entry.digest.bytes.count) bytes; "
                        + "\(hashAlgorithm) digests have \(expected) bytes (\(expected * 2) hex digits)")
            }
            guard (0...Self.maximumFileSize).contains(entry.size) else {
                throw RegistryError(
                    .invalidDocument, "\(context): file '\(entry.path)' has size \(entry.size), out of range")
            }
            if let mediaType = entry.mediaType,
                mediaType.isEmpty || mediaType.unicodeScalars.contains(where: NameRules.isControl)
            {
                throw RegistryError(.invalidDocument, "\(context): file '\(entry.path)' has an invalid mediaType")
            }
        }
    }
}
