import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

private let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .appendingPathComponent("Fixtures/canonical-json")

private func fixture(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: fixturesDirectory.appendingPathComponent(name)))
}

/// Lines of a fixture table, without comments and blank lines, split at the first space.
private func fixtureTable(_ name: String) throws -> [(String, String)] {
    let text = String(decoding: try fixture(name), as: UTF8.self)
    return text.split(separator: "\n").compactMap { line in
        guard !line.hasPrefix("#"), let space = line.firstIndex(of: " ") else { return nil }
        return (String(line[..<space]), String(line[line.index(after: space)...]))
    }
}

private func text(_ bytes: [UInt8]) -> String {
    String(decoding: bytes, as: UTF8.self)
}

// MARK: - Random documents

/// Scalars chosen to hit every encoder and parser branch: controls, quotes, `/`, DEL, combining marks,
/// U+2028, the U+E000–U+FFFF block and supplementary planes.
private let scalarPool: [Unicode.Scalar] = {
    var pool: [Unicode.Scalar] = (0x00...0x1F).compactMap(Unicode.Scalar.init)
    pool += [
        "\"", "\\", "/", "\u{7F}", "a", "z", "A", "0", " ", "é", "\u{301}", "ö", "€", "\u{2028}", "\u{E000}",
        "\u{FB33}", "\u{FFFD}", "\u{FFFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}", "中", "\u{80}", "\u{7FF}",
    ]
    return pool
}()

private func randomString(_ rng: inout SplitMix64) -> String {
    var scalars = String.UnicodeScalarView()
    for _ in 0..<Int.random(in: 0...8, using: &rng) {
        scalars.append(scalarPool[Int.random(in: 0..<scalarPool.count, using: &rng)])
    }
    return String(scalars)
}

private func randomNumber(_ rng: inout SplitMix64) -> JSONNumber {
    switch Int.random(in: 0..<5, using: &rng) {
    case 0:
        return JSONNumber(Int64.random(in: -1000...1000, using: &rng))
    case 1:
        return JSONNumber(Int64.random(in: -9_007_199_254_740_992...9_007_199_254_740_992, using: &rng))
    case 2:
        while true {
            if let number = JSONNumber(Double(bitPattern: rng.next())) { return number }
        }
    case 3:
        let mantissa = Double(Int.random(in: 0...999_999, using: &rng))
        let exponent = Int.random(in: -30...30, using: &rng)
        return JSONNumber(mantissa * pow(10, Double(exponent)) * (Bool.random(using: &rng) ? 1 : -1)) ?? JSONNumber(0)
    default:
        return JSONNumber(Double.random(in: -1...1, using: &rng)) ?? JSONNumber(0)
    }
}

private func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
    let choice = Int.random(in: 0..<(depth >= 4 ? 4 : 7), using: &rng)
    switch choice {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .number(randomNumber(&rng))
    case 3: return .string(randomString(&rng))
    case 4, 5:
        return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
        var members: [String: JSONValue] = [:]
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            members[randomString(&rng)] = randomValue(&rng, depth: depth + 1)
        }
        return .object(members)
    }
}

/// Writes valid but deliberately non-canonical JSON for `value`: random whitespace, random member order, optional
/// escapes for any character, and other spellings of each number.
private func noisyJSON(_ value: JSONValue, _ rng: inout SplitMix64) -> [UInt8] {
    var out: [UInt8] = []
    func space() {
        let options = ["", "", " ", "\t", "\n", "\r\n", "  "]
        out += Array(options[Int.random(in: 0..<options.count, using: &rng)].utf8)
    }
    func hex4(_ unit: UInt16) -> [UInt8] {
        let hex = String(unit, radix: 16, uppercase: Bool.random(using: &rng))
        return Array((String(repeating: "0", count: 4 - hex.count) + hex).utf8)
    }
    func string(_ text: String) {
        out.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            if !mustEscape && Bool.random(using: &rng) {
                out += Array(String(scalar).utf8)
            } else if scalar == "/" && Bool.random(using: &rng) {
                out += Array(#"\/"#.utf8)
            } else {
                for unit in String(scalar).utf16 {
                    out += Array(#"\u"#.utf8) + hex4(unit)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
    func write(_ value: JSONValue) {
        space()
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .string(let text): string(text)
        case .number(let number):
            let double = number.doubleValue
            var spellings = [number.canonicalLiteral, double.description, double.debugDescription]
            if let integer = number.integerValue {
                spellings += ["\(integer).0", "\(integer)e0", "\(integer)E+00", "\(integer).000e-0"]
            }
            out += Array(spellings[Int.random(in: 0..<spellings.count, using: &rng)].utf8)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { space(); out.append(UInt8(ascii: ",")) }
                write(element)
                space()
            }
            if elements.isEmpty { space() }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.shuffled(using: &rng).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                space()
                string(member.key)
                space()
                out.append(UInt8(ascii: ":"))
                write(member.value)
                space()
            }
            if members.isEmpty { space() }
            out.append(UInt8(ascii: "}"))
        }
        space()
    }
    write(value)
    return out
}

@Suite struct CanonicalJSONTests {
    // MARK: Golden files

    @Test(arguments: ["rfc8785-values", "rfc8785-sorting", "escaping", "nested"])
    func fixtureCanonicalisesToTheExpectedBytes(_ name: String) throws {
        let input = try fixture("\(name).input.json")
        let expected = try fixture("\(name).expected.json")
        let value = try CanonicalJSON.parse(input, source: "\(name).input.json")
        #expect(text(CanonicalJSON.encode(value)) == text(expected))
        #expect(CanonicalJSON.encode(value) == expected)
        // The expected output is itself canonical and means the same thing.
        #expect(try CanonicalJSON.parseCanonical(expected, source: "\(name).expected.json") == value)
    }

    @Test func rfc8785SortingExampleOrdersAnEmojiBeforeAPresentationForm() throws {
        let value = try CanonicalJSON.parse(try fixture("rfc8785-sorting.input.json"), source: "sorting")
        let encoded = text(CanonicalJSON.encode(value))
        let emoji = try #require(encoded.range(of: "😀"))
        let dalet = try #require(encoded.range(of: "\u{FB33}"))
        // U+1F600 is D83D DE00 in UTF-16, which sorts before FB33, although its scalar value is larger.
        #expect(emoji.lowerBound < dalet.lowerBound)
    }

    // MARK: Numbers

    @Test(
        arguments: [
            (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.0, "-1"), (0.1, "0.1"), (-0.5, "-0.5"), (100.0, "100"),
            (1e21, "1e+21"), (1e20, "100000000000000000000"), (1e-7, "1e-7"), (1e-6, "0.000001"),
            (0.000001, "0.000001"), (1.5e-7, "1.5e-7"), (123e-20, "1.23e-18"), (Double.leastNonzeroMagnitude, "5e-324"),
            (-Double.leastNonzeroMagnitude, "-5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-1.7976931348623157e308, "-1.7976931348623157e+308"), (9007199254740992.0, "9007199254740992"),
            (-9007199254740992.0, "-9007199254740992"), (123456789012345680000.0, "123456789012345680000"),
            (295147905179352830000.0, "295147905179352830000"), (9.999999999999997e22, "9.999999999999997e+22"),
            (1e23, "1e+23"), (1.0000000000000001e23, "1.0000000000000001e+23"),
            (999999999999999900000.0, "999999999999999900000"),
            (333333333.3333333, "333333333.3333333"), (333333333.33333325, "333333333.33333325"),
            (0.30000000000000004, "0.30000000000000004"), (1.0 / 3.0, "0.3333333333333333"),
            (4.35, "4.35"), (1e30, "1e+30"), (0.002, "0.002"), (-0.0000033333333333333333, "-0.0000033333333333333333"),
            (1424953923781206.2, "1424953923781206.2"), (12345678.9, "12345678.9"), (2e-3, "0.002"),
        ] as [(Double, String)])
    func doublesSerialiseWithECMAScriptNumberToString(_ value: Double, _ expected: String) throws {
        let number = try #require(JSONNumber(value))
        #expect(number.canonicalLiteral == expected)
        #expect(text(CanonicalJSON.encode(.number(number))) == expected)
    }

    @Test func numberVectorsFromAnECMAScriptEngineMatch() throws {
        let table = try fixtureTable("number-vectors.txt")
        #expect(table.count > 2500)
        var mismatches: [String] = []
        for (bits, expected) in table {
            guard let pattern = UInt64(bits, radix: 16), let number = JSONNumber(Double(bitPattern: pattern)) else {
                mismatches.append("\(bits): not a finite double")
                continue
            }
            if number.canonicalLiteral != expected {
                mismatches.append("\(bits): got \(number.canonicalLiteral), expected \(expected)")
            }
            // The canonical text reads back as the same double (−0 becomes 0).
            let reparsed = try CanonicalJSON.parse(expected.utf8, source: "vector")
            if reparsed.numberValue?.doubleValue != number.doubleValue {
                mismatches.append("\(bits): \(expected) does not round-trip")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    @Test func numberLexemesParseAndCanonicaliseLikeAnECMAScriptEngine() throws {
        let table = try fixtureTable("number-parsing.txt")
        #expect(table.count > 600)
        var mismatches: [String] = []
        for (lexeme, expected) in table {
            let value = try CanonicalJSON.parse(lexeme.utf8, source: "lexeme")
            let encoded = text(CanonicalJSON.encode(value))
            if encoded != expected { mismatches.append("\(lexeme): got \(encoded), expected \(expected)") }
            if value.numberValue?.literal != lexeme { mismatches.append("\(lexeme): literal not kept") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    @Test func integerLexemesUpToTwoToTheFiftyThirdPrintAsPlainDecimal() throws {
        for literal in ["0", "-1", "4096", "9007199254740991", "-9007199254740992", "1000000000000000"] {
            let value = try CanonicalJSON.parse(literal.utf8, source: "n")
            #expect(text(CanonicalJSON.encode(value)) == literal)
        }
        // Beyond 2^53 the nearest double is what RFC 8785 prints.
        let beyond = try CanonicalJSON.parse("9007199254740993".utf8, source: "n")
        #expect(beyond.numberValue?.integerValue == 9_007_199_254_740_993)
        #expect(text(CanonicalJSON.encode(beyond)) == "9007199254740992")
    }

    @Test func numberSpellingsCollapseToOneCanonicalForm() throws {
        let value = try CanonicalJSON.parse("[1.0, 1e0, 10E-1, 0.1e1, -0, -0.0, 1E2, 100.00]".utf8, source: "n")
        #expect(text(CanonicalJSON.encode(value)) == "[1,1,1,1,0,0,100,100]")
    }

    // MARK: Strings

    @Test func controlCharactersUseShortEscapesOrLowercaseHex() {
        let short: [UInt32: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        for code in UInt32(0)...0x1F {
            let scalar = Unicode.Scalar(code).map(String.init) ?? ""
            let expected = short[code] ?? "\\u00" + (code < 0x10 ? "0" : "") + String(code, radix: 16, uppercase: false)
            #expect(text(CanonicalJSON.encode(.string(scalar))) == "\"\(expected)\"", "U+\(code)")
        }
        #expect(text(CanonicalJSON.encode(.string("\u{1F}"))) == #""\u001f""#)
    }

    @Test func onlyQuoteBackslashAndControlsAreEscaped() {
        let input = "/ \u{7F} \u{80} é € \u{2028} \u{2029} \u{FEFF} 😀 \u{10FFFF} ' < > &"
        #expect(CanonicalJSON.encode(.string(input)) == Array("\"\(input)\"".utf8))
        #expect(text(CanonicalJSON.encode(.string("a\"b\\c"))) == #""a\"b\\c""#)
    }

    @Test func nulInsideAStringIsEscaped() {
        #expect(text(CanonicalJSON.encode(["k\u{0}": "v\u{0}"])) == #"{"k\u0000":"v\u0000"}"#)
    }

    @Test func canonicallyEquivalentStringsStayDistinct() {
        let composed = JSONValue.string("\u{E9}")
        let decomposed = JSONValue.string("e\u{301}")
        #expect(composed != decomposed)
        #expect(CanonicalJSON.encode(composed) != CanonicalJSON.encode(decomposed))
        #expect(JSONValue.object(["\u{E9}": 1]) != JSONValue.object(["e\u{301}": 1]))
    }

    // MARK: Key order

    @Test func keysSortByUTF16CodeUnitsNotByScalars() {
        let value: JSONValue = [
            "\u{FFFD}": 1, "\u{E000}": 2, "😀": 3, "a": 4, "\u{7F}": 5, "\u{80}": 6, "aa": 7, "": 8, "B": 9,
        ]
        let expected =
            "{\"\":8,\"B\":9,\"a\":4,\"aa\":7,\"\u{7F}\":5,\"\u{80}\":6,\"😀\":3,\"\u{E000}\":2,\"\u{FFFD}\":1}"
        #expect(text(CanonicalJSON.encode(value)) == expected)
    }

    @Test(arguments: 0..<16)
    func keyOrderMatchesAUTF16Oracle(seed: UInt64) {
        var rng = SplitMix64(seed: seed &+ 1000)
        var members: [String: JSONValue] = [:]
        for _ in 0..<40 { members[randomString(&rng)] = .null }
        let sortedKeys = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
        var expected: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in sortedKeys.enumerated() {
            if index > 0 { expected.append(UInt8(ascii: ",")) }
            expected += CanonicalJSON.encode(.string(key)) + Array(":null".utf8)
        }
        expected.append(UInt8(ascii: "}"))
        #expect(CanonicalJSON.encode(.object(members)) == expected)
    }

    // MARK: Round trips

    @Test(arguments: 0..<64)
    func encodeParseEncodeIsStable(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<20 {
            let value = randomValue(&rng)
            let encoded = CanonicalJSON.encode(value)
            let reparsed = try CanonicalJSON.parse(encoded, source: "seed-\(seed).json")
            #expect(reparsed == value)
            #expect(reparsed.hashValue == value.hashValue)
            #expect(CanonicalJSON.encode(reparsed) == encoded)
            #expect(try CanonicalJSON.parseCanonical(encoded, source: "seed-\(seed).json") == value)
        }
    }

    @Test(arguments: 0..<64)
    func noisySpellingsOfADocumentCanonicaliseToTheSameBytes(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed &* 7919 &+ 17)
        for _ in 0..<20 {
            let value = randomValue(&rng)
            let canonical = CanonicalJSON.encode(value)
            let noisy = noisyJSON(value, &rng)
            let parsed = try CanonicalJSON.parse(noisy, source: "noisy.json")
            #expect(parsed == value, "noisy input: \(text(noisy))")
            #expect(CanonicalJSON.encode(parsed) == canonical, "noisy input: \(text(noisy))")
            if noisy != canonical {
                #expect(throws: RegistryError.self) { try CanonicalJSON.parseCanonical(noisy, source: "noisy.json") }
            }
        }
    }

    // MARK: parseCanonical

    @Test(arguments: [
        (" {}", "1:1"), ("{} ", "1:3"), (#"{"b":1,"a":2}"#, "1:3"), ("1.0", "1:2"), (#""\/""#, "1:2"),
        (#""\u00e9""#, "1:2"), ("1E2", "1:2"), ("-0", "1:1"), ("[1, 2]", "1:4"), ("{\n}", "1:2"),
    ])
    func parseCanonicalRefusesOtherSpellings(_ input: String, _ position: String) throws {
        let error = try #require(
            #expect(throws: RegistryError.self) {
                try CanonicalJSON.parseCanonical(input.utf8, source: "signed/alias.json")
            })
        #expect(error.code == .invalidJSON)
        #expect(error.message.hasPrefix("signed/alias.json:\(position): invalid JSON: "), "\(error.message)")
        #expect(error.message.contains("not in RFC 8785 canonical form"))
    }

    @Test func parseCanonicalStillReportsSyntaxErrors() throws {
        let error = try #require(
            #expect(throws: RegistryError.self) {
                try CanonicalJSON.parseCanonical("[1,]".utf8, source: "x.json")
            })
        #expect(error.message.contains("trailing comma"))
    }

    // MARK: JSONValue

    @Test func descriptionIsTheCanonicalText() {
        let value: JSONValue = ["b": [true, .null, 1.5], "a": "x/y"]
        #expect(value.description == #"{"a":"x/y","b":[true,null,1.5]}"#)
        #expect("\(value)" == #"{"a":"x/y","b":[true,null,1.5]}"#)
    }

    @Test func equalityFollowsCanonicalBytes() throws {
        let a = try CanonicalJSON.parse(#"{"x":[1.0,2e0],"y":"\u0041"}"#.utf8, source: "a")
        let b: JSONValue = ["y": "A", "x": [1, 2]]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(CanonicalJSON.encode(a) == CanonicalJSON.encode(b))
        #expect(JSONValue.array([1, 2]) != JSONValue.array([2, 1]))
        #expect(JSONValue.object(["a": 1]) != JSONValue.object(["a": 1, "b": 1]))
        #expect(JSONValue.string("1") != JSONValue.number(1))
    }

    @Test func accessorsReturnNilForOtherKinds() {
        let value: JSONValue = "text"
        #expect(value.stringValue == "text")
        #expect(value.numberValue == nil)
        #expect(value.boolValue == nil)
        #expect(value.arrayValue == nil)
        #expect(value.objectValue == nil)
        #expect(!value.isNull)
        #expect(JSONValue.null.isNull)
    }
}
