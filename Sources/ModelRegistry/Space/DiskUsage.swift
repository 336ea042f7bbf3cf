import RegistryCore

/// How much disk the registry's artifacts take, with shared bytes counted once (FORMAT.md §10.1).
///
/// Every regular file under `artifacts/` counts — bundle files, `manifest.json`, signatures — by its size in
/// bytes. A file is identified by its (device, inode): a file deduplicated into several artifacts is one inode,
/// so it counts once in ``totalBytes`` and as *shared* in each artifact that holds it; an inode only one artifact
/// references is *exclusive* to it (removing that artifact would free it). Links from outside `artifacts/` (a
/// user's source registered in hard-link mode) are not seen: such an inode is exclusive if one artifact holds it.
///
/// `DiskUsage` is `Sendable`: a plain value. See ``Registry/diskUsage()-55jdh``.
public struct DiskUsage: Hashable, Sendable {
    /// One artifact's bytes.
    public struct ArtifactUsage: Hashable, Sendable {
        /// The artifact.
        public var artifact: ArtifactID
        /// Its manifest's name.
        public var name: String
        /// Its lifecycle state.
        public var state: LifecycleState
        /// Bytes of inodes only this artifact references: what removing it would free.
        public var exclusiveBytes: Int64
        /// Bytes of inodes another artifact references too.
        public var sharedBytes: Int64
        /// `exclusiveBytes + sharedBytes`: the artifact's size as a copy would take it.
        public var bytes: Int64 { exclusiveBytes + sharedBytes }
    }

    /// One alias's target and its bytes.
    public struct AliasUsage: Hashable, Sendable {
        /// The alias.
        public var alias: String
        /// Its current target.
        public var artifact: ArtifactID
        /// The target's exclusive bytes.
        public var exclusiveBytes: Int64
        /// The target's shared bytes.
        public var sharedBytes: Int64
    }

    /// The artifacts in one lifecycle state.
    public struct StateUsage: Hashable, Sendable {
        /// The state.
        public var state: LifecycleState
        /// How many artifacts are in it.
        public var artifacts: Int
        /// Their bytes, each inode once.
        public var bytes: Int64
        /// Bytes of inodes referenced only by artifacts in this state.
        public var exclusiveBytes: Int64
    }

    /// Every artifact, sorted by id.
    public var artifacts: [ArtifactUsage]
    /// Every alias with a target, sorted by name.
    public var aliases: [AliasUsage]
    /// The states that have artifacts, in lifecycle order.
    public var states: [StateUsage]
    /// The bytes all artifacts take on disk, each inode once.
    public var totalBytes: Int64
    /// The bytes they would take without deduplication: the sum of every artifact's ``ArtifactUsage/bytes``.
    public var apparentBytes: Int64
    /// What deduplication saves: `apparentBytes - totalBytes`.
    public var savedBytes: Int64 { apparentBytes - totalBytes }

    /// Creates a report.
    public init(
        artifacts: [ArtifactUsage], aliases: [AliasUsage], states: [StateUsage], totalBytes: Int64,
        apparentBytes: Int64
    ) {
        self.artifacts = artifacts
        self.aliases = aliases
        self.states = states
        self.totalBytes = totalBytes
        self.apparentBytes = apparentBytes
    }
}
