/// The grammars of the names a registry stores, in one place so that every store and the CLI agree.
///
/// | What | Grammar |
/// |---|---|
/// | artifact name | 1–128 of `A–Z a–z 0–9 . _ - /`, starting with a letter or digit, no `//` |
/// | capability | 1–64 of `a–z 0–9 . _ - :`, starting with a letter or digit |
/// | label key | 1–128 of `a–z 0–9 . _ - /`, starting with a letter or digit |
/// | label value | 0–4096 bytes of UTF-8 without control characters |
public enum NameRules {
    /// Checks an artifact name; `context` says where it came from (a file and field, or a CLI option).
    public static func checkArtifactName(_ name: String, context: String) throws {
        try check(name, what: "artifact name", context: context, maxLength: 128, extra: "._-/", lowercaseOnly: false)
        if name.contains("//") {
            throw RegistryError(.invalidName, "\(context): artifact name '\(printable(name))' contains '//'")
        }
    }

    /// Checks a capability such as `text-classification`.
    public static func checkCapability(_ name: String, context: String) throws {
        try check(name, what: "capability", context: context, maxLength: 64, extra: "._-:", lowercaseOnly: true)
    }

    /// Checks a label key such as `framework` or `team/owner`.
    public static func checkLabelKey(_ name: String, context: String) throws {
        try check(name, what: "label key", context: context, maxLength: 128, extra: "._-/", lowercaseOnly: true)
    }

    /// Checks a label value: any text up to 4096 UTF-8 bytes without control characters (NUL included).
    public static func checkLabelValue(_ value: String, key: String, context: String) throws {
        if value.utf8.count > 4096 {
            throw RegistryError(.invalidName, "\(context): label '\(key)' is longer than 4096 bytes")
        }
        if value.unicodeScalars.contains(where: isControl) {
            throw RegistryError(
                .invalidName, "\(context): label '\(key)' contains a control character (NUL, newline …)")
        }
    }

    /// Whether a scalar is a C0 control, DEL or a C1 control.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Renders a name for an error message with control characters made visible.
    public static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func check(
        _ name: String, what: String, context: String, maxLength: Int, extra: String, lowercaseOnly: Bool
    ) throws {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else {
            throw RegistryError(.invalidName, "\(context): \(what) is empty")
        }
        guard bytes.count <= maxLength else {
            throw RegistryError(
                .invalidName, "\(context): \(what) '\(printable(name))' is longer than \(maxLength) characters")
        }
        let extraBytes = Set(extra.utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte)
                || (!lowercaseOnly && (0x41...0x5A).contains(byte))
        }
        guard isAlphanumeric(bytes[0]) else {
            throw RegistryError(
                .invalidName,
                "\(context): \(what) '\(printable(name))' must start with a "
                    + (lowercaseOnly ? "lowercase letter or digit" : "letter or digit"))
        }
        if let bad = bytes.first(where: { !isAlphanumeric($0) && !extraBytes.contains($0) }) {
            let shown = bad < 0x80 ? "'\(printable(String(UnicodeScalar(bad))))'" : "a non-ASCII character"
            let letters = lowercaseOnly ? "lowercase letters" : "letters"
            throw RegistryError(
                .invalidName,
                "\(context): \(what) '\(printable(name))' contains \(shown); allowed are \(letters), digits and '\(extra)'"
            )
        }
    }
}
