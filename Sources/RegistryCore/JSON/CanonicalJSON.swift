/// Strict JSON parsing and RFC 8785 (JSON Canonicalization Scheme) encoding for registry documents.
///
/// Manifests, alias records, audit events and signatures are hashed and signed over their canonical bytes, so
/// the bytes must be a pure function of the document's value, and any two readers must agree on what a
/// document's bytes mean. This namespace provides both halves:
///
/// - ``parse(_:source:)`` accepts exactly RFC 8259 and refuses everything ambiguous (duplicate keys,
///   invalid UTF-8, lone surrogates, overflowing numbers …) with a message that names the file and position.
/// - ``encode(_:)`` writes the one RFC 8785 spelling of a value.
/// - ``parseCanonical(_:source:)`` does both and refuses bytes that are not already canonical.
///
/// ```swift
/// let value = try CanonicalJSON.parse(bytes, source: "aliases/prod.json")
/// let signedBytes = CanonicalJSON.encode(value)
/// ```
///
/// The encoder does not use Foundation's `JSONEncoder`, which escapes `/`, orders keys by scalar rather than by
/// UTF-16 code unit and formats numbers differently.
public enum CanonicalJSON {
    /// Serialises a value in RFC 8785 canonical form: the bytes that registry documents are hashed and signed
    /// over.
    ///
    /// - Object members are sorted by the UTF-16 code units of their keys (RFC 8785 §3.2.3), so a key containing
    ///   a character above U+FFFF sorts before one containing U+E000–U+FFFF.
    /// - There is no whitespace.
    /// - Strings escape only `"`, `\` and U+0000–U+001F, using `\b \t \n \f \r` where they exist and `\u00xx`
    ///   with lowercase hex otherwise. `/`, U+007F and all non-ASCII characters are written as raw UTF-8.
    /// - Numbers are written with ECMAScript `Number::toString` applied to ``JSONNumber/doubleValue``
    ///   (see ``JSONNumber/canonicalLiteral``): `1.0` → `1`, `1e21` → `1e+21`, `-0` → `0`.
    ///
    /// Encoding never fails: a Swift `String` is always valid Unicode and a ``JSONNumber`` is always finite.
    ///
    /// - Parameter value: The document.
    /// - Returns: The canonical UTF-8 bytes.
    /// - Complexity: O(*n* + *k* log *k*) for *n* output bytes and *k* keys in the largest object. Recurses once
    ///   per nesting level.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        append(value, to: &output)
        return output
    }

    /// Appends the canonical form of `value`.
    static func append(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .number(let number):
            output.append(contentsOf: number.canonicalLiteral.utf8)
        case .string(let text):
            appendString(text, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                append(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let sorted = members.sorted { utf16Precedes($0.key, $1.key) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                append(member.value, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Appends a JSON string literal escaped as RFC 8785 §3.2.2.2 requires.
    static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.makeContiguousUTF8()
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            appendEscaped(bytes, to: &output)
        }
        if done == nil {
            appendEscaped(Array(text.utf8), to: &output)
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends the RFC 8785 escaping of UTF-8 string contents (without quotes). Shared with the index writer.
    package static func appendEscaped<Bytes: Collection<UInt8>>(_ bytes: Bytes, to output: inout [UInt8])
    where Bytes.Index == Int {
        var runStart = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            output.append(contentsOf: bytes[runStart..<index])
            output.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
            case 0x08: output.append(UInt8(ascii: "b"))
            case 0x09: output.append(UInt8(ascii: "t"))
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0C: output.append(UInt8(ascii: "f"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            default:
                output.append(contentsOf: "u00".utf8)
                output.append(contentsOf: StrictJSONParser.hex(byte).utf8)
            }
            index += 1
            runStart = index
        }
        output.append(contentsOf: bytes[runStart..<index])
    }

    /// Whether `lhs` sorts before `rhs` when both are compared as sequences of UTF-16 code units, the order
    /// RFC 8785 §3.2.3 prescribes for object keys.
    ///
    /// Works on UTF-8 bytes: UTF-8 byte order is scalar order, which differs from UTF-16 order only when a
    /// scalar above U+FFFF (lead byte F0–F4, a surrogate pair D800–DFFF in UTF-16) meets one in U+E000–U+FFFF
    /// (lead byte EE–EF); there the supplementary scalar sorts first.
    static func utf16Precedes(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            guard let a = left.next() else { return right.next() != nil }
            guard let b = right.next() else { return false }
            if a == b { continue }
            // The shared prefix is identical, so a and b sit at the same position of a scalar.
            if a >= 0xEE, b >= 0xEE, (a >= 0xF0) != (b >= 0xF0) {
                return a >= 0xF0
            }
            return a < b
        }
    }
}
