/// The identity of an artifact: `<algorithm>-<lowercase hex digest of the canonical manifest>`.
///
/// For the default algorithm that is `sha256-` followed by 64 hex digits. The same string names the
/// artifact's directory under `artifacts/`, so an id can be checked against its directory, and a directory
/// copied anywhere re-derives its id from its own `manifest.json`.
public struct ArtifactID: Hashable, Comparable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The manifest digest this id spells.
    public let digest: Digest

    /// Creates the id for a manifest digest.
    public init(digest: Digest) {
        self.digest = digest
    }

    /// Parses `<algorithm>-<hex>`; returns nil for anything else (including upper-case hex or a bad length
    /// for a known algorithm).
    public init?(_ text: String) {
        guard let digest = Digest.parse(text.utf8, separator: UInt8(ascii: "-")) else { return nil }
        if digest.algorithm == "sha256" && digest.bytes.count != 32 { return nil }
        self.digest = digest
    }

    /// Parses an id, throwing a clear error that names `context` (a file, field or argument) when it is malformed.
    public init(parsing text: String, context: @autoclosure () -> String) throws {
        guard let id = ArtifactID(text) else {
            throw RegistryError(
                .invalidArgument,
                "\(context()): '\(text)' is not an artifact id (expected 'sha256-' followed by 64 lowercase hex digits)"
            )
        }
        self = id
    }

    /// `sha256-<hex>`.
    public var description: String { "\(digest.algorithm)-\(digest.hex)" }

    /// The order of ``description``: algorithm names are lowercase ASCII letters and digits, which sort after
    /// the `-` that ends them, and lowercase hex sorts as the bytes it spells, so no strings need to be built.
    public static func < (lhs: ArtifactID, rhs: ArtifactID) -> Bool {
        if lhs.digest.algorithm != rhs.digest.algorithm { return lhs.digest.algorithm < rhs.digest.algorithm }
        return lhs.digest.bytes.lexicographicallyPrecedes(rhs.digest.bytes)
    }
}
