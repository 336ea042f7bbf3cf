import RegistryCore

/// The grammar of alias names.
///
/// 1–128 characters of lowercase letters, digits, `-`, `_` and `.`, starting with a letter or digit (so never
/// with `.`, which registry temp files use). Names that Windows reserves for devices (`con`, `nul`, `aux`,
/// `prn`, `com1`–`com9`, `lpt1`–`lpt9`, with or without an extension) are refused so a registry stays
/// portable, and so are `latest` and `head`, which users of other registries expect to mean something the
/// registry does not compute.
public enum AliasName {
    /// Names refused although they match the character grammar.
    public static let reserved: Set<String> = {
        var names: Set<String> = ["con", "nul", "aux", "prn", "latest", "head"]
        for digit in 1...9 {
            names.insert("com\(digit)")
            names.insert("lpt\(digit)")
        }
        return names
    }()

    /// Checks an alias name, throwing `.invalidName` with the reason.
    public static func check(_ name: String) throws {
        let bytes = Array(name.utf8)
        var shown: String { NameRules.printable(name) }  // only an error message needs it
        guard !bytes.isEmpty else { throw RegistryError(.invalidName, "alias name is empty") }
        guard bytes.count <= 128 else {
            throw RegistryError(.invalidName, "alias '\(shown.prefix(40))…' is longer than 128 characters")
        }
        func isAlphanumeric(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte) }
        guard isAlphanumeric(bytes[0]) else {
            throw RegistryError(.invalidName, "alias '\(shown)' must start with a lowercase letter or digit")
        }
        if let bad = bytes.first(where: { !isAlphanumeric($0) && $0 != 0x2D && $0 != 0x5F && $0 != 0x2E }) {
            let what =
                bad == 0x2F
                ? "a path separator '/'"
                : bad == 0
                    ? "NUL"
                    : bad >= 0x80
                        ? "a non-ASCII character"
                        : "'\(NameRules.printable(String(UnicodeScalar(bad))))'"
            throw RegistryError(
                .invalidName,
                "alias '\(shown)' contains \(what); allowed are lowercase letters, digits, '-', '_' and '.'")
        }
        if name.contains("..") {
            throw RegistryError(.invalidName, "alias '\(shown)' contains '..'")
        }
        let stem = String(name.split(separator: ".", maxSplits: 1).first ?? "")
        if reserved.contains(name) || reserved.contains(stem) {
            throw RegistryError(.invalidName, "alias '\(shown)' is a reserved name")
        }
    }
}
