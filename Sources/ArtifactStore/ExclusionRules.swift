import RegistryCore

/// The patterns that leave files out of a bundle while its directory is walked: a gitignore-like subset, the
/// same syntax in `IngestOptions.excludes` and in the bundle's ignore file (FORMAT.md §5.8).
///
/// - Blank lines and lines starting with `#` are ignored (ignore file only); surrounding spaces are trimmed.
/// - `*` matches any run of characters except `/`; `?` one character except `/`; a segment `**` matches any
///   number of directories (`**/cache`, `logs/**`, `a/**/b`).
/// - A pattern ending in `/` matches directories only.
/// - A pattern with a `/` elsewhere is anchored at the bundle root (a leading `/` is allowed and ignored);
///   without one it matches a file or directory of that name at any depth.
/// - A matching directory leaves out everything under it.
/// - `!` (re-include), `[…]` classes and `\` escapes are not supported and refused with an error, never
///   misread.
struct ExclusionRules: Sendable {
    private struct Pattern: Sendable {
        var segments: [[Character]]
        var directoryOnly: Bool
    }

    private var patterns: [Pattern] = []

    /// Parses `patterns`; `source` names where they came from for errors (`--exclude`, `.modelregignore:3`).
    init(_ patterns: [(text: String, source: String)]) throws {
        for (text, source) in patterns {
            var body = text.trimmingSpaces()
            guard !body.isEmpty else { continue }
            for unsupported in ["!", "[", "\\"] where body.contains(unsupported) {
                throw RegistryError(
                    .invalidArgument,
                    "\(source): exclusion pattern '\(text)' uses '\(unsupported)', which is not supported (supported: "
                        + "*, ?, **, a trailing / for directories, a / to anchor at the bundle root)")
            }
            let directoryOnly = body.hasSuffix("/")
            while body.hasSuffix("/") { body.removeLast() }
            let anchored = body.dropFirst().contains("/") || body.hasPrefix("/")
            while body.hasPrefix("/") { body.removeFirst() }
            guard !body.isEmpty else {
                throw RegistryError(.invalidArgument, "\(source): exclusion pattern '\(text)' matches nothing")
            }
            var segments = body.split(separator: "/").map { Array($0) }
            if !anchored { segments.insert(Array("**"), at: 0) }
            self.patterns.append(Pattern(segments: segments, directoryOnly: directoryOnly))
        }
    }

    /// Whether the bundle path (components joined by `/`) is left out.
    func excludes(_ path: String, isDirectory: Bool) -> Bool {
        let components = path.split(separator: "/").map { Array($0) }
        return patterns.contains { pattern in
            (isDirectory || !pattern.directoryOnly) && Self.match(pattern.segments[...], components[...])
        }
    }

    /// Matches pattern segments against path components; `**` takes zero or more components.
    private static func match(_ segments: ArraySlice<[Character]>, _ components: ArraySlice<[Character]>) -> Bool {
        guard let first = segments.first else { return components.isEmpty }
        if first == Array("**") {
            let rest = segments.dropFirst()
            // A trailing `**` means "something inside", never the directory itself.
            if rest.isEmpty { return !components.isEmpty }
            var remaining = components
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let component = components.first, matchSegment(first[...], component[...]) else { return false }
        return match(segments.dropFirst(), components.dropFirst())
    }

    /// Matches one segment with `*` and `?` against one path component.
    private static func matchSegment(_ pattern: ArraySlice<Character>, _ name: ArraySlice<Character>) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        switch first {
        case "*":
            var rest = name
            while true {
                if matchSegment(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        case "?":
            return !name.isEmpty && matchSegment(pattern.dropFirst(), name.dropFirst())
        default:
            return name.first == first && matchSegment(pattern.dropFirst(), name.dropFirst())
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}
