import RegistryCore

/// What `Registry.collectGarbage(_:actor:)` keeps, and whether it acts (FORMAT.md §14.3).
///
/// Kept, always: alias targets and every artifact in an alias's history that `rollback` could return to, pinned
/// artifacts, artifacts an ingest in progress shares files with, and anything the collector could not decide
/// about. Kept by these options: artifacts in ``protectedStates``, lineage ancestors of kept artifacts
/// (``keepAncestors``), and artifacts registered within ``gracePeriod``.
///
/// `GarbageCollectionOptions` is `Sendable`: a plain value.
public struct GarbageCollectionOptions: Hashable, Sendable {
    /// The states kept by default: `production` and `candidate`.
    public static let defaultProtectedStates: Set<LifecycleState> = [.production, .candidate]
    /// The grace period by default: 7 days.
    public static let defaultGracePeriod: Duration = .seconds(7 * 24 * 3600)

    /// Artifacts registered more recently than this are kept, and so are staging leftovers younger than it.
    public var gracePeriod: Duration
    /// Lifecycle states whose artifacts are kept.
    public var protectedStates: Set<LifecycleState>
    /// Keep the lineage ancestors (manifest parents and `lineage.json` parents) of every kept artifact.
    public var keepAncestors: Bool
    /// A budget in bytes: when set, only as many unprotected artifacts go as needed to bring the bytes of
    /// `artifacts/` (each inode once) down to it, oldest registration first; nil removes every unprotected one.
    public var maxSize: Int64?
    /// Plan only: nothing is removed, no lock is taken, and the report says what would go. The one write is the
    /// collector's cache of the log (`indexes/collector.json`, on a registry opened for writing).
    public var dryRun: Bool

    /// Creates options; the defaults keep `production` and `candidate` artifacts, ancestors, and everything
    /// registered in the last 7 days, and act (set `dryRun` to only plan).
    public init(
        gracePeriod: Duration = Self.defaultGracePeriod,
        protectedStates: Set<LifecycleState> = Self.defaultProtectedStates, keepAncestors: Bool = true,
        maxSize: Int64? = nil, dryRun: Bool = false
    ) {
        self.gracePeriod = gracePeriod
        self.protectedStates = protectedStates
        self.keepAncestors = keepAncestors
        self.maxSize = maxSize
        self.dryRun = dryRun
    }
}
