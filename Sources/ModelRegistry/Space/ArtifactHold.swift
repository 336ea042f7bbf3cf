import RegistryCore

/// One reason an artifact must stay: what `rm` names when it refuses, and what `gc --explain` prints for an
/// artifact it keeps (FORMAT.md §14.3).
///
/// `ArtifactHold` is `Sendable`: a plain value.
public struct ArtifactHold: Hashable, Sendable, CustomStringConvertible {
    /// What kind of holder it is.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The name as written in JSON and in `artifact_collected`'s `holds`.
        public let rawValue: String
        /// Creates a kind from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// An alias points at it now (`detail`: the alias).
        public static let alias = Kind(rawValue: "alias")
        /// An alias pointed at it before, so `rollback` can return to it (`detail`: the alias).
        public static let aliasHistory = Kind(rawValue: "alias_history")
        /// Its lifecycle state is protected (`detail`: the state).
        public static let state = Kind(rawValue: "state")
        /// It is pinned (`detail`: the pin's reason, if any).
        public static let pin = Kind(rawValue: "pin")
        /// An ingest in progress (a live staging lease) shares its files (`detail`: the staging directory).
        public static let lease = Kind(rawValue: "lease")
        /// It is a lineage ancestor of a kept artifact (`detail`: the descendant).
        public static let ancestor = Kind(rawValue: "ancestor")
        /// It was registered within the grace period (`detail`: when).
        public static let gracePeriod = Kind(rawValue: "grace_period")
        /// No `artifact_registered` event records it, or its manifest cannot be read: recovery's business.
        public static let unregistered = Kind(rawValue: "unregistered")
        /// An event appended after the collector's plan names it (or the plan's last event, possibly half done,
        /// does): kept without deciding again (`detail`: the event's sequence number and type).
        public static let changedSincePlan = Kind(rawValue: "changed_since_plan")
        /// Deciding failed (an I/O error); kept to be safe (`detail`: the error).
        public static let undecided = Kind(rawValue: "undecided")
        /// The name as printed and written in JSON.
        public var description: String { rawValue }
    }

    /// What kind of holder.
    public var kind: Kind
    /// The alias, state, staging directory, descendant, time or error, depending on ``kind``.
    public var detail: String?

    /// Creates a hold.
    public init(_ kind: Kind, _ detail: String? = nil) {
        self.kind = kind
        self.detail = detail
    }

    /// A short phrase: `alias production`, `alias production's history (rollback target)`, `state candidate`,
    /// `pin (paper baseline)`, `live staging lease staging/ingest-…`, `ancestor of sha256-…` ….
    public var description: String {
        let detail = self.detail ?? ""
        switch kind {
        case .alias: return "alias \(detail)"
        case .aliasHistory: return "alias \(detail)'s history (rollback target)"
        case .state: return "state \(detail)"
        case .pin: return self.detail.map { "pin (\($0))" } ?? "pin"
        case .lease: return "live staging lease \(detail)"
        case .ancestor: return "ancestor of \(detail)"
        case .gracePeriod: return "registered within the grace period (\(detail))"
        case .unregistered: return "not registered in the log or unreadable (\(detail)); see fsck"
        case .undecided: return "could not decide, kept (\(detail))"
        case .changedSincePlan: return "changed since the collector's plan (\(detail))"
        default: return self.detail.map { "\(kind) \($0)" } ?? kind.rawValue
        }
    }

    /// The compact form written in `artifact_collected`'s `holds`: `kind` or `kind:detail`.
    var token: String { detail.map { "\(kind.rawValue):\($0)" } ?? kind.rawValue }
}
