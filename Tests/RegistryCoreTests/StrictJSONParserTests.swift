import Foundation
import RegistryCore
import Testing

/// One input the strict parser must refuse, with where and why.
struct RejectionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    /// A fragment the message must contain.
    var problem: String
    /// Expected `line:column` of the error.
    var position: String

    init(_ name: String, _ text: String, _ problem: String, at position: String) {
        self.init(name, Array(text.utf8), problem, at: position)
    }

    init(_ name: String, _ bytes: [UInt8], _ problem: String, at position: String) {
        self.name = name
        self.bytes = bytes
        self.problem = problem
        self.position = position
    }

    var testDescription: String { name }
}

/// Bytes of `text` with `raw` spliced in place of each `•`, for invalid UTF-8 that a Swift string cannot hold.
private func bytes(_ text: String, _ raw: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    for byte in text.utf8 {
        if byte == 0x7E {  // "~" marks the splice point
            result.append(contentsOf: raw)
        } else {
            result.append(byte)
        }
    }
    return result
}

private let rejectionCases: [RejectionCase] = [
    // Input framing
    RejectionCase("emptyInput", "", "empty input", at: "1:1"),
    RejectionCase("whitespaceOnly", " \n\t", "only whitespace", at: "2:2"),
    RejectionCase("byteOrderMark", [0xEF, 0xBB, 0xBF] + Array("{}".utf8), "byte-order mark", at: "1:1"),
    RejectionCase("trailingValue", "{} x", "after the top-level value", at: "1:4"),
    RejectionCase("twoValues", "1 2", "after the top-level value", at: "1:3"),
    RejectionCase("extraCloser", "[]]", "after the top-level value", at: "1:3"),
    RejectionCase("trailingNUL", "{}\u{0}", "after the top-level value", at: "1:3"),
    // Structure
    RejectionCase("trailingCommaInArray", "[1,2,]", "trailing comma before ']'", at: "1:5"),
    RejectionCase("trailingCommaInObject", "{\"a\":1,}", "trailing comma before '}'", at: "1:7"),
    RejectionCase("leadingComma", "[,1]", "unexpected ','", at: "1:2"),
    RejectionCase("missingComma", "[1 2]", "expected ',' or ']'", at: "1:4"),
    RejectionCase("missingColon", "{\"a\" 1}", "expected ':'", at: "1:6"),
    RejectionCase("missingValue", "{\"a\":}", "unexpected '}'", at: "1:6"),
    RejectionCase("numericKey", "{1:2}", "expected a double-quoted string key", at: "1:2"),
    RejectionCase("unterminatedArray", "[1,2", "unexpected end of input", at: "1:5"),
    RejectionCase("unterminatedObject", "{\"a\":1", "unexpected end of input", at: "1:7"),
    RejectionCase("unterminatedString", "[\"abc", "unterminated string", at: "1:2"),
    RejectionCase("duplicateKey", "{\"a\":1,\"a\":2}", "duplicate key \"a\"", at: "1:8"),
    RejectionCase("duplicateKeyAfterUnescaping", "{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\"", at: "1:8"),
    RejectionCase(
        "duplicateKeyInNestedObject", "[{\"x\":{\"k\":1,\"b\":2,\"k\":3}}]", "duplicate key \"k\"", at: "1:20"),
    RejectionCase(
        "duplicateKeyCanonicallyEquivalent", "{\"\u{E9}\":1,\"e\u{301}\":2}", "canonically equivalent", at: "1:8"),
    // Things JSON5 and JavaScript allow
    RejectionCase("lineComment", "// note\n{}", "comments are not allowed", at: "1:1"),
    RejectionCase("blockCommentInArray", "[1 /* two */]", "comments are not allowed", at: "1:4"),
    RejectionCase("hashComment", "{\"a\":1 # c\n}", "comments are not allowed", at: "1:8"),
    RejectionCase("singleQuotedString", "['a']", "double quotes", at: "1:2"),
    RejectionCase("singleQuotedKey", "{'a':1}", "double quotes", at: "1:2"),
    RejectionCase("unquotedKey", "{a:1}", "expected a double-quoted string key", at: "1:2"),
    RejectionCase("nan", "[NaN]", "NaN is not a JSON number", at: "1:2"),
    RejectionCase("infinity", "Infinity", "Infinity is not a JSON number", at: "1:1"),
    RejectionCase("negativeInfinity", "[-Infinity]", "-Infinity is not a JSON number", at: "1:2"),
    RejectionCase("capitalisedLiteral", "True", "lowercase", at: "1:1"),
    RejectionCase("truncatedLiteral", "[tru]", "expected 'true'", at: "1:2"),
    RejectionCase("misspeltNull", "nul", "expected 'null'", at: "1:1"),
    RejectionCase("verticalTabWhitespace", "[\u{0B}1]", "control character U+000B", at: "1:2"),
    RejectionCase("noBreakSpaceWhitespace", "[\u{A0}1]", "U+00A0", at: "1:2"),
    // Numbers
    RejectionCase("leadingZero", "01", "leading zeros", at: "1:1"),
    RejectionCase("negativeLeadingZero", "[-012]", "leading zeros", at: "1:2"),
    RejectionCase("leadingPlus", "+1", "must not start with '+'", at: "1:1"),
    RejectionCase("leadingDecimalPoint", ".5", "must start with a digit", at: "1:1"),
    RejectionCase("trailingDecimalPoint", "[1.]", "after the decimal point", at: "1:2"),
    RejectionCase("emptyExponent", "1e", "in the exponent", at: "1:1"),
    RejectionCase("signOnlyExponent", "1e+", "in the exponent", at: "1:1"),
    RejectionCase("bareMinus", "[-]", "expected a digit after '-'", at: "1:2"),
    RejectionCase("hexNumber", "0x10", "after the top-level value", at: "1:2"),
    RejectionCase("overflowingNumber", "[1e400]", "too large", at: "1:2"),
    RejectionCase("overflowingNegativeNumber", "{\"x\": -1e400}", "too large", at: "1:7"),
    RejectionCase("justAboveMaximumDouble", "1.7976931348623159e308", "too large", at: "1:1"),
    // Strings: control characters and escapes
    RejectionCase("rawNewlineInString", "\"a\nb\"", "unescaped control character U+000A", at: "1:3"),
    RejectionCase("rawTabInString", "[\"a\tb\"]", "unescaped control character U+0009", at: "1:4"),
    RejectionCase("rawNULInString", "\"a\u{0}\"", "unescaped control character U+0000", at: "1:3"),
    RejectionCase("invalidEscape", "\"\\x\"", "invalid escape sequence", at: "1:2"),
    RejectionCase("upperCaseUEscape", "\"\\U0041\"", "invalid escape sequence", at: "1:2"),
    RejectionCase("shortUnicodeEscape", "\"\\u12\"", "four hexadecimal digits", at: "1:2"),
    RejectionCase("nonHexUnicodeEscape", "\"\\u12G4\"", "four hexadecimal digits", at: "1:2"),
    RejectionCase("escapeAtEndOfInput", "\"\\", "unterminated escape", at: "1:2"),
    // Surrogate escapes
    RejectionCase("loneHighSurrogate", "\"\\uD800\"", "unpaired surrogate", at: "1:2"),
    RejectionCase("highSurrogateThenText", "\"\\uD83Dx\"", "unpaired surrogate", at: "1:2"),
    RejectionCase("highSurrogateThenNonSurrogate", "\"\\uD83D\\u0041\"", "not a low surrogate", at: "1:8"),
    RejectionCase("twoHighSurrogates", "\"\\uD83D\\uD83D\"", "not a low surrogate", at: "1:8"),
    RejectionCase("loneLowSurrogate", "\"\\uDC00\"", "low surrogate without a preceding high", at: "1:2"),
    RejectionCase("reversedSurrogatePair", "\"\\uDE00\\uD83D\"", "low surrogate without a preceding high", at: "1:2"),
    RejectionCase("loneSurrogateInKey", "{\"\\uDFFF\":1}", "unpaired surrogate", at: "1:3"),
    // Invalid UTF-8
    RejectionCase("overlongSlash", bytes("\"~\"", [0xC0, 0xAF]), "overlong", at: "1:2"),
    RejectionCase("overlongC1", bytes("\"~\"", [0xC1, 0xBF]), "overlong", at: "1:2"),
    RejectionCase("overlongThreeByte", bytes("\"~\"", [0xE0, 0x80, 0xAF]), "overlong", at: "1:2"),
    RejectionCase("overlongFourByte", bytes("\"~\"", [0xF0, 0x80, 0x80, 0xAF]), "overlong", at: "1:2"),
    RejectionCase("encodedHighSurrogate", bytes("\"a~\"", [0xED, 0xA0, 0x80]), "surrogate", at: "1:3"),
    RejectionCase("encodedLowSurrogate", bytes("\"~\"", [0xED, 0xBF, 0xBF]), "surrogate", at: "1:2"),
    RejectionCase("aboveMaximumCodePoint", bytes("\"~\"", [0xF4, 0x90, 0x80, 0x80]), "above U+10FFFF", at: "1:2"),
    RejectionCase("leadByteF5", bytes("\"~\"", [0xF5, 0x80, 0x80, 0x80]), "above U+10FFFF", at: "1:2"),
    RejectionCase("byteFF", bytes("\"~\"", [0xFF]), "never occurs in UTF-8", at: "1:2"),
    RejectionCase("strayContinuationByte", bytes("\"ab~\"", [0x80]), "continuation byte", at: "1:4"),
    RejectionCase("truncatedSequence", bytes("\"~\"", [0xE2, 0x82]), "truncated", at: "1:2"),
    RejectionCase("truncatedAtEndOfInput", bytes("\"~", [0xF0, 0x9F, 0x98]), "truncated", at: "1:2"),
    RejectionCase("invalidUTF8InKey", bytes("{\"~\":1}", [0xC3]), "truncated", at: "1:3"),
    RejectionCase("invalidUTF8InEscapedString", bytes("\"\\n~\"", [0xC0, 0x80]), "overlong", at: "1:4"),
    RejectionCase("invalidUTF8OutsideString", bytes("[1,~]", [0xFF]), "invalid UTF-8", at: "1:4"),
    RejectionCase("byteOrderMarkInsideDocument", bytes("[~1]", [0xEF, 0xBB, 0xBF]), "U+FEFF", at: "1:2"),
    // Positions on later lines
    RejectionCase("positionOnThirdLine", "{\n  \"a\": 1,\n  \"b\": tru\n}", "expected 'true'", at: "3:8"),
    RejectionCase("columnsCountScalarsNotBytes", "[\"é€😀\", x]", "unexpected 'x'", at: "1:9"),
    RejectionCase("crlfLineEndings", "[\r\n1,\r\n]", "trailing comma", at: "2:2"),
]

@Suite struct StrictJSONParserTests {
    static let source = "artifacts/sha256-ab12/manifest.json"

    // MARK: Rejections

    @Test(arguments: rejectionCases)
    func rejectsWithSourceAndPosition(_ rejection: RejectionCase) throws {
        let error = #expect(throws: RegistryError.self) {
            try CanonicalJSON.parse(rejection.bytes, source: Self.source)
        }
        let unwrapped = try #require(error)
        #expect(unwrapped.code == .invalidJSON)
        #expect(
            unwrapped.message.hasPrefix("\(Self.source):\(rejection.position): invalid JSON: "),
            "message was: \(unwrapped.message)")
        #expect(unwrapped.message.contains(rejection.problem), "message was: \(unwrapped.message)")
        #expect(unwrapped.message.contains("(byte offset "), "message was: \(unwrapped.message)")
    }

    @Test func errorMatchesCodePattern() {
        do {
            _ = try CanonicalJSON.parse(Array("[1,]".utf8), source: "x.json")
            Issue.record("expected an error")
        } catch RegistryError.Code.invalidJSON {
            // expected
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = CanonicalJSON.maximumNestingDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try CanonicalJSON.parse(text.utf8, source: "deep.json")
        var levels = 0
        while case .array(let elements) = value {
            levels += 1
            guard let first = elements.first else { break }
            value = first
        }
        #expect(levels == depth)
    }

    @Test func nestingBeyondTheLimitIsRejected() throws {
        let depth = CanonicalJSON.maximumNestingDepth + 1
        let text = String(repeating: "{\"a\":", count: depth - 1) + "[]" + String(repeating: "}", count: depth - 1)
        let error = try #require(
            #expect(throws: RegistryError.self) { try CanonicalJSON.parse(text.utf8, source: "deep.json") })
        #expect(error.code == .invalidJSON)
        #expect(error.message.hasPrefix("deep.json:1:\(5 * (depth - 1) + 1): invalid JSON: "), "\(error.message)")
        #expect(error.message.contains("nested more than 512 levels"))
    }

    @Test func hostileNestingFailsWithoutExhaustingTheStack() throws {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        let error = try #require(
            #expect(throws: RegistryError.self) { try CanonicalJSON.parse(bytes, source: "bomb.json") })
        #expect(error.message.contains("nested more than"))
    }

    // MARK: Acceptance

    @Test func parsesEveryKindOfValue() throws {
        let text = """
            {"null": null, "t": true, "f": false, "int": -42, "frac": 0.5, "exp": 2.5E-3,
             "string": "plain", "array": [1, [2, []], {}], "object": {"nested": {"deep": "yes"}}}
            """
        let value = try CanonicalJSON.parse(text.utf8, source: "all.json")
        let expected: JSONValue = [
            "null": .null, "t": true, "f": false, "int": -42, "frac": 0.5, "exp": 0.0025,
            "string": "plain", "array": [1, [2, []], [:]], "object": ["nested": ["deep": "yes"]],
        ]
        #expect(value == expected)
        #expect(value.objectValue?["int"]?.numberValue?.literal == "-42")
        #expect(value.objectValue?["exp"]?.numberValue?.literal == "2.5E-3")
    }

    @Test func acceptsScalarTopLevelValuesAndAllFourWhitespaceCharacters() throws {
        #expect(try CanonicalJSON.parse(" \t\r\n\"x\" \t\r\n".utf8, source: "s") == .string("x"))
        #expect(try CanonicalJSON.parse("null".utf8, source: "s") == .null)
        #expect(try CanonicalJSON.parse("false".utf8, source: "s") == .bool(false))
        #expect(try CanonicalJSON.parse("0".utf8, source: "s") == .number(0))
        #expect(try CanonicalJSON.parse("-0.0e+0".utf8, source: "s") == .number(0))
    }

    @Test func decodesEveryEscape() throws {
        let value = try CanonicalJSON.parse(
            #""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \ud83d\ude00 \uFFFF""#.utf8, source: "escapes.json")
        #expect(value == .string("\" \\ / \u{8} \u{C} \n \r \t A é € 😀 \u{FFFF}"))
    }

    @Test func escapedNULIsValidJSON() throws {
        let value = try CanonicalJSON.parse(#"{"name":"a\u0000b"}"#.utf8, source: "nul.json")
        #expect(value.objectValue?["name"]?.stringValue == "a\u{0}b")
        #expect(value.objectValue?["name"]?.stringValue?.utf8.count == 3)
    }

    @Test func keepsRawUTF8AndNoncharactersIntact() throws {
        let text = "[\"é\", \"e\u{301}\", \"\u{10FFFF}\", \"\u{FFFE}\", \"\u{7F}\"]"
        let value = try CanonicalJSON.parse(text.utf8, source: "u.json")
        guard case .array(let elements) = value else {
            Issue.record("not an array")
            return
        }
        #expect(
            elements.map { Array($0.stringValue?.utf8 ?? "".utf8) } == [
                [0xC3, 0xA9], [0x65, 0xCC, 0x81], [0xF4, 0x8F, 0xBF, 0xBF], [0xEF, 0xBF, 0xBE], [0x7F],
            ])
        // Canonically equivalent strings are different JSON values.
        #expect(elements[0] != elements[1])
    }

    @Test func distinctKeysThatDifferOnlyByEscapingStillCollide() throws {
        // "\/" and "/" are the same key.
        let error = try #require(
            #expect(throws: RegistryError.self) {
                try CanonicalJSON.parse(#"{"a/b":1,"a\/b":2}"#.utf8, source: "k.json")
            })
        #expect(error.message.contains("duplicate key \"a/b\""))
    }

    @Test func acceptsEveryInputCollectionType() throws {
        let text = #"{"a":[1,"x"]}"#
        let expected: JSONValue = ["a": [1, "x"]]
        #expect(try CanonicalJSON.parse(Array(text.utf8), source: "a") == expected)
        #expect(try CanonicalJSON.parse(Array(("  " + text).utf8)[2...], source: "a") == expected)
        #expect(try CanonicalJSON.parse(Data(text.utf8), source: "a") == expected)
        #expect(try CanonicalJSON.parse(text.utf8, source: "a") == expected)
        // A non-contiguous collection takes the copying path.
        #expect(try CanonicalJSON.parse(Array(text.utf8).lazy.map { $0 }, source: "a") == expected)
        let fromRawBuffer = try Array(text.utf8).withUnsafeBytes { raw in
            try CanonicalJSON.parse(raw, source: "a")
        }
        #expect(fromRawBuffer == expected)
    }

    @Test func parsesALargeManifest() throws {
        // About 1 MB: the size of a manifest listing ~8000 files.
        var text = #"{"name":"big","files":["#
        for index in 0..<8000 {
            if index > 0 { text += "," }
            text += #"{"path":"shards/part-\#(index).bin","size":\#(index * 4096),"#
            text += #""digest":"sha256:\#(String(repeating: "ab", count: 32))","labels":{"é":"\u00e9 \#(index)"}}"#
        }
        text += "]}"
        let bytes = Array(text.utf8)
        #expect(bytes.count > 900_000)
        let value = try CanonicalJSON.parse(bytes, source: "big.json")
        let files = try #require(value.objectValue?["files"]?.arrayValue)
        #expect(files.count == 8000)
        #expect(files[7999].objectValue?["size"]?.numberValue?.integerValue == Int64(7999 * 4096))
        // Speed is measured by the benchmarks, never asserted in unit tests.
    }
}

@Suite struct JSONNumberTests {
    @Test(arguments: [
        ("0", Int64(0)), ("-0", 0), ("1", 1), ("-1", -1), ("4096", 4096),
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
    ])
    func plainIntegerLexemesHaveAnIntegerValue(_ literal: String, _ expected: Int64) throws {
        let number = try #require(JSONNumber(literal: literal))
        #expect(number.integerValue == expected)
        #expect(number.literal == literal)
    }

    @Test(arguments: ["1.0", "1e2", "1E0", "-0.0", "0.5", "9223372036854775808", "-9223372036854775809", "1e-2"])
    func nonIntegerLexemesHaveNoIntegerValue(_ literal: String) throws {
        let number = try #require(JSONNumber(literal: literal))
        #expect(number.integerValue == nil)
    }

    @Test(arguments: [
        "", " 1", "1 ", "+1", "01", ".5", "1.", "1e", "NaN", "Infinity", "-", "1e400", "\"1\"", "[1]", "0x1",
    ])
    func literalInitializerRefusesAnythingButOneStrictNumber(_ literal: String) {
        #expect(JSONNumber(literal: literal) == nil)
    }

    @Test func doubleInitializerRefusesNonFiniteValues() {
        #expect(JSONNumber(Double.nan) == nil)
        #expect(JSONNumber(Double.infinity) == nil)
        #expect(JSONNumber(-Double.infinity) == nil)
        #expect(JSONNumber(Double.signalingNaN) == nil)
    }

    @Test func doubleInitializerUsesTheCanonicalLiteral() throws {
        let one = try #require(JSONNumber(1.0))
        #expect(one.literal == "1")
        #expect(one.integerValue == 1)
        let negativeZero = try #require(JSONNumber(-0.0))
        #expect(negativeZero.literal == "0")
        #expect(negativeZero.doubleValue.sign == .plus)
        let big = try #require(JSONNumber(1e21))
        #expect(big.literal == "1e+21")
        #expect(big.integerValue == nil)
        #expect(try #require(JSONNumber(0.1)).literal == "0.1")
    }

    @Test func equalityIsByValue() throws {
        #expect(try #require(JSONNumber(literal: "1.0")) == JSONNumber(1))
        #expect(try #require(JSONNumber(literal: "1e2")) == JSONNumber(100))
        #expect(try #require(JSONNumber(literal: "-0")) == JSONNumber(0))
        #expect(try #require(JSONNumber(literal: "-0")).hashValue == JSONNumber(0).hashValue)
        #expect(try #require(JSONNumber(literal: "0.1")) != JSONNumber(0))
    }

    @Test func parsedNegativeZeroKeepsItsSignInTheDoubleValue() throws {
        let number = try #require(JSONNumber(literal: "-0"))
        #expect(number.doubleValue == 0)
        #expect(number.doubleValue.sign == .minus)
        #expect(number.canonicalLiteral == "0")
    }

    @Test func integersBeyondTwoToTheFiftyThirdKeepTheirLexemeButCanonicaliseAsDoubles() throws {
        let number = try #require(JSONNumber(literal: "9007199254740993"))
        #expect(number.integerValue == 9_007_199_254_740_993)
        #expect(number.doubleValue == 9_007_199_254_740_992)
        #expect(number.canonicalLiteral == "9007199254740992")
        #expect(JSONNumber(Int64.max).canonicalLiteral == "9223372036854776000")
    }
}
