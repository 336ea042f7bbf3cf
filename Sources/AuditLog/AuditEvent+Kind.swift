extension AuditEvent {
    /// What an event records: `artifact_registered`, `alias_promoted` ….
    ///
    /// A string wrapper rather than an enum, because the set is open: a newer version of the library may write
    /// types this one has never heard of, and those events must still be read, verified and shown, never dropped.
    /// Compare with the constants, or switch over ``rawValue``.
    ///
    /// ```swift
    /// if event.type == .aliasPromoted { … }
    /// let custom: AuditEvent.Kind = "model_exploded"
    /// ```
    ///
    /// New types written by ``AuditJournal/append(_:actor:payload:)`` must be 1–64 characters of `a–z`, `0–9`
    /// and `_`, starting with a letter; types read from disk may be any non-empty string.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        /// The type as written in the log, for example `alias_promoted`.
        public let rawValue: String

        /// Wraps a type name; any string is accepted here (``AuditJournal`` checks names it writes).
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// Wraps a type name; the same as ``init(rawValue:)``.
        public init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        /// Lets a type be written as a string literal.
        public init(stringLiteral value: String) {
            self.rawValue = value
        }

        /// The raw name.
        public var description: String { rawValue }

        /// Whether this version of the library defines the type (it is in ``known``).
        public var isKnown: Bool { Self.known.contains(self) }

        /// Whether the name follows the grammar for newly written types: 1–64 of `a–z 0–9 _`, starting with a
        /// letter.
        public var isValidName: Bool {
            let bytes = Array(rawValue.utf8)
            guard let first = bytes.first, bytes.count <= 64, first >= 0x61, first <= 0x7A else { return false }
            return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
        }

        /// An artifact was published. Payload: `ArtifactRegistered` (FORMAT.md §9.3).
        public static let artifactRegistered: Kind = "artifact_registered"
        /// An alias was created or pointed at a new target. Payload: `AliasMoved`.
        public static let aliasPromoted: Kind = "alias_promoted"
        /// An alias was pointed back at an earlier target. Payload: `AliasMoved`.
        public static let aliasRolledBack: Kind = "alias_rolled_back"
        /// An alias was removed. Payload: `AliasRetired`.
        public static let aliasRetired: Kind = "alias_retired"
        /// The recovery of earlier versions rewrote (or removed) a damaged alias file from the log; this version
        /// restores files without an event and only reads this type. Payload: `AliasRestored`.
        public static let aliasRestored: Kind = "alias_restored"
        /// An artifact's lifecycle state changed. Payload: `StateChanged`.
        public static let stateChanged: Kind = "state_changed"
        /// A signature was attached to an artifact. Payload: `SignatureAdded`.
        public static let signatureAdded: Kind = "signature_added"
        /// An evaluation record was attached to an artifact. Payload: `EvaluationAdded` (FORMAT.md §12.10).
        public static let evaluationAdded: Kind = "evaluation_added"
        /// The promotion policy was replaced. Payload: `PolicyChanged`.
        public static let policyChanged: Kind = "policy_changed"
        /// An artifact directory was removed by `rm` or the garbage collector. Payload: `ArtifactCollected`
        /// (FORMAT.md §9.3.11).
        public static let artifactCollected: Kind = "artifact_collected"
        /// An artifact was pinned. Payload: `ArtifactPinChanged` (FORMAT.md §9.3.12).
        public static let artifactPinned: Kind = "artifact_pinned"
        /// An artifact's pin was removed. Payload: `ArtifactPinChanged` (FORMAT.md §9.3.12).
        public static let artifactUnpinned: Kind = "artifact_unpinned"
        /// Recovery cut a torn final line off the log. Payload: ``LogRepaired``; see
        /// ``AuditJournal/repairTornTail(actor:)``.
        public static let logRepaired: Kind = "log_repaired"
        /// An artifact's bundle bytes were evicted; its manifest, signatures and history stay. Payload:
        /// `ArtifactResidencyChanged` (FORMAT.md §9.3.13).
        public static let artifactEvicted: Kind = "artifact_evicted"
        /// An evicted artifact's bytes were fetched back from a remote. Payload: `ArtifactResidencyChanged`.
        public static let artifactFetched: Kind = "artifact_fetched"
        /// A remote was added or removed. Payload: `RemoteChanged` (FORMAT.md §9.3.14).
        public static let remoteChanged: Kind = "remote_changed"

        /// Every type this version of the library defines (FORMAT.md §9.3): the ones it writes, and
        /// `alias_restored`, which it only reads.
        public static let known: Set<Kind> = [
            artifactRegistered, aliasPromoted, aliasRolledBack, aliasRetired, aliasRestored, stateChanged,
            signatureAdded, policyChanged, logRepaired, evaluationAdded,
            artifactEvicted, artifactFetched, remoteChanged,
            artifactCollected, artifactPinned, artifactUnpinned,
        ]
    }
}
