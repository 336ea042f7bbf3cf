extension CanonicalJSON {
    /// The deepest nesting of arrays and objects the parser accepts: 512.
    ///
    /// Registry documents nest a handful of levels; the limit keeps hostile input from exhausting memory or the
    /// stack of code that later walks the value recursively. A document whose outermost array or object holds
    /// 511 further levels (512 open brackets at once) is accepted; one more level is an error. The parser itself
    /// never recurses, so the limit is a policy, not a workaround.
    public static let maximumNestingDepth = 512

    /// Parses a JSON document strictly, so that every reader of a registry document sees the same value.
    ///
    /// The grammar is RFC 8259 exactly, and everything a lenient parser might guess at is an error:
    ///
    /// - a UTF-8 byte-order mark, empty input, or anything but whitespace after the value;
    /// - comments, single quotes, trailing commas, `NaN`, `Infinity`, `+1`, `.5`, `1.`, `01`;
    /// - unescaped control characters (below U+0020) in strings, and invalid escapes;
    /// - invalid UTF-8 anywhere: overlong forms, encoded surrogates, code points above U+10FFFF, stray
    ///   continuation bytes and truncated sequences;
    /// - `\u` escapes that leave a surrogate unpaired (`"\uD800"`, `"\uDC00\uD800"`);
    /// - duplicate keys in one object, compared after unescaping (`{"a":1,"\u0061":2}`). Keys that Swift
    ///   considers equal (canonically equivalent, such as `"é"` and `"e\u0301"`) also count as duplicates,
    ///   since a `[String: JSONValue]` could not keep both;
    /// - numbers whose magnitude overflows a double (`1e400`); numbers that underflow become `0` or a subnormal,
    ///   exactly as in every IEEE reader;
    /// - nesting deeper than ``maximumNestingDepth``.
    ///
    /// An escaped `\u0000` is valid JSON and is accepted here; ``JSONObjectReader`` refuses it where a name is
    /// expected.
    ///
    /// ```swift
    /// let value = try CanonicalJSON.parse(bytes, source: "artifacts/sha256-ab…/manifest.json")
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 document. `[UInt8]`, `ArraySlice<UInt8>`, `Data`, `String.UTF8View` and other
    ///     contiguous collections are read in place; other collections are copied first.
    ///   - source: What the bytes are, usually the file's path relative to the registry root. It starts every
    ///     error message.
    /// - Returns: The document's value.
    /// - Throws: ``RegistryError`` with code ``RegistryError/Code/invalidJSON`` and a message of the form
    ///   `<source>:<line>:<column>: invalid JSON: <what> (byte offset <n>)`. Columns count Unicode scalars
    ///   from 1; lines are separated by `\n`.
    /// - Complexity: O(*n*) in the length of `bytes`, without recursion.
    public static func parse(_ bytes: some Collection<UInt8>, source: String) throws -> JSONValue {
        if let value = try bytes.withContiguousStorageIfAvailable({ buffer in
            var parser = StrictJSONParser(input: buffer, source: source)
            return try parser.parseDocument()
        }) {
            return value
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer in
            var parser = StrictJSONParser(input: buffer, source: source)
            return try parser.parseDocument()
        }
    }

    /// Parses a document and also requires it to be in canonical form already: re-encoding the value must give
    /// back exactly the same bytes.
    ///
    /// Use this for bytes that carry a signature or a content digest, so that a document cannot have two
    /// spellings that mean the same thing (extra whitespace, `1.0` for `1`, unsorted keys, `\/`).
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 document.
    ///   - source: What the bytes are, for error messages.
    /// - Returns: The document's value.
    /// - Throws: ``RegistryError/Code/invalidJSON`` when the bytes do not parse (see ``parse(_:source:)``) or
    ///   are not canonical; the message gives the line, column and byte offset of the first difference.
    /// - Complexity: O(*n* log *n*) for sorting object keys while re-encoding.
    public static func parseCanonical(_ bytes: some Collection<UInt8>, source: String) throws -> JSONValue {
        let input = Array(bytes)
        let value = try parse(input, source: source)
        let canonical = encode(value)
        if canonical != input {
            var offset = 0
            while offset < input.count, offset < canonical.count, input[offset] == canonical[offset] { offset += 1 }
            let expected: String
            if offset < canonical.count {
                var end = min(offset + 24, canonical.count)
                while end < canonical.count, canonical[end] & 0xC0 == 0x80 { end += 1 }
                expected =
                    "canonical form continues with "
                    + String(decoding: canonical[offset..<end], as: UTF8.self).debugDescription
            } else {
                expected = "canonical form ends here"
            }
            throw input.withUnsafeBufferPointer { buffer in
                StrictJSONParser(input: buffer, source: source)
                    .syntaxError("document is not in RFC 8785 canonical form (\(expected))", at: offset)
            }
        }
        return value
    }
}

/// A strict, non-recursive RFC 8259 parser over a byte buffer. See ``CanonicalJSON/parse(_:source:)``.
struct StrictJSONParser {
    private let input: UnsafeBufferPointer<UInt8>
    private let source: String
    private var offset = 0
    /// Reused buffer for strings that contain escapes.
    private var scratch: [UInt8] = []

    init(input: UnsafeBufferPointer<UInt8>, source: String) {
        self.input = input
        self.source = source
    }

    /// An object key waiting for its value, with the byte offset where it starts (for duplicate-key messages).
    private struct PendingKey {
        var key: String
        var offset: Int
    }

    /// One open array or object on the explicit stack. Its pending members live in shared stacks, so an open
    /// container allocates nothing until it closes.
    private struct Frame {
        var isObject: Bool
        /// Where this container's values start in `values`.
        var valueStart: Int
        /// Where this object's keys start in `keys` (unused for arrays).
        var keyStart: Int
    }

    // MARK: Document

    mutating func parseDocument() throws -> JSONValue {
        if input.isEmpty {
            throw syntaxError("empty input; expected a JSON value", at: 0)
        }
        if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF {
            throw syntaxError("UTF-8 byte-order mark (U+FEFF) is not allowed; save the file without a BOM", at: 0)
        }
        skipWhitespace()
        if offset == input.count {
            throw syntaxError("input contains only whitespace; expected a JSON value", at: offset)
        }
        let value = try parseValue()
        skipWhitespace()
        if offset < input.count {
            throw syntaxError(
                "unexpected \(describeByte(at: offset)) after the top-level value; only whitespace may follow"
                    + hint(at: offset),
                at: offset)
        }
        return value
    }

    /// Parses one value, holding open containers on an explicit stack instead of recursing.
    private mutating func parseValue() throws -> JSONValue {
        var stack: [Frame] = []
        stack.reserveCapacity(16)
        // Finished values of every open container, innermost last; and the keys of every open object, each
        // with the byte offset where it starts (for duplicate-key messages).
        var values: [JSONValue] = []
        values.reserveCapacity(64)
        var keys: [PendingKey] = []
        keys.reserveCapacity(64)
        nextValue: while true {
            skipWhitespace()
            guard offset < input.count else {
                throw syntaxError("unexpected end of input; expected a value", at: offset)
            }
            var value: JSONValue
            switch input[offset] {
            case UInt8(ascii: "{"):
                try checkDepth(stack.count)
                offset += 1
                skipWhitespace()
                if offset < input.count, input[offset] == UInt8(ascii: "}") {
                    offset += 1
                    value = .object([:])
                } else {
                    stack.append(Frame(isObject: true, valueStart: values.count, keyStart: keys.count))
                    keys.append(try parseKey(afterCommaAt: nil))
                    continue nextValue
                }
            case UInt8(ascii: "["):
                try checkDepth(stack.count)
                offset += 1
                skipWhitespace()
                if offset < input.count, input[offset] == UInt8(ascii: "]") {
                    offset += 1
                    value = .array([])
                } else {
                    stack.append(Frame(isObject: false, valueStart: values.count, keyStart: keys.count))
                    continue nextValue
                }
            case UInt8(ascii: "\""):
                offset += 1
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            default:
                throw unexpectedValueStart()
            }

            // Attach the finished value to its parent; close every container that ends here.
            while let frame = stack.last {
                values.append(value)
                skipWhitespace()
                if frame.isObject {
                    guard offset < input.count else {
                        throw syntaxError(
                            "unexpected end of input; expected ',' or '}' to continue the object", at: offset)
                    }
                    switch input[offset] {
                    case UInt8(ascii: ","):
                        let commaOffset = offset
                        offset += 1
                        skipWhitespace()
                        keys.append(try parseKey(afterCommaAt: commaOffset))
                        continue nextValue
                    case UInt8(ascii: "}"):
                        offset += 1
                        value = .object(
                            try makeObject(keys: keys[frame.keyStart...], values: values[frame.valueStart...]))
                        keys.removeSubrange(frame.keyStart...)
                        values.removeSubrange(frame.valueStart...)
                        stack.removeLast()
                    default:
                        throw syntaxError(
                            "expected ',' or '}' after an object member, found \(describeByte(at: offset))"
                                + hint(at: offset),
                            at: offset)
                    }
                } else {
                    guard offset < input.count else {
                        throw syntaxError(
                            "unexpected end of input; expected ',' or ']' to continue the array", at: offset)
                    }
                    switch input[offset] {
                    case UInt8(ascii: ","):
                        let commaOffset = offset
                        offset += 1
                        skipWhitespace()
                        if offset < input.count, input[offset] == UInt8(ascii: "]") {
                            throw syntaxError("trailing comma before ']' is not allowed", at: commaOffset)
                        }
                        continue nextValue
                    case UInt8(ascii: "]"):
                        offset += 1
                        value = .array(Array(values[frame.valueStart...]))
                        values.removeSubrange(frame.valueStart...)
                        stack.removeLast()
                    default:
                        throw syntaxError(
                            "expected ',' or ']' after an array element, found \(describeByte(at: offset))"
                                + hint(at: offset),
                            at: offset)
                    }
                }
            }
            return value
        }
    }

    /// Builds an object from its members in document order, refusing the first repeated key.
    private func makeObject(
        keys: ArraySlice<PendingKey>, values: ArraySlice<JSONValue>
    ) throws -> [String: JSONValue] {
        var members = [String: JSONValue](minimumCapacity: keys.count)
        for (member, value) in zip(keys, values) {
            if members.updateValue(value, forKey: member.key) != nil {
                // An update keeps the dictionary's original key, which is the earlier spelling.
                let existing = members.index(forKey: member.key).map { members[$0].key } ?? member.key
                throw duplicateKeyError(member.key, existing: existing, at: member.offset)
            }
        }
        return members
    }

    private func checkDepth(_ openContainers: Int) throws {
        if openContainers >= CanonicalJSON.maximumNestingDepth {
            throw syntaxError(
                "arrays and objects are nested more than \(CanonicalJSON.maximumNestingDepth) levels deep",
                at: offset)
        }
    }

    /// Parses `"key"` and the `:` after it. The offset is at the first non-whitespace byte of the member.
    private mutating func parseKey(afterCommaAt commaOffset: Int?) throws -> PendingKey {
        let keyOffset = offset
        guard offset < input.count else {
            throw syntaxError("unexpected end of input; expected a string key", at: offset)
        }
        guard input[offset] == UInt8(ascii: "\"") else {
            if let commaOffset, input[offset] == UInt8(ascii: "}") {
                throw syntaxError("trailing comma before '}' is not allowed", at: commaOffset)
            }
            throw syntaxError(
                "expected a double-quoted string key, found \(describeByte(at: offset))" + hint(at: offset),
                at: offset)
        }
        offset += 1
        let key = try parseString()
        skipWhitespace()
        guard offset < input.count else {
            throw syntaxError("unexpected end of input; expected ':' after the object key", at: offset)
        }
        guard input[offset] == UInt8(ascii: ":") else {
            throw syntaxError(
                "expected ':' after the object key, found \(describeByte(at: offset))" + hint(at: offset), at: offset)
        }
        offset += 1
        return PendingKey(key: key, offset: keyOffset)
    }

    private func duplicateKeyError(_ key: String, existing: String, at keyOffset: Int) -> RegistryError {
        if key.utf8.elementsEqual(existing.utf8) {
            return syntaxError("duplicate key \(JSONValue.quotedForMessage(key)) in object", at: keyOffset)
        }
        return syntaxError(
            "duplicate key \(JSONValue.quotedForMessage(key)) in object: it is canonically equivalent to the earlier "
                + "key \(JSONValue.quotedForMessage(existing)) (same text in another Unicode normalization)",
            at: keyOffset)
    }

    // MARK: Whitespace and literals

    private mutating func skipWhitespace() {
        while offset < input.count {
            switch input[offset] {
            case 0x20, 0x09, 0x0A, 0x0D:
                offset += 1
            default:
                return
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let start = offset
        let count = literal.utf8CodeUnitCount
        var matches = start + count <= input.count
        if matches {
            let pointer = literal.utf8Start
            for index in 0..<count where input[start + index] != pointer[index] {
                matches = false
                break
            }
        }
        guard matches else {
            throw syntaxError("invalid literal; expected '\(literal)'", at: start)
        }
        offset += count
    }

    private func unexpectedValueStart() -> RegistryError {
        let byte = input[offset]
        let problem: String
        switch byte {
        case UInt8(ascii: "+"):
            problem = "numbers must not start with '+'"
        case UInt8(ascii: "."):
            problem = "numbers must start with a digit (write 0.5, not .5)"
        case UInt8(ascii: "N") where hasPrefix("NaN"):
            problem = "NaN is not a JSON number"
        case UInt8(ascii: "I") where hasPrefix("Infinity"):
            problem = "Infinity is not a JSON number"
        case UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: ":"):
            problem = "unexpected \(describeByte(at: offset)); expected a value"
        default:
            problem =
                "unexpected \(describeByte(at: offset)); expected a value (object, array, string, number, true, "
                + "false or null)" + hint(at: offset)
        }
        return syntaxError(problem, at: offset)
    }

    private func hasPrefix(_ text: String) -> Bool {
        var index = offset
        for byte in text.utf8 {
            guard index < input.count, input[index] == byte else { return false }
            index += 1
        }
        return true
    }

    // MARK: Strings

    /// Parses a string body; the offset is just past the opening quote. Returns the unescaped text.
    private mutating func parseString() throws -> String {
        let openingQuote = offset - 1
        let start = offset
        // Fast path: no escapes, so the string is a slice of the input. Skip plain ASCII eight bytes at a time.
        skipPlainASCII()
        while offset < input.count {
            let byte = input[offset]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<offset]), as: UTF8.self)
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw controlCharacterError() }
            if byte < 0x80 {
                offset += 1
            } else {
                try validateUTF8Sequence()
            }
        }
        guard offset < input.count else { throw unterminatedString(openingQuote) }

        // Slow path: copy what we have, then unescape into the scratch buffer.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[start..<offset]))
        while offset < input.count {
            let byte = input[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                let scalar = try parseEscape()
                StrictJSONParser.appendUTF8(scalar, to: &scratch)
            case 0..<0x20:
                throw controlCharacterError()
            case 0..<0x80:
                scratch.append(byte)
                offset += 1
            default:
                let sequenceStart = offset
                try validateUTF8Sequence()
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[sequenceStart..<offset]))
            }
        }
        throw unterminatedString(openingQuote)
    }

    /// Advances over whole 8-byte words that contain only printable ASCII other than `"` and `\`.
    ///
    /// Each test below sets the high bit of a byte's lane when that byte needs attention: non-ASCII, a control
    /// character, a quote or a backslash. Borrows can only produce extra flags after a real one, and the byte
    /// loop that follows re-examines everything from the stopping word on, so no byte is ever judged here alone.
    @inline(__always)
    private mutating func skipPlainASCII() {
        guard let base = input.baseAddress else { return }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        while offset + 8 <= input.count {
            let word = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
            let control = (word &- ones &* 0x20) & ~word
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let flags = (word | control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highBits
            if flags != 0 { return }
            offset += 8
        }
    }

    private func unterminatedString(_ openingQuote: Int) -> RegistryError {
        syntaxError("unterminated string: no closing '\"' before the end of input", at: openingQuote)
    }

    private func controlCharacterError() -> RegistryError {
        let byte = input[offset]
        let escape: String
        switch byte {
        case 0x08: escape = "\\b"
        case 0x09: escape = "\\t"
        case 0x0A: escape = "\\n"
        case 0x0C: escape = "\\f"
        case 0x0D: escape = "\\r"
        default: escape = "\\u00" + StrictJSONParser.hex(byte)
        }
        return syntaxError(
            "unescaped control character U+00\(StrictJSONParser.hex(byte, uppercase: true)) in string; "
                + "write it as \(escape)",
            at: offset)
    }

    /// Parses one escape sequence; the offset is at the backslash. Returns the Unicode scalar value.
    private mutating func parseEscape() throws -> UInt32 {
        let escapeStart = offset
        guard offset + 1 < input.count else {
            throw syntaxError("unterminated escape sequence at the end of input", at: escapeStart)
        }
        let letter = input[offset + 1]
        offset += 2
        switch letter {
        case UInt8(ascii: "\""): return 0x22
        case UInt8(ascii: "\\"): return 0x5C
        case UInt8(ascii: "/"): return 0x2F
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: escapeStart)
            switch unit {
            case 0xD800...0xDBFF:
                guard offset + 1 < input.count, input[offset] == UInt8(ascii: "\\"),
                    input[offset + 1] == UInt8(ascii: "u")
                else {
                    throw syntaxError(
                        "unpaired surrogate: \\u\(StrictJSONParser.hex4(unit)) (a high surrogate) must be followed "
                            + "by a \\uDC00–\\uDFFF escape",
                        at: escapeStart)
                }
                let lowStart = offset
                offset += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw syntaxError(
                        "unpaired surrogate: \\u\(StrictJSONParser.hex4(unit)) is followed by "
                            + "\\u\(StrictJSONParser.hex4(low)), which is not a low surrogate (\\uDC00–\\uDFFF)",
                        at: lowStart)
                }
                return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            case 0xDC00...0xDFFF:
                throw syntaxError(
                    "unpaired surrogate: \\u\(StrictJSONParser.hex4(unit)) is a low surrogate without a preceding "
                        + "high surrogate",
                    at: escapeStart)
            default:
                return unit
            }
        default:
            offset = escapeStart
            throw syntaxError(
                "invalid escape sequence: backslash followed by \(describeByte(at: escapeStart + 1)); valid escapes "
                    + "are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
                at: escapeStart)
        }
    }

    /// Reads the four hex digits after `\u`.
    private mutating func parseHex4(escapeStart: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard offset < input.count, let digit = StrictJSONParser.hexDigitValue(input[offset]) else {
                throw syntaxError("invalid \\u escape: expected four hexadecimal digits after \\u", at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    private static func hexDigitValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            buffer.append(UInt8(scalar))
        case 0x80..<0x800:
            buffer.append(UInt8(0xC0 | (scalar >> 6)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            buffer.append(UInt8(0xE0 | (scalar >> 12)))
            buffer.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            buffer.append(UInt8(0xF0 | (scalar >> 18)))
            buffer.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            buffer.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    // MARK: UTF-8

    /// Validates one multi-byte UTF-8 sequence starting at the offset (a byte ≥ 0x80) and moves past it.
    ///
    /// Accepts exactly the well-formed sequences of Unicode Table 3-7; everything else gets a specific message.
    private mutating func validateUTF8Sequence() throws {
        let start = offset
        let lead = input[start]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x80...0xBF:
            throw syntaxError(
                "invalid UTF-8: unexpected continuation byte 0x\(StrictJSONParser.hex(lead, uppercase: true)) "
                    + "without a lead byte",
                at: start)
        case 0xC0, 0xC1:
            throw syntaxError(
                "invalid UTF-8: overlong encoding (lead byte 0x\(StrictJSONParser.hex(lead, uppercase: true)))",
                at: start)
        case 0xC2...0xDF:
            length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F
        case 0xE1...0xEF:
            length = 3
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3:
            length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F
        case 0xF5...0xF7:
            throw syntaxError(
                "invalid UTF-8: lead byte 0x\(StrictJSONParser.hex(lead, uppercase: true)) encodes a code point "
                    + "above U+10FFFF",
                at: start)
        default:
            throw syntaxError(
                "invalid UTF-8: byte 0x\(StrictJSONParser.hex(lead, uppercase: true)) never occurs in UTF-8",
                at: start)
        }
        for index in 1..<length {
            let position = start + index
            guard position < input.count, input[position] & 0xC0 == 0x80 else {
                throw syntaxError(
                    "invalid UTF-8: truncated sequence; lead byte 0x\(StrictJSONParser.hex(lead, uppercase: true)) "
                        + "needs \(length - 1) continuation byte\(length == 2 ? "" : "s")",
                    at: start)
            }
            if index == 1, !secondRange.contains(input[position]) {
                let second = input[position]
                let problem: String
                switch lead {
                case 0xE0, 0xF0: problem = "overlong encoding"
                case 0xED: problem = "a UTF-16 surrogate (U+D800–U+DFFF) encoded in UTF-8"
                default: problem = "a code point above U+10FFFF"
                }
                throw syntaxError(
                    "invalid UTF-8: \(problem) (bytes 0x\(StrictJSONParser.hex(lead, uppercase: true)) "
                        + "0x\(StrictJSONParser.hex(second, uppercase: true)))",
                    at: start)
            }
        }
        offset = start + length
    }

    /// Decodes the well-formed UTF-8 scalar at `position`, or `nil` if the bytes there are not one.
    private func scalar(at position: Int) -> Unicode.Scalar? {
        var copy = self
        copy.offset = position
        guard (try? copy.validateUTF8Sequence()) != nil else { return nil }
        var decoder = UTF8()
        var iterator = UnsafeBufferPointer(rebasing: input[position..<copy.offset]).makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return nil
    }

    // MARK: Numbers

    /// Parses a number; the offset is at `-` or a digit.
    private mutating func parseNumber() throws -> JSONNumber {
        let start = offset
        if input[offset] == UInt8(ascii: "-") {
            offset += 1
            guard offset < input.count, isDigit(input[offset]) else {
                if hasPrefix("Infinity") {
                    throw syntaxError("-Infinity is not a JSON number", at: start)
                }
                throw syntaxError("expected a digit after '-'", at: start)
            }
        }
        if input[offset] == UInt8(ascii: "0") {
            offset += 1
            if offset < input.count, isDigit(input[offset]) {
                throw syntaxError("leading zeros are not allowed in numbers", at: start)
            }
        } else {
            while offset < input.count, isDigit(input[offset]) { offset += 1 }
        }
        var isPlainInteger = true
        if offset < input.count, input[offset] == UInt8(ascii: ".") {
            isPlainInteger = false
            offset += 1
            guard offset < input.count, isDigit(input[offset]) else {
                throw syntaxError("expected a digit after the decimal point (write 1.0 or 1, not 1.)", at: start)
            }
            while offset < input.count, isDigit(input[offset]) { offset += 1 }
        }
        if offset < input.count, input[offset] == UInt8(ascii: "e") || input[offset] == UInt8(ascii: "E") {
            isPlainInteger = false
            offset += 1
            if offset < input.count, input[offset] == UInt8(ascii: "+") || input[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            guard offset < input.count, isDigit(input[offset]) else {
                throw syntaxError("expected a digit in the exponent", at: start)
            }
            while offset < input.count, isDigit(input[offset]) { offset += 1 }
        }
        let lexeme = UnsafeBufferPointer(rebasing: input[start..<offset])
        let literal = String(decoding: lexeme, as: UTF8.self)
        if isPlainInteger, let integer = JSONNumber.plainIntegerValue(lexeme) {
            // Int64 -> Double conversion rounds to nearest, exactly like parsing the decimal text would.
            let double = integer == 0 && lexeme.first == UInt8(ascii: "-") ? -0.0 : Double(integer)
            return JSONNumber(uncheckedLiteral: literal, doubleValue: double, integerValue: integer)
        }
        guard let double = Double(literal), double.isFinite else {
            throw syntaxError("number \(literal) is too large in magnitude for a 64-bit double", at: start)
        }
        return JSONNumber(uncheckedLiteral: literal, doubleValue: double, integerValue: nil)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: Errors

    /// Builds an `.invalidJSON` error whose message names the source, line, column and byte offset.
    func syntaxError(_ problem: String, at position: Int) -> RegistryError {
        let end = min(position, input.count)
        var line = 1
        var lineStart = 0
        for index in 0..<end where input[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        var column = 1
        for index in lineStart..<end where input[index] & 0xC0 != 0x80 {
            column += 1
        }
        return RegistryError(
            .invalidJSON, "\(source):\(line):\(column): invalid JSON: \(problem) (byte offset \(position))")
    }

    /// Describes the byte at `position` for a message: `'x'`, `control character U+000A`, `'é' (U+00E9)`,
    /// `byte 0xFF (invalid UTF-8)` or `end of input`.
    private func describeByte(at position: Int) -> String {
        guard position < input.count else { return "end of input" }
        let byte = input[position]
        switch byte {
        case 0..<0x20, 0x7F:
            return "control character U+00\(StrictJSONParser.hex(byte, uppercase: true))"
        case 0x20:
            return "' '"
        case 0x21..<0x7F:
            return "'\(Character(Unicode.Scalar(byte)))'"
        default:
            if let scalar = scalar(at: position) {
                let hexValue = String(scalar.value, radix: 16, uppercase: true)
                let padded = String(repeating: "0", count: max(0, 4 - hexValue.count)) + hexValue
                return "'\(Character(scalar))' (U+\(padded))"
            }
            return "byte 0x\(StrictJSONParser.hex(byte, uppercase: true)) (invalid UTF-8)"
        }
    }

    /// Extra advice for characters that usually mean the author wrote JSON5 or JavaScript.
    private func hint(at position: Int) -> String {
        guard position < input.count else { return "" }
        switch input[position] {
        case UInt8(ascii: "/"), UInt8(ascii: "#"): return "; comments are not allowed in JSON"
        case UInt8(ascii: "'"): return "; strings must use double quotes, not single quotes"
        case UInt8(ascii: "T"), UInt8(ascii: "F"), UInt8(ascii: "N"):
            return "; the literals true, false and null are lowercase"
        default: return ""
        }
    }

    static func hex(_ byte: UInt8, uppercase: Bool = false) -> String {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }

    private static func hex4(_ value: UInt32) -> String {
        hex(UInt8(truncatingIfNeeded: value >> 8), uppercase: true)
            + hex(UInt8(truncatingIfNeeded: value), uppercase: true)
    }
}
