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

        public static func < (lhs: Depth, rhs: Depth) -> Bool { lhs.rawValue < rhs.rawValue }
        public var description: String { ["quick", "full", "trust"][rawValue] }
    }

    /// One problem.
    public struct Finding: Hashable, Sendable, CustomStringConvertible {
        /// What kind of problem; an open set so new kinds do not break callers.
        public struct Kind: Hashable, Sendable, CustomStringConvertible {
            public let name: String
            public init(_ name: String) { self.name = name }
            public var description: String { name }

            /// `manifest.json` is missing, unreadable, not strict canonical JSON, or invalid.
            public static let badManifest = Kind("bad_manifest")
            /// The manifest does not hash to the artifact's id.
            public static let idMismatch = Kind("id_mismatch")
            /// A listed file is missing.
            public static let missingFile = Kind("missing_file")
            /// A listed file is a link, directory or device instead of a regular file.
            public static let notARegularFile = Kind("not_a_regular_file")
            /// A listed file has another size than the manifest says.
            public static let sizeMismatch = Kind("size_mismatch")
            /// A listed file's bytes do not hash to the manifest's digest.
            public static let digestMismatch = Kind("digest_mismatch")
            /// A file that the manifest does not list.
            public static let unlistedFile = Kind("unlisted_file")
            /// A published file is writable (published files are read-only).
            public static let writableFile = Kind("writable_file")
            /// A file changed since it was last verified (stamp differs) and must be re-hashed.
            public static let stampChanged = Kind("stamp_changed")
            /// A signature file is malformed, made by an unknown key, or does not verify.
            public static let badSignature = Kind("bad_signature")
            /// Fewer valid signatures from trusted keys than required.
            public static let missingSignature = Kind("missing_signature")
            /// `contract.json` or `evaluation-card.json` is invalid.
            public static let badDocument = Kind("bad_document")
        }

        /// What kind of problem.
        public var kind: Kind
        /// The file involved, relative to the artifact directory (empty for the artifact as a whole).
        public var path: String
        /// The problem in plain words.
        public var message: String

        /// Creates a finding.
        public init(_ kind: Kind, path: String, _ message: String) {
            self.kind = kind
            self.path = path
            self.message = message
        }

        public var description: String { path.isEmpty ? "\(kind): \(message)" : "\(kind): \(path): \(message)" }
    }

    /// The artifact verified.
    public var artifact: ArtifactID
    /// How deep it was verified.
    public var depth: Depth
    /// Every problem found; empty means verified.
    public var findings: [Finding]
    /// Bytes re-hashed (0 for quick verification or when every stamp matched).
    public var bytesHashed: Int64
    /// Valid signatures from trusted keys (trust depth only), by key id.
    public var trustedSigners: [String]

    /// Whether nothing was found.
    public var isValid: Bool { findings.isEmpty }

    /// Creates a report.
    public init(artifact: ArtifactID, depth: Depth, findings: [Finding] = [], bytesHashed: Int64 = 0, trustedSigners: [String] = []) {
        self.artifact = artifact
        self.depth = depth
        self.findings = findings
        self.bytesHashed = bytesHashed
        self.trustedSigners = trustedSigners
    }

    public var description: String {
        let head = "\(artifact) (\(depth)): " + (isValid ? "verified" : "\(findings.count) problem(s)")
        return ([head] + findings.map { "  \($0)" }).joined(separator: "\n")
    }
}
