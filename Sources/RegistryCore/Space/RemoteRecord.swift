import Foundation

/// One configured remote, as stored in `remotes/<name>.json` (FORMAT.md §14.4): a place an evicted artifact's
/// bytes can be fetched back from.
///
/// Self-describing, like alias and state records: it carries everything its `remote_changed` event carries, so
/// the file is a view the log re-derives. The ``kind`` says how ``url`` is reached, so that kinds added later
/// (an OCI registry) need no change to the on-disk form; this version reaches `registry` remotes only.
public struct RemoteRecord: Hashable, Sendable {
    /// How a remote is reached.
    ///
    /// An open set, like audit event kinds: a record of a kind this version does not know is read and shown, and
    /// a fetch from it fails with `.unsupportedOperation` naming the kind.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The kind as written in the record, for example `registry`.
        public let rawValue: String
        /// Wraps a kind name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The raw name.
        public var description: String { rawValue }

        /// Another registry directory, reached through the file system (a `file://` URL): a shared mount, a
        /// backup disk. Read only; never written to.
        public static let registry = Kind(rawValue: "registry")
        /// A repository of an OCI registry (FORMAT.md §15.8), stored as `oci://HOST[:PORT]/REPOSITORY` (HTTPS) or
        /// `http://HOST[:PORT]/REPOSITORY` (plain HTTP, for a loopback registry). Artifacts are pushed there with
        /// `push` and pulled with `pull`.
        public static let oci = Kind(rawValue: "oci")
    }

    /// The schema version of remote records.
    public static let schemaVersion = 1

    /// The remote's name (``RemoteName`` grammar).
    public var name: String
    /// How ``url`` is reached.
    public var kind: Kind
    /// Where the remote is: for a `registry` remote a `file://` URL of an absolute path.
    public var url: String
    /// When it was added, RFC 3339 UTC with milliseconds.
    public var addedAt: String
    /// Who added it.
    public var actor: String

    /// Creates a record.
    public init(name: String, kind: Kind, url: String, addedAt: String, actor: String) {
        self.name = name
        self.kind = kind
        self.url = url
        self.addedAt = addedAt
        self.actor = actor
    }

    /// `HOST[:PORT]/REPOSITORY` checked loosely here (the OCI client checks the full grammar) and normalised.
    private static func ociLocation(_ rest: String, plain: Bool, shown: String) throws -> String {
        var trimmed = rest
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasPrefix("v2/") { trimmed.removeFirst(3) }
        let parts = trimmed.split(separator: "/", maxSplits: 1)
        var repository = parts.count == 2 ? String(parts[1]) : ""
        if repository.hasPrefix("v2/") { repository.removeFirst(3) }
        let hostAllowed =
            parts.first.map { host in
                !host.isEmpty
                    && host.unicodeScalars.allSatisfy {
                        CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-" || $0 == ":"
                    }
            } ?? false
        let repositoryAllowed =
            !repository.isEmpty
            && repository.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-" || $0 == "/"
            }
        guard hostAllowed, repositoryAllowed, parts.count == 2 else {
            throw RegistryError(
                .invalidArgument,
                "remote URL '\(shown)' is not an OCI repository: write oci://HOST[:PORT]/REPOSITORY (lowercase, no tag)"
            )
        }
        return (plain ? "http://" : "oci://") + parts[0] + "/" + repository
    }

    /// For a `registry` remote, the directory its URL names; nil for other kinds.
    public var directory: URL? {
        guard kind == .registry, let parsed = URL(string: url), parsed.isFileURL, parsed.path.hasPrefix("/") else {
            return nil
        }
        return URL(fileURLWithPath: parsed.path, isDirectory: true)
    }

    /// The record as JSON.
    public var jsonValue: JSONValue {
        .object([
            "schemaVersion": .number(JSONNumber(Self.schemaVersion)), "name": .string(name),
            "kind": .string(kind.rawValue), "url": .string(url), "addedAt": .string(addedAt), "actor": .string(actor),
        ])
    }

    /// The file contents: canonical JSON and a newline.
    public func fileBytes() -> [UInt8] { CanonicalJSON.encode(jsonValue) + [0x0A] }

    /// Parses a record from a remote file or an event payload.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming `source` and the field; `.invalidName` for a name
    ///   outside the grammar.
    public init(json: JSONValue, source: String) throws {
        let reader = try JSONObjectReader(json, source: source)
        try reader.rejectUnknownKeys(allowed: ["schemaVersion", "name", "kind", "url", "addedAt", "actor"])
        guard try reader.integer("schemaVersion") == Int64(Self.schemaVersion) else {
            throw reader.makeError(at: "schemaVersion", "unsupported remote schema version")
        }
        name = try reader.string("name")
        do {
            try RemoteName.check(name)
        } catch let error as RegistryError {
            throw reader.makeError(at: "name", error.message)
        }
        let kindName = try reader.string("kind")
        guard !kindName.isEmpty else { throw reader.makeError(at: "kind", "is empty") }
        kind = Kind(rawValue: kindName)
        url = try reader.string("url")
        addedAt = try reader.string("addedAt")
        actor = try reader.string("actor")
        if kind == .registry && directory == nil {
            throw reader.makeError(at: "url", "'\(NameRules.printable(url))' is not a file:// URL of an absolute path")
        }
        guard Timestamp.parse(addedAt) != nil else {
            throw reader.makeError(at: "addedAt", "'\(addedAt)' is not an RFC 3339 time")
        }
    }

    /// Parses a remote file's bytes.
    public init(fileBytes bytes: [UInt8], source: String) throws {
        try self.init(json: CanonicalJSON.parse(bytes, source: source), source: source)
    }

    /// The kind and normalised URL of what a user typed: an absolute path or a `file://` URL names a `registry`
    /// remote (stored as a `file://` URL of the standardised path, percent-encoded where needed).
    ///
    /// `oci://`, `https://` and `http://` name an `oci` remote: a repository of an OCI registry, stored as
    /// `oci://HOST[:PORT]/REPOSITORY` (`http://…` for plain HTTP); a tag or digest is not part of a remote.
    ///
    /// - Throws: `.invalidArgument` for anything else (a relative path, a file URL with a host, an empty string, an
    ///   OCI URL without a repository or with a tag).
    public static func location(parsing text: String) throws -> (kind: Kind, url: String) {
        let shown = NameRules.printable(text)
        guard !text.isEmpty, !text.utf8.contains(0), text.utf8.count <= 4096 else {
            throw RegistryError(.invalidArgument, "remote URL '\(shown.prefix(80))' is empty or not a usable path")
        }
        for scheme in ["oci://", "https://", "http://"] where text.lowercased().hasPrefix(scheme) {
            return (
                .oci, try ociLocation(String(text.dropFirst(scheme.count)), plain: scheme == "http://", shown: shown)
            )
        }
        let path: String
        if text.hasPrefix("/") {
            path = text
        } else if text.lowercased().hasPrefix("file://") {
            guard let url = URL(string: text), url.isFileURL,
                url.host == nil || url.host == "" || url.host == "localhost",
                url.path.hasPrefix("/")
            else {
                throw RegistryError(
                    .invalidArgument,
                    "remote URL '\(shown)' is not a file:// URL of an absolute path on this machine (file:///path)")
            }
            path = url.path
        } else {
            throw RegistryError(
                .invalidArgument,
                "remote URL '\(shown)' is neither an absolute path nor a file:// URL; a remote is another registry "
                    + "directory")
        }
        // Percent-encoded where the path needs it (spaces, `%`, non-ASCII), so the URL parses back to the path.
        let standardized = URL(fileURLWithPath: path, isDirectory: false).standardizedFileURL
        return (.registry, standardized.absoluteString)
    }
}

/// The grammar of remote names: 1–64 characters of `a–z`, `0–9`, `-`, `_` and `.`, starting with a letter or a
/// digit. A name is a file name in `remotes/`, so nothing else is allowed.
public enum RemoteName {
    /// Checks a remote name, throwing `.invalidName` with the reason.
    public static func check(_ name: String) throws {
        let bytes = Array(name.utf8)
        let shown = NameRules.printable(name)
        guard !bytes.isEmpty, bytes.count <= 64 else {
            throw RegistryError(.invalidName, "remote name '\(shown.prefix(70))' must have 1 to 64 characters")
        }
        func isAlphanumeric(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte) }
        guard isAlphanumeric(bytes[0]) else {
            throw RegistryError(.invalidName, "remote name '\(shown)' must start with a lowercase letter or digit")
        }
        guard bytes.allSatisfy({ isAlphanumeric($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }) else {
            throw RegistryError(
                .invalidName, "remote name '\(shown)' may hold only a-z, 0-9, '-', '_' and '.'")
        }
    }
}
