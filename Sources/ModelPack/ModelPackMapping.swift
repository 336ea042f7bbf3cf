import RegistryCore

/// The mapping between a registry artifact and a CNCF ModelPack image, both ways (FORMAT.md §15).
///
/// Export: one OCI image manifest with `artifactType` `application/vnd.cncf.model.manifest.v1+json`, a ModelPack
/// config, one uncompressed layer per bundle file in manifest order (each annotated with
/// `org.cncf.model.filepath` and `org.opencontainers.image.title`), then the registry's `manifest.json` as a last
/// layer of its own media type — its blob digest is the artifact id's digest. Layer digests are the SHA-256
/// digests the registry manifest already lists: nothing is re-hashed. Signatures and evaluation records become
/// referrer manifests (``makeReferrer(artifactType:blob:subject:)``).
///
/// Import: ``plan(_:config:source:)`` checks that the layers agree with the config and with the registry manifest
/// layer when there is one, and gives each layer its bundle path. The types carry no transport, so a
/// Distribution client can reuse them.
public enum ModelPackMapping {
    /// A model image ready to be written: the manifest and every blob it names.
    public struct ModelImage: Sendable {
        /// The model manifest.
        public var manifest: OCIImageManifest
        /// The bytes of the ModelPack config blob (canonical JSON).
        public var configBytes: [UInt8]
        /// The bundle files, in layer order, each with its layer descriptor.
        public var files: [LayerFile]
        /// The registry manifest's bytes (the last layer's blob).
        public var registryManifestBytes: [UInt8]

        /// The descriptor of ``manifest``'s canonical bytes.
        public var descriptor: OCIDescriptor { manifest.descriptor() }
    }

    /// One layer that is a bundle file.
    public struct LayerFile: Hashable, Sendable {
        /// The bundle path (FORMAT.md §5.4), or for a tar layer the empty string (its paths are inside it).
        public var path: String
        /// The layer's descriptor.
        public var descriptor: OCIDescriptor
        /// The layer's position in the manifest.
        public var index: Int
        /// Whether the blob is an uncompressed tar archive to unpack rather than the file itself.
        public var isTar: Bool
    }

    /// Builds the model image of an artifact from its `manifest.json` bytes.
    ///
    /// - Parameters:
    ///   - manifestBytes: the artifact's canonical manifest bytes; their SHA-256 is the artifact id's digest.
    ///   - source: what to name in errors.
    /// - Returns: the manifest, config and layer list; deterministic for given bytes.
    /// - Throws: what `Manifest(parsing:)` throws; `.unsupportedAlgorithm` for a manifest not hashed with
    ///   sha256 (OCI layouts name blobs by SHA-256).
    public static func makeModelImage(manifestBytes: [UInt8], source: String) throws -> ModelImage {
        let manifest = try Manifest(parsing: manifestBytes, source: source)
        guard manifest.hashAlgorithm == "sha256" else {
            throw RegistryError(
                .unsupportedAlgorithm,
                "\(source): the artifact is hashed with '\(manifest.hashAlgorithm)'; an OCI export needs sha256 digests",
                path: source)
        }
        var files: [LayerFile] = []
        var layers: [OCIDescriptor] = []
        for entry in manifest.files {
            let kind = FileClassification.classify(path: entry.path, recordedMediaType: entry.mediaType)
            var annotations = [
                OCIMediaType.filePathAnnotation: entry.path, OCIMediaType.titleAnnotation: entry.path,
            ]
            if kind.isUntested { annotations[OCIMediaType.untestedAnnotation] = "true" }
            let descriptor = OCIDescriptor(
                mediaType: kind.mediaType, digest: entry.digest, size: entry.size, annotations: annotations)
            files.append(LayerFile(path: entry.path, descriptor: descriptor, index: layers.count, isTar: false))
            layers.append(descriptor)
        }
        layers.append(
            .of(
                manifestBytes, mediaType: OCIMediaType.registryManifest,
                annotations: [
                    OCIMediaType.filePathAnnotation: "manifest.json", OCIMediaType.titleAnnotation: "manifest.json",
                ]))
        let config = ModelPackConfig(
            name: manifest.metadata.name, format: FileClassification.format(of: manifest.files.map(\.path)),
            diffIDs: layers.map(\.digest))
        let configBytes = config.canonicalBytes()
        let id = ArtifactID(digest: SHA256Algorithm().hash(manifestBytes))
        var annotations = [
            OCIMediaType.titleAnnotation: manifest.metadata.name, OCIMediaType.artifactIDAnnotation: id.description,
        ]
        if let base = manifest.metadata.parents.first {
            annotations[OCIMediaType.parentsAnnotation] = manifest.metadata.parents.map(\.description).joined(
                separator: ",")
            annotations[OCIMediaType.baseArtifactAnnotation] = base.digest.description
        }
        let image = OCIImageManifest(
            artifactType: OCIMediaType.modelManifest,
            config: .of(configBytes, mediaType: OCIMediaType.modelConfig), layers: layers, annotations: annotations)
        return ModelImage(manifest: image, configBytes: configBytes, files: files, registryManifestBytes: manifestBytes)
    }

    /// A referrer manifest: `blob` as its one layer (media type `artifactType`), the empty config, and `subject`.
    public static func makeReferrer(artifactType: String, blob: [UInt8], subject: OCIDescriptor) -> OCIImageManifest {
        var subject = subject
        subject.annotations = [:]
        subject.artifactType = nil
        return OCIImageManifest(
            artifactType: artifactType, config: .empty, layers: [.of(blob, mediaType: artifactType)], subject: subject)
    }

    /// What an import does with a model manifest's layers.
    public struct ImportPlan: Sendable {
        /// The layers that carry bundle files (raw files and tar archives), in layer order.
        public var files: [LayerFile]
        /// The registry manifest layer, when the image has one.
        public var registryManifest: OCIDescriptor?
        /// The model name the config or the manifest's title annotation gives, if any.
        public var name: String?
    }

    /// Checks a model manifest against its config and assigns every layer its role.
    ///
    /// - Parameters:
    ///   - manifest: the model manifest (any producer; the older `vnd.cnai` types are accepted).
    ///   - config: its parsed config, or nil when the config is not a ModelPack one (an OCI image whose layers
    ///     are tar archives, such as a modelcar).
    ///   - source: what to name in errors (the manifest's blob path).
    /// - Throws: `.invalidDocument` naming the layer for: diffIds that disagree with the layers, a second
    ///   registry manifest layer, a compressed layer, a layer with no path; `.invalidPath` for a path that escapes
    ///   the bundle (`..`, absolute) or is reserved, or two layers at one path.
    public static func plan(_ manifest: OCIImageManifest, config: ModelPackConfig?, source: String) throws
        -> ImportPlan
    {
        if let config {
            guard config.diffIDs.count == manifest.layers.count else {
                throw RegistryError(
                    .invalidDocument,
                    "\(source): the config lists \(config.diffIDs.count) diffIds but the manifest has "
                        + "\(manifest.layers.count) layers; they must agree", path: source)
            }
        }
        var plan = ImportPlan(files: [], registryManifest: nil, name: config?.name)
        if plan.name == nil { plan.name = manifest.annotations[OCIMediaType.titleAnnotation] }
        for (index, layer) in manifest.layers.enumerated() {
            let type = OCIMediaType.normalized(layer.mediaType)
            let context = "\(source): layers[\(index)] (\(layer.digest))"
            if type.contains("+gzip") || type.contains("+zstd") || type.hasSuffix(".gzip") || type.hasSuffix(".zstd") {
                throw RegistryError(
                    .unsupportedOperation,
                    "\(context): the layer is compressed (\(layer.mediaType)); this registry imports uncompressed "
                        + "layers only", path: source)
            }
            if let config, config.diffIDs[index] != layer.digest {
                throw RegistryError(
                    .invalidDocument,
                    "\(context): the config's diffIds[\(index)] is \(config.diffIDs[index]), but an uncompressed "
                        + "layer's diffId is its digest; the layers disagree with the config", path: source)
            }
            if type == OCIMediaType.registryManifest {
                guard plan.registryManifest == nil else {
                    throw RegistryError(
                        .invalidDocument, "\(context): a second registry manifest layer; an image has at most one",
                        path: source)
                }
                plan.registryManifest = layer
                continue
            }
            if OCIMediaType.isTarLayer(type) {
                plan.files.append(LayerFile(path: "", descriptor: layer, index: index, isTar: true))
                continue
            }
            let annotated =
                layer.annotations[OCIMediaType.filePathAnnotation]
                ?? layer.annotations["org.cnai.model.filepath"] ?? layer.annotations[OCIMediaType.titleAnnotation]
            guard let path = annotated else {
                throw RegistryError(
                    .invalidDocument,
                    "\(context): the layer has no \(OCIMediaType.filePathAnnotation) or "
                        + "\(OCIMediaType.titleAnnotation) annotation, so it has no place in the bundle", path: source)
            }
            try BundlePath.check(path, context: "\(context) (\(OCIMediaType.filePathAnnotation))")
            plan.files.append(LayerFile(path: path, descriptor: layer, index: index, isTar: false))
        }
        try BundlePath.checkDistinct(plan.files.filter { !$0.isTar }.map(\.path), context: source)
        if plan.registryManifest != nil, plan.files.contains(where: \.isTar) {
            throw RegistryError(
                .invalidDocument,
                "\(source): an image with a registry manifest layer carries every file as its own raw layer, but "
                    + "this one has tar layers", path: source)
        }
        return plan
    }

    /// Checks that the raw file layers of `plan` are exactly the files `manifest` (the registry manifest layer's
    /// content) lists, with the same sizes and digests.
    ///
    /// - Throws: `.invalidDocument` naming the first path that is missing, extra, or differs.
    public static func checkAgreement(_ plan: ImportPlan, with manifest: Manifest, source: String) throws {
        let layers = Dictionary(plan.files.map { ($0.path, $0.descriptor) }, uniquingKeysWith: { first, _ in first })
        for entry in manifest.files {
            guard let layer = layers[entry.path] else {
                throw RegistryError(
                    .invalidDocument,
                    "\(source): the registry manifest lists '\(entry.path)' but no layer carries it; the layers "
                        + "disagree with the manifest layer", path: source)
            }
            guard layer.digest == entry.digest, layer.size == entry.size else {
                throw RegistryError(
                    .invalidDocument,
                    "\(source): the layer for '\(entry.path)' is \(layer.digest) (\(layer.size) bytes) but the "
                        + "registry manifest says \(entry.digest) (\(entry.size) bytes)", path: source)
            }
        }
        if let extra = plan.files.first(where: { manifest.entry(at: $0.path) == nil }) {
            throw RegistryError(
                .invalidDocument,
                "\(source): layers[\(extra.index)] carries '\(extra.path)', which the registry manifest does not list",
                path: source)
        }
    }
}
