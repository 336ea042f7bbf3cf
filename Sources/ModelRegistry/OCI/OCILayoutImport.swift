import ArtifactStore
import ModelPack
import RegistryCore
import Verifier

/// What `Registry.importOCILayout(from:tag:actor:progress:)` registered. A `Sendable` value.
public struct OCILayoutImport: Sendable {
    /// The artifact and whether it is new (`isNew == false`: the registry already had these bytes).
    public var registration: Registration
    /// The model manifest read.
    public var manifest: OCIDescriptor
    /// The tag it was read by, nil when the layout's only model manifest was taken.
    public var tag: String?
    /// Whether the image carried this registry's `manifest.json` layer, so the id was re-derived from it (false:
    /// another producer's image, registered from its layers and file paths).
    public var hasRegistryManifest: Bool
    /// The signatures attached from referrers (also those already attached).
    public var signatures: [SignatureFile]
    /// The evaluation records attached from referrers (also those already attached).
    public var evaluations: [EvaluationRecord]
    /// The signed approvals that travelled as referrers, checked (they name this artifact; one signed by a trusted
    /// key verifies). An approval belongs to an alias change, not to the artifact, so the import stores none:
    /// present one with a promotion (`promote(_:to:…signedApproval:)`).
    public var approvals: [SignedApproval]
    /// Referrers of other artifact types, left out (their descriptors).
    public var skippedReferrers: [OCIDescriptor]
}
