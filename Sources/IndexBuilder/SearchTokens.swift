/// The tokenizer behind `search.json` and ``IndexQuery/text``: the same rule on both sides, and the same on every
/// platform (no locale, no Unicode tables).
///
/// ASCII letters are lower-cased; a token is a maximal run of ASCII letters and digits and non-ASCII characters;
/// every other ASCII character separates tokens. `"ResNet-50 (fine_tuned)"` gives `resnet`, `50`, `fine`, `tuned`.
package enum SearchTokens {
    /// The tokens of `text`, in order of appearance, possibly repeated.
    ///
    /// Works on UTF-8 bytes: every byte of a non-ASCII character is 0x80 or above, so such characters stay whole.
    package static func tokens(of text: String) -> [String] {
        var tokens: [String] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            if byte >= 0x80 || (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) {
                current.append(byte)
            } else if byte >= 0x41 && byte <= 0x5A {
                current.append(byte + 0x20)
            } else if !current.isEmpty {
                tokens.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)) }
        return tokens
    }

    /// The distinct tokens of everything searchable in a summary: its name, capabilities, label keys and label
    /// values.
    package static func tokens(of summary: ArtifactSummary) -> Set<String> {
        var result = Set(tokens(of: summary.name))
        for capability in summary.capabilities { result.formUnion(tokens(of: capability)) }
        for (key, value) in summary.labels {
            result.formUnion(tokens(of: key))
            result.formUnion(tokens(of: value))
        }
        return result
    }
}

/// Whether `lhs` sorts before `rhs` by UTF-8 bytes (the order of Unicode scalar values): the order of ids, tokens
/// and capabilities throughout the index, independent of Unicode normalization.
///
/// - Complexity: O(*m*) in the length of the common prefix; compares contiguous bytes without an iterator.
package func bytesPrecede(_ lhs: String, _ rhs: String) -> Bool {
    var left = lhs
    var right = rhs
    return left.withUTF8 { a in
        right.withUTF8 { b in
            let count = min(a.count, b.count)
            var index = 0
            while index < count {
                if a[index] != b[index] { return a[index] < b[index] }
                index += 1
            }
            return a.count < b.count
        }
    }
}
