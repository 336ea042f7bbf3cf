import RegistryCore

/// The result of verifying an artifact: every problem found, not only the first.
///
/// A failed verification is a value, not a throw; a throw means verification could not run at all.
public struct VerificationReport: Sendable, CustomStringConvertible {
    /// How deep a verification goes.
    public enum Depth: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
        /// Structure, sizes, manifest and id — no file contents read. Milliseconds.
        case quick
        /// Quick, plus every file re-hashed. Runs at hashing speed on all cores.
        case full
        /// Full, plus signatures checked against trusted keys.
        case trust

        /// Whether `lhs` checks less than `rhs` (quick < full < trust).
        public static func < (lhs: Depth, rhs: Depth) -> Bool { lhs.rawValue < rhs.rawValue }
        /// `quick`, `full` or `trust`.
        public var description: String { ["quick", "full", "trust"][rawValue] }
    }

    /// The artifact verified.
    public var artifact: ArtifactID
    /// How deep it was verified.
    public var depth: Depth
    /// Every problem found; empty means verified. Paths are relative to the artifact directory.
    public var findings: [Finding]
    /// Bytes re-hashed (0 for quick verification or when every stamp matched).
    public var bytesHashed: Int64
    /// Valid signatures from trusted keys (trust depth only), by key id.
    public var trustedSigners: [String]
    /// The files whose bytes were re-hashed, and why; empty when every stamp matched (or for quick verification).
    public var rehashed: [Rehash] = []

    /// One re-hashed file and the reason it had to be read.
    public struct Rehash: Sendable, Hashable, CustomStringConvertible {
        /// Why a file was re-hashed.
        public enum Reason: String, Sendable, Hashable {
            /// No stamp was recorded for it (never verified by hashing, or stamps deleted): the first load.
            case notStamped
            /// Its stamp changed since it was verified: written, touched, copied or restored from a backup.
            case stampChanged
            /// A full verification was asked for (`verify(_:depth: .full)`, `modelreg verify --deep`).
            case fullVerification
        }

        /// The bundle path.
        public var path: String
        /// Why it was read.
        public var reason: Reason

        /// Creates a record.
        public init(path: String, reason: Reason) {
            self.path = path
            self.reason = reason
        }

        /// `weights.bin (notStamped)`.
        public var description: String { "\(path) (\(reason.rawValue))" }
    }

    /// Whether nothing was found: the artifact verified at ``depth``.
    public var isClean: Bool { findings.isEmpty }

    /// Creates a report.
    ///
    /// - Parameters:
    ///   - artifact: the artifact verified.
    ///   - depth: how deep it was verified.
    ///   - findings: every problem found.
    ///   - bytesHashed: bytes re-hashed.
    ///   - trustedSigners: key ids of valid signatures from trusted keys.
    public init(
        artifact: ArtifactID, depth: Depth, findings: [Finding] = [], bytesHashed: Int64 = 0,
        trustedSigners: [String] = []
    ) {
        self.artifact = artifact
        self.depth = depth
        self.findings = findings
        self.bytesHashed = bytesHashed
        self.trustedSigners = trustedSigners
    }

    /// `<id> (full): verified`, or the number of problems followed by one finding per line.
    public var description: String {
        let head = "\(artifact) (\(depth)): " + (isClean ? "verified" : "\(findings.count) problem(s)")
        return ([head] + findings.map { "  \($0)" }).joined(separator: "\n")
    }
}
