import RegistryCore

/// The media types and annotation keys of the OCI image specification, CNCF ModelPack and this registry's own
/// referrers, spelled once (FORMAT.md §15).
///
/// Writers use the current `vnd.cncf.model` / `org.cncf.model` spellings; readers also accept the older
/// `vnd.cnai.model` / `org.cnai.model` ones through ``normalized(_:)``, because layouts written before ModelPack
/// moved to the CNCF are still around.
public enum OCIMediaType {
    /// An OCI image manifest.
    public static let imageManifest = "application/vnd.oci.image.manifest.v1+json"
    /// An OCI image index (also the root `index.json` of a layout and a referrers list).
    public static let imageIndex = "application/vnd.oci.image.index.v1+json"
    /// The empty descriptor's media type: config of an artifact manifest that has no config.
    public static let empty = "application/vnd.oci.empty.v1+json"
    /// The bytes of the empty blob, `{}`.
    public static let emptyBlob: [UInt8] = Array("{}".utf8)

    /// The `artifactType` of a ModelPack model manifest.
    public static let modelManifest = "application/vnd.cncf.model.manifest.v1+json"
    /// The media type of a ModelPack config blob.
    public static let modelConfig = "application/vnd.cncf.model.config.v1+json"
    /// Model weights, one uncompressed file.
    public static let weightRaw = "application/vnd.cncf.model.weight.v1.raw"
    /// Configuration of the weights (config.json, tokenizer files), one uncompressed file.
    public static let weightConfigRaw = "application/vnd.cncf.model.weight.config.v1.raw"
    /// Documentation (README, LICENSE), one uncompressed file.
    public static let docRaw = "application/vnd.cncf.model.doc.v1.raw"
    /// Code (scripts, modules), one uncompressed file.
    public static let codeRaw = "application/vnd.cncf.model.code.v1.raw"
    /// A dataset, one uncompressed file.
    public static let datasetRaw = "application/vnd.cncf.model.dataset.v1.raw"

    /// This registry's `manifest.json` carried as a layer: its digest is the artifact id's digest.
    public static let registryManifest = Manifest.mediaType
    /// The `artifactType` and layer media type of a detached signature (FORMAT.md §12.1) travelling as a referrer.
    public static let registrySignature = "application/vnd.modelregistry.signature.v1+json"
    /// The `artifactType` and layer media type of a signed approval (FORMAT.md §12.8) travelling as a referrer.
    public static let registryApproval = "application/vnd.modelregistry.approval.v1+json"
    /// The `artifactType` and layer media type of an evaluation record (FORMAT.md §12.10) travelling as a referrer.
    public static let registryEvaluation = "application/vnd.modelregistry.evaluation.v1+json"

    /// The relative path of a layer's file inside the model (`/`-separated).
    public static let filePathAnnotation = "org.cncf.model.filepath"
    /// Set to `true` when a layer's media type was guessed from its name rather than known.
    public static let untestedAnnotation = "org.cncf.model.file.mediatype.untested"
    /// A descriptor's title; ModelPack consumers and ORAS name the extracted file after it.
    public static let titleAnnotation = "org.opencontainers.image.title"
    /// The tag of a manifest in a layout's `index.json`.
    public static let referenceNameAnnotation = "org.opencontainers.image.ref.name"
    /// The artifact id a model manifest was exported from.
    public static let artifactIDAnnotation = "vnd.modelregistry.artifact.id"
    /// The artifact ids of the lineage parents (FORMAT.md §5.3 `parents`), comma-separated, in manifest order.
    public static let parentsAnnotation = "vnd.modelregistry.artifact.parents"
    /// The digest of the first parent, in the spirit of `org.opencontainers.image.base.digest`.
    public static let baseArtifactAnnotation = "vnd.modelregistry.artifact.base"

    /// `mediaType` with an older `vnd.cnai.model` / `org.cnai.model` prefix rewritten to the CNCF one; every
    /// other string unchanged.
    public static func normalized(_ mediaType: String) -> String {
        for (old, new) in [
            ("application/vnd.cnai.model.", "application/vnd.cncf.model."), ("org.cnai.model.", "org.cncf.model."),
        ]
        where mediaType.hasPrefix(old) {
            return new + mediaType.dropFirst(old.count)
        }
        return mediaType
    }

    /// Whether `mediaType` (normalized) is a ModelPack layer kind whose blob is the file itself, uncompressed.
    public static func isRawModelLayer(_ mediaType: String) -> Bool {
        let type = normalized(mediaType)
        return type.hasPrefix("application/vnd.cncf.model.") && type.hasSuffix(".raw")
    }

    /// Whether `mediaType` (normalized) is an uncompressed tar layer: a ModelPack `….tar` layer or an OCI image
    /// layer `application/vnd.oci.image.layer.v1.tar`.
    public static func isTarLayer(_ mediaType: String) -> Bool {
        let type = normalized(mediaType)
        return (type.hasPrefix("application/vnd.cncf.model.") && type.hasSuffix(".tar"))
            || type == "application/vnd.oci.image.layer.v1.tar"
    }
}
