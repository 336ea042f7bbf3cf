import Foundation

/// The one error type every ModelRegistry API throws.
///
/// The set of codes can grow without breaking callers, because ``Code`` is a struct rather than an enum.
/// Match on a code with a pattern:
///
/// ```swift
/// do { _ = try store.artifact(id) }
/// catch RegistryError.Code.notFound { print("no such artifact") }
/// ```
///
/// Every error says what was wrong and where: ``message`` names the file, field or alias, and ``path``
/// holds the file-system path when one is involved.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Compare with `==` or match with `catch RegistryError.Code.x`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A file, artifact, alias or key does not exist.
        public static let notFound = Code("notFound")
        /// Something that must be new already exists.
        public static let alreadyExists = Code("alreadyExists")
        /// An argument or option is not acceptable.
        public static let invalidArgument = Code("invalidArgument")
        /// Bytes are not JSON a registry accepts (strict RFC 8259 plus the rules in FORMAT.md).
        public static let invalidJSON = Code("invalidJSON")
        /// A JSON document parsed but a field is missing, has the wrong type or an invalid value.
        public static let invalidDocument = Code("invalidDocument")
        /// A bundle path is absolute, escapes the bundle, is not UTF-8, contains NUL or collides with another.
        public static let invalidPath = Code("invalidPath")
        /// A name (artifact name, alias, capability, label) does not follow its grammar.
        public static let invalidName = Code("invalidName")
        /// A source bundle contains a symbolic link and following links was not requested.
        public static let symlinkRefused = Code("symlinkRefused")
        /// The registry was written by a format version this library does not understand.
        public static let unsupportedFormatVersion = Code("unsupportedFormatVersion")
        /// A hash or signature algorithm named in a document is not available.
        public static let unsupportedAlgorithm = Code("unsupportedAlgorithm")
        /// Bytes on disk do not match the digest or size that describes them.
        public static let digestMismatch = Code("digestMismatch")
        /// A directory is not a registry (no format file) or is damaged.
        public static let notARegistry = Code("notARegistry")
        /// The writer lock could not be taken before the deadline.
        public static let lockTimeout = Code("lockTimeout")
        /// The registry is on a network file system where `flock` cannot be trusted.
        public static let networkFileSystem = Code("networkFileSystem")
        /// An ingest mode is not possible here (for example hardlink across file systems).
        public static let unsupportedOperation = Code("unsupportedOperation")
        /// A compare-and-swap found another value than expected (another writer moved an alias first).
        public static let conflict = Code("conflict")
        /// The promotion policy refused a change; the message lists every unmet requirement.
        public static let policyRefused = Code("policyRefused")
        /// The artifact was revoked and may not be promoted or served.
        public static let revoked = Code("revoked")
        /// A system call failed with an I/O error (EIO and anything not listed below);
        /// ``RegistryError/underlying`` holds the ``SystemCallError``.
        public static let io = Code("io")
        /// The process may not read or write a file or directory (EACCES, EPERM).
        public static let permissionDenied = Code("permissionDenied")
        /// The file system is full, or the user's quota is used up (ENOSPC, EDQUOT). Nothing was changed; free
        /// space and try again.
        public static let noSpace = Code("noSpace")
        /// The registry is on a read-only file system or mount (EROFS).
        public static let readOnlyFileSystem = Code("readOnlyFileSystem")
        /// A registry write was started from inside another write on the same thread (for example from a
        /// promotion policy hook); it fails at once instead of deadlocking on the writer lock.
        public static let reentrantWrite = Code("reentrantWrite")
        /// A lifecycle state change that FORMAT.md §12.4 does not allow (for example out of `revoked`).
        public static let invalidTransition = Code("invalidTransition")
        /// A file changed size, or became unreadable, while it was being hashed or copied: typically a source
        /// that another program rewrote, truncated or replaced meanwhile; or staged files of a registration were
        /// removed before it could publish them. Try again once the writer is done.
        public static let fileChanged = Code("fileChanged")
        /// A short reference (an id prefix) matches more than one thing; the message lists every candidate so
        /// the caller can give more of it.
        public static let ambiguous = Code("ambiguous")
        /// The artifact's bundle bytes were evicted (FORMAT.md §14.4): its manifest, signatures and history are
        /// here, its files are not. The message names the remote it can be fetched from and how.
        public static let evicted = Code("evicted")
        /// A remote (another registry a fetch reads from) is not configured, cannot be reached, does not hold
        /// the artifact, or served bytes that are not the ones the manifest lists.
        public static let remoteUnavailable = Code("remoteUnavailable")
        /// Something still needs the thing to be removed (an alias, its rollback history, a protected lifecycle
        /// state, a pin, an ingest in progress); the message names every holder. Removing it anyway takes `force`.
        public static let inUse = Code("inUse")
        /// An OCI registry refused the request (401 or 403): no credentials, wrong ones, or not enough rights. The
        /// message names the registry and how to log in; never the credentials.
        public static let unauthorized = Code("unauthorized")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A one-line explanation naming the file, field or alias involved.
    public var message: String
    /// The file-system path involved, if any.
    public var path: String?
    /// The error that caused this one, often a ``SystemCallError``.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.underlying = underlying
    }

    public var description: String {
        var text = message
        if let underlying { text += " (\(underlying))" }
        return text
    }

    /// A multi-line description that prints the chain of causes as a tree, for the CLI's `--verbose`.
    public func detailedDescription() -> String {
        var lines = ["\(code): \(message)"]
        if let path { lines.append("  path: \(path)") }
        var cause = underlying
        var depth = 1
        while let current = cause {
            let indent = String(repeating: "  ", count: depth)
            if let nested = current as? RegistryError {
                lines.append("\(indent)└─ \(nested.code): \(nested.message)")
                cause = nested.underlying
            } else {
                lines.append("\(indent)└─ \(current)")
                cause = nil
            }
            depth += 1
        }
        return lines.joined(separator: "\n")
    }
}

extension RegistryError.Code {
    /// Lets `catch RegistryError.Code.notFound` match a thrown ``RegistryError``.
    public static func ~= (code: RegistryError.Code, error: any Error) -> Bool {
        (error as? RegistryError)?.code == code
    }
}
