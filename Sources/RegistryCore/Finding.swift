/// One problem found by a check: what kind it is, which file it concerns, and what is wrong in plain words.
///
/// Every report in the package lists its problems as `Finding`s: artifact verification
/// (`VerificationReport`), audit log verification (`AuditJournal.Verification`) and the index's rebuild and
/// status reports (`RegistryIndex.Report`, `RegistryIndex.Status`). Each of those reports says "no findings" the
/// same way, with `isClean`. A failed check is a value, not a throw, so a report lists every problem rather than
/// the first.
///
/// ```swift
/// let report = try registry.verify(id, depth: .full)
/// for finding in report.findings where finding.kind == .digestMismatch { print(finding.path) }
/// ```
public struct Finding: Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem a finding is.
    ///
    /// An open set, like ``RegistryError/Code``: a module adds its kinds in an extension, so new kinds never
    /// break a caller's `switch`. Names are snake_case (`digest_mismatch`), unique across the package, and
    /// stable: scripts match on them in the CLI's output.
    ///
    /// ```swift
    /// extension Finding.Kind {
    ///     /// A listed file's bytes do not hash to the manifest's digest.
    ///     public static let digestMismatch: Self = "digest_mismatch"
    /// }
    /// ```
    public struct Kind: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        /// The kind's snake_case name, for example `digest_mismatch`.
        public let name: String

        /// Creates a kind from its snake_case name.
        ///
        /// - Parameter name: the name, for example `digest_mismatch`.
        public init(_ name: String) {
            self.name = name
        }

        /// Creates a kind from a string literal, so extensions can write `static let x: Self = "x"`.
        ///
        /// - Parameter value: the name.
        public init(stringLiteral value: String) {
            self.init(value)
        }

        /// The name.
        public var description: String { name }
    }

    /// What kind of problem this is.
    public var kind: Kind
    /// The file involved, or `""` when the problem concerns no one file.
    ///
    /// Each report documents what the path is relative to (the artifact directory for a verification, the
    /// registry root for the audit log).
    public var path: String
    /// The line in ``path`` where the problem is, counted from 1, for findings in line-oriented files (the audit
    /// log); nil otherwise.
    public var line: Int?
    /// What is wrong, in plain words.
    public var message: String

    /// Creates a finding.
    ///
    /// - Parameters:
    ///   - kind: the kind of problem.
    ///   - path: the file involved; `""` for none.
    ///   - line: the line in that file, from 1, when the file is line-oriented.
    ///   - message: what is wrong, in plain words.
    public init(_ kind: Kind, path: String = "", line: Int? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.message = message
    }

    /// Where the problem is: `path`, `path:line`, or `""` when there is no path.
    public var location: String {
        guard !path.isEmpty else { return "" }
        return line.map { "\(path):\($0)" } ?? path
    }

    /// `kind: path:line: message`, leaving out the parts that are not there, for example
    /// `digest_mismatch: weights.bin: hashes to …` or `stale_index: no index is stored`.
    public var description: String {
        let location = location
        return location.isEmpty ? "\(kind): \(message)" : "\(kind): \(location): \(message)"
    }
}
