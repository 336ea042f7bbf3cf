import RegistryCore

/// What the garbage collector decided for every artifact and staging leftover, and what it did (FORMAT.md
/// §14.3). A dry run's report is the plan: the same decisions, nothing removed.
///
/// `GarbageCollectionReport` is `Sendable`: a plain value.
public struct GarbageCollectionReport: Sendable {
    /// What happens to one artifact.
    public enum Verdict: String, Hashable, Sendable {
        /// Something holds it (see ``Decision/holds``).
        case keep
        /// Nothing holds it: it goes (or went).
        case collect
        /// Nothing holds it, but the size budget is met without removing it.
        case withinBudget = "within_budget"
    }

    /// The decision about one artifact.
    public struct Decision: Hashable, Sendable {
        /// The artifact.
        public var artifact: ArtifactID
        /// Its manifest's name (empty when unknown).
        public var name: String
        /// When the log registered it; nil when unknown.
        public var registeredAt: String?
        /// The verdict.
        public var verdict: Verdict
        /// Every reason it is kept; empty unless ``verdict`` is ``Verdict/keep``.
        public var holds: [ArtifactHold]
        /// Bytes of inodes only this artifact references (what removing it alone would free, unless a user's
        /// hard link shares them too).
        public var exclusiveBytes: Int64
        /// Bytes of inodes other artifacts reference too.
        public var sharedBytes: Int64
        /// For ``Verdict/collect``: the bytes its removal frees, counted after the removals before it.
        public var bytesFreed: Int64
        /// Whether it was removed (never in a dry run).
        public var removed: Bool
    }

    /// A staging entry: an abandoned ingest, a lock file, or a removal's leftover.
    public struct StagingEntry: Hashable, Sendable {
        /// Its path, relative to the registry root.
        public var path: String
        /// Whether it goes: no live lease holds it and it is older than the grace period.
        public var collect: Bool
        /// Why it stays or goes.
        public var reason: String
        /// Whether it was removed (never in a dry run).
        public var removed: Bool
    }

    /// Whether this was a dry run (nothing removed).
    public var isDryRun: Bool
    /// The options used.
    public var options: GarbageCollectionOptions
    /// One decision per artifact, sorted by id.
    public var decisions: [Decision]
    /// Staging entries considered.
    public var staging: [StagingEntry]
    /// The `artifact_collected` events written, in order.
    public var events: [AuditEvent]
    /// The bytes of `artifacts/` before, each inode once.
    public var totalBytesBefore: Int64
    /// What the removals free (planned, in a dry run).
    public var bytesFreed: Int64
    /// Problems met while deciding (each kept what it could have protected) or while removing.
    public var problems: [Finding]

    /// The artifacts that go (dry run) or went.
    public var collected: [ArtifactID] { decisions.filter { $0.verdict == .collect }.map(\.artifact) }
    /// The decision about one artifact, if it was considered.
    public func decision(for artifact: ArtifactID) -> Decision? { decisions.first { $0.artifact == artifact } }
    /// Whether the budget (``GarbageCollectionOptions/maxSize``) is met after the removals; true without one.
    public var meetsBudget: Bool { options.maxSize.map { totalBytesBefore - bytesFreed <= $0 } ?? true }
}

extension GarbageCollectionReport.Decision: CustomStringConvertible {
    /// One line a person can read: `sha256-… (name): keep — alias production; state candidate`,
    /// `…: collect (removed)` or `…: within budget`.
    public var description: String {
        let named = name.isEmpty ? "\(artifact)" : "\(artifact) (\(name))"
        switch verdict {
        case .keep: return "\(named): keep — " + holds.map(\.description).joined(separator: "; ")
        case .collect: return "\(named): collect" + (removed ? " (removed)" : "")
        case .withinBudget: return "\(named): within budget (nothing keeps it; the size budget is met without it)"
        }
    }
}

extension GarbageCollectionReport.Verdict: CustomStringConvertible {
    /// The verdict as `gc --json` writes it: `keep`, `collect` or `within_budget`.
    public var description: String { rawValue }
}
