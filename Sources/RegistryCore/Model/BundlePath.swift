/// Rules for the relative paths of files inside an artifact bundle.
///
/// A bundle path is relative POSIX (`tokenizer/vocab.txt`): valid UTF-8, components separated by `/`, no
/// empty, `.` or `..` component, no leading `/`, no NUL or other control character, at most 255 bytes per
/// component and 4096 in all. `manifest.json` and `signatures/` at the top level are reserved for the registry.
/// Two paths that are equal under Unicode canonical equivalence (NFC vs NFD spellings of `é`) may not
/// appear in one bundle: macOS and Linux would disagree about whether they are one file.
public enum BundlePath {
    /// The names reserved at the top level of an artifact directory.
    public static let reservedTopLevelNames: Set<String> = ["manifest.json", "signatures"]

    /// Checks one path; `context` names the source (a directory or a manifest field).
    public static func check(_ path: String, context: String) throws {
        let shown = NameRules.printable(path)
        func fail(_ why: String) -> RegistryError {
            RegistryError(.invalidPath, "\(context): bundle path '\(shown)' \(why)")
        }
        guard !path.isEmpty else { throw fail("is empty") }
        guard path.utf8.count <= 4096 else { throw fail("is longer than 4096 bytes") }
        guard !path.hasPrefix("/") else { throw fail("is absolute; bundle paths are relative") }
        if path.unicodeScalars.contains(where: NameRules.isControl) {
            throw fail("contains NUL or another control character")
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for component in components {
            if component.isEmpty { throw fail("has an empty component ('//' or a trailing '/')") }
            if component == "." || component == ".." {
                throw fail("contains '\(component)', which could escape the bundle")
            }
            if component.utf8.count > 255 { throw fail("has a component longer than 255 bytes") }
        }
        if let first = components.first, reservedTopLevelNames.contains(String(first)) {
            throw fail("uses the reserved top-level name '\(first)'")
        }
    }

    /// Checks that no two paths are canonically equivalent Unicode (or identical).
    ///
    /// Swift's `String` equality is canonical equivalence, so a set of strings finds NFC/NFD twins.
    public static func checkDistinct(_ paths: [String], context: String) throws {
        var seen: [String: String] = [:]
        for path in paths {
            if let earlier = seen[path] {
                let same = Array(earlier.utf8) == Array(path.utf8)
                throw RegistryError(
                    .invalidPath,
                    same
                        ? "\(context): bundle path '\(path)' appears twice"
                        : "\(context): bundle paths '\(earlier)' and '\(path)' differ only by Unicode normalization")
            }
            seen[path] = path
        }
    }

    /// Orders paths by their UTF-8 bytes, the order manifests list files in.
    public static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
