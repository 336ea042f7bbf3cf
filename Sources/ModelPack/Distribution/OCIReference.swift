import RegistryCore

/// A reference to a manifest in an OCI registry: `[http://|https://|oci://]HOST[:PORT]/REPOSITORY[:TAG|@DIGEST]`,
/// as `docker`, `skopeo` and ORAS spell it (FORMAT.md §15.8).
///
/// `http://` — or `insecure: true` — speaks plain HTTP, meant for a loopback registry; everything else HTTPS. The
/// repository follows the distribution spec's grammar (lowercase path components separated by `/`) and the tag
/// ``OCITag``'s, both checked before any request is made, so a bad name fails here with `.invalidName` rather
/// than as a 500 from the registry. `OCIReference` is a `Sendable` value.
public struct OCIReference: Hashable, Sendable, CustomStringConvertible {
    /// The registry host with its port, if any (`localhost:5000`).
    public var host: String
    /// The repository (`team/model`).
    public var repository: String
    /// The tag, if the reference names one.
    public var tag: String?
    /// The manifest digest, if the reference names one (it wins over the tag).
    public var digest: Digest?
    /// Whether requests go over plain HTTP.
    public var isInsecure: Bool

    /// Creates a reference from its parts, checking the repository and the tag.
    ///
    /// - Throws: `.invalidName` naming the part that is not allowed.
    public init(host: String, repository: String, tag: String? = nil, digest: Digest? = nil, isInsecure: Bool = false)
        throws
    {
        try Self.checkHost(host)
        try Self.checkRepository(repository)
        if let tag { try OCITag.check(tag) }
        self.host = host
        self.repository = repository
        self.tag = tag
        self.digest = digest
        self.isInsecure = isInsecure
    }

    /// Parses what a user typed.
    ///
    /// - Parameters:
    ///   - text: `[scheme://]HOST[:PORT]/REPOSITORY[:TAG|@sha256:HEX]`; the scheme `oci://` means HTTPS.
    ///   - insecure: plain HTTP even without `http://` (the CLI's `--insecure`).
    /// - Throws: `.invalidName` naming the reference and the part that is wrong (no repository, a bad tag, a digest
    ///   that is not `sha256:<64 hex>`).
    public init(parsing text: String, insecure: Bool = false) throws {
        var rest = Substring(text)
        var isInsecure = insecure
        for (scheme, plain) in [("http://", true), ("https://", false), ("oci://", false)]
        where rest.lowercased().hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
            isInsecure = isInsecure || plain
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw RegistryError(
                .invalidName, "OCI reference '\(text)' names no repository; write HOST[:PORT]/REPOSITORY[:TAG]")
        }
        let host = String(rest[..<slash])
        var path = rest[rest.index(after: slash)...]
        var digest: Digest?
        if let at = path.firstIndex(of: "@") {
            let digestText = String(path[path.index(after: at)...])
            guard let parsed = Digest(parsing: digestText), parsed.algorithm == "sha256", parsed.bytes.count == 32
            else {
                throw RegistryError(
                    .invalidName,
                    "OCI reference '\(text)': '\(digestText)' is not a digest of the form sha256:<64 hex>")
            }
            digest = parsed
            path = path[..<at]
        }
        var tag: String?
        if let colon = path.lastIndex(of: ":") {
            tag = String(path[path.index(after: colon)...])
            path = path[..<colon]
        }
        do {
            try self.init(
                host: host, repository: String(path), tag: tag, digest: digest, isInsecure: isInsecure)
        } catch let error as RegistryError {
            throw RegistryError(error.code, "OCI reference '\(text)': \(error.message)")
        }
    }

    /// `HOST/REPOSITORY[:TAG][@DIGEST]`, with `http://` in front for a plain-HTTP reference.
    public var description: String {
        (isInsecure ? "http://" : "") + host + "/" + repository + (tag.map { ":" + $0 } ?? "")
            + (digest.map { "@" + $0.description } ?? "")
    }

    /// The base URL of the registry's API, `https://HOST/v2/` (`http://` when insecure).
    public var apiBase: String { (isInsecure ? "http://" : "https://") + host + "/v2/" }

    /// The same reference with another tag (and no digest).
    public func tagged(_ tag: String) throws -> OCIReference {
        try OCIReference(host: host, repository: repository, tag: tag, isInsecure: isInsecure)
    }

    private static func checkHost(_ host: String) throws {
        let allowed = host.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
        }
        guard !host.isEmpty, host.utf8.count <= 255, allowed else {
            throw RegistryError(.invalidName, "registry host '\(host)' is not a host name with an optional port")
        }
    }

    /// The distribution spec's repository grammar: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`.
    private static func checkRepository(_ repository: String) throws {
        let components = repository.split(separator: "/", omittingEmptySubsequences: false)
        let valid =
            !repository.isEmpty && repository.utf8.count <= 255
            && components.allSatisfy { component in
                guard let first = component.utf8.first, let last = component.utf8.last else { return false }
                let isAlnum: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) }
                let isSeparator: (UInt8) -> Bool = {
                    $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
                }
                guard isAlnum(first), isAlnum(last) else { return false }
                var previous: UInt8 = first
                var run = 0
                for byte in component.utf8.dropFirst() {
                    if isAlnum(byte) {
                        run = 0
                    } else if isSeparator(byte) {
                        run += 1
                        // `.` and `_` stand alone (`__` is allowed); `-` may repeat.
                        if run > 1, !(byte == UInt8(ascii: "-") && previous == byte),
                            !(byte == UInt8(ascii: "_") && previous == byte && run == 2)
                        {
                            return false
                        }
                    } else {
                        return false
                    }
                    previous = byte
                }
                return true
            }
        guard valid else {
            throw RegistryError(
                .invalidName,
                "repository '\(repository)' must be lowercase letters and digits in /-separated components, "
                    + "joined within a component by '.', '_', '__' or '-'")
        }
    }
}
