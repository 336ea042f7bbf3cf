import ModelPack
import RegistryCore

/// What `Registry.exportOCILayout(_:to:tag:)` wrote into an OCI image layout. A `Sendable` value.
public struct OCILayoutExport: Hashable, Sendable {
    /// The artifact exported.
    public var artifact: ArtifactID
    /// The layout's directory.
    public var layout: String
    /// The tag the model manifest got in the layout's `index.json`.
    public var tag: String
    /// The model manifest's descriptor (its digest is what `skopeo inspect` and registries show).
    public var manifest: OCIDescriptor
    /// Blobs hard-linked to the registry's files (no byte copied).
    public var linkedBlobs: Int
    /// Blobs copied (another file system), hashed on the way and checked.
    public var copiedBlobs: Int
    /// Blobs the layout already had.
    public var presentBlobs: Int
    /// Signatures exported as referrers.
    public var signatures: Int
    /// Evaluation records exported as referrers.
    public var evaluations: Int
    /// Signed approvals (from the log's alias events for this artifact) exported as referrers.
    public var approvals: Int
}
