import RegistryCore

/// Tags of an OCI layout or repository: the grammar of the OCI distribution spec,
/// `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
///
/// Checked before use: a `:` or `/` in a tag breaks references (`oci:DIR:TAG`), and CNCF Distribution 2.8 answers
/// 500 to some of them.
public enum OCITag {
    /// The most bytes a tag may have.
    public static let maximumLength = 128

    /// Checks `tag` against the grammar.
    ///
    /// - Throws: `.invalidName` naming the tag and the first character that is not allowed.
    public static func check(_ tag: String) throws {
        let bytes = Array(tag.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumLength else {
            throw RegistryError(
                .invalidName, "tag '\(tag)' must have 1 to \(maximumLength) characters of A-Z a-z 0-9 _ . -")
        }
        for (index, byte) in bytes.enumerated() {
            let alphanumeric =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_")
            let allowed = alphanumeric || (index > 0 && (byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")))
            guard allowed else {
                throw RegistryError(
                    .invalidName,
                    "tag '\(tag)': character \(index + 1) is not allowed (a tag is [A-Za-z0-9_][A-Za-z0-9._-]{0,127})")
            }
        }
    }

    /// The referrers tag of the distribution spec's fallback for a subject manifest digest: `sha256-<hex>`.
    public static func referrers(of subject: Digest) -> String {
        "\(subject.algorithm)-\(subject.hex)"
    }

    /// A tag made from a name: every character outside the grammar becomes `-`, cut to ``maximumLength``; a
    /// leading `.` or `-` becomes `_`.
    public static func derived(from name: String) -> String {
        var scalars = name.unicodeScalars.map { scalar -> Character in
            switch scalar.value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2E, 0x2D: Character(scalar)
            default: "-"
            }
        }
        if let first = scalars.first, first == "." || first == "-" { scalars[0] = "_" }
        return scalars.isEmpty ? "latest" : String(scalars.prefix(maximumLength))
    }
}
