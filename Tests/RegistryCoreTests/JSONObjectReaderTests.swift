import RegistryCore
import Testing

@Suite struct JSONObjectReaderTests {
    static let source = "artifacts/sha256-ab12/manifest.json"

    static let manifestText = #"""
        {
          "name": "resnet",
          "schemaVersion": 1,
          "threshold": 0.5,
          "signed": true,
          "tags": ["vision", "fp16"],
          "labels": {"team": "ml", "a b": "spaced"},
          "model": {"config": {"depth": 50, "note": "x"}},
          "files": [
            {"path": "a.bin", "size": 1},
            {"path": "b.bin", "size": 2},
            {"path": "c.bin", "size": 1.5},
            {"path": "d.bin", "size": "4"}
          ],
          "nothing": null,
          "withNUL": "a\u0000b",
          "exp": 1e2,
          "fraction": 1.0,
          "huge": 9007199254740993,
          "negativeZero": -0,
          "quotedNumber": "1",
          "flag": "true",
          "numbers": [1, 2]
        }
        """#

    static func makeReader() throws -> JSONObjectReader {
        try JSONObjectReader(CanonicalJSON.parse(manifestText.utf8, source: source), source: source)
    }

    /// Runs `body`, requires an `.invalidDocument` error, and returns its message.
    func documentError(_ body: () throws -> Void) throws -> String {
        let error = try #require(#expect(throws: RegistryError.self) { try body() })
        #expect(error.code == .invalidDocument)
        #expect(error.message.hasPrefix(Self.source + ": "), "\(error.message)")
        return error.message
    }

    // MARK: Happy paths

    @Test func readsEveryFieldType() throws {
        let reader = try Self.makeReader()
        #expect(try reader.string("name") == "resnet")
        #expect(try reader.integer("schemaVersion") == 1)
        #expect(try reader.double("threshold") == 0.5)
        #expect(try reader.double("schemaVersion") == 1)
        #expect(try reader.bool("signed"))
        #expect(try reader.stringArray("tags") == ["vision", "fp16"])
        #expect(try reader.stringMap("labels") == ["team": "ml", "a b": "spaced"])
        #expect(try reader.object("model").object("config").integer("depth") == 50)
        #expect(try reader.array("numbers") == [1, 2])
        #expect(try reader.objects("files").map { try $0.string("path") } == ["a.bin", "b.bin", "c.bin", "d.bin"])
        #expect(try reader.integer("negativeZero") == 0)
        #expect(try reader.integer("schemaVersion", in: 1...1) == 1)
    }

    @Test func optionalAccessorsReturnNilOnlyWhenAbsent() throws {
        let reader = try Self.makeReader()
        #expect(try reader.optionalString("missing") == nil)
        #expect(try reader.optionalInteger("missing") == nil)
        #expect(try reader.optionalInteger("missing", in: 0...1) == nil)
        #expect(try reader.optionalDouble("missing") == nil)
        #expect(try reader.optionalBool("missing") == nil)
        #expect(try reader.optionalStringArray("missing") == nil)
        #expect(try reader.optionalStringMap("missing") == nil)
        #expect(try reader.optionalObject("missing") == nil)
        #expect(try reader.optionalArray("missing") == nil)
        #expect(try reader.optionalObjects("missing") == nil)
        #expect(try reader.optionalString("name") == "resnet")
        #expect(try reader.optionalInteger("schemaVersion") == 1)
        #expect(try reader.optionalObject("model")?.path == "model")
        #expect(try reader.optionalObjects("files")?.count == 4)
    }

    @Test func explicitNullIsNotAbsence() throws {
        let reader = try Self.makeReader()
        let message = try documentError { _ = try reader.optionalString("nothing") }
        #expect(message.contains(": nothing: null is not allowed here; omit the field"))
        _ = try documentError { _ = try reader.optionalObject("nothing") }
        _ = try documentError { _ = try reader.optionalInteger("nothing") }
        #expect(reader.contains("nothing"))
        #expect(reader.value("nothing") == .null)
    }

    @Test func keysAreListedInCanonicalOrder() throws {
        let reader = try JSONObjectReader(["b": 1, "a": 2, "😀": 3, "\u{E000}": 4], source: "k.json")
        #expect(reader.keys == ["a", "b", "😀", "\u{E000}"])
        #expect(reader.source == "k.json")
        #expect(reader.path == "")
    }

    // MARK: Paths in errors

    @Test func wrongTypeInAnArrayElementNamesTheElementPath() throws {
        let files = try Self.makeReader().objects("files")
        let fraction = try documentError { _ = try files[2].integer("size") }
        #expect(
            fraction
                == "\(Self.source): files[2].size: expected an integer, found the number 1.5 "
                + "(write integers without a fraction or exponent)"
        )
        let quoted = try documentError { _ = try files[3].integer("size") }
        #expect(quoted.contains(": files[3].size: expected an integer, found a string \"4\""))
    }

    @Test func missingFieldNamesTheNestedPath() throws {
        let config = try Self.makeReader().object("model").object("config")
        let message = try documentError { _ = try config.string("activation") }
        #expect(message == "\(Self.source): model.config.activation: required field is missing")
    }

    @Test func nonObjectAtTheTopLevelIsReported() throws {
        let error = try #require(
            #expect(throws: RegistryError.self) {
                try JSONObjectReader(.array([]), source: "aliases/prod.json")
            })
        #expect(error.code == .invalidDocument)
        #expect(error.message == "aliases/prod.json: top level: expected an object, found an empty array")
    }

    @Test func nonObjectArrayElementNamesItsIndex() throws {
        let value = try CanonicalJSON.parse(#"{"files":[{},3]}"#.utf8, source: Self.source)
        let reader = try JSONObjectReader(value, source: Self.source)
        let message = try documentError { _ = try reader.objects("files") }
        #expect(message == "\(Self.source): files[1]: expected an object, found the number 3")
    }

    @Test func stringArrayAndMapErrorsNameTheEntry() throws {
        let value = try CanonicalJSON.parse(
            #"{"tags":["a",7],"labels":{"ok":"v","bad key":false,"team":null}}"#.utf8, source: Self.source)
        let reader = try JSONObjectReader(value, source: Self.source)
        #expect(
            try documentError { _ = try reader.stringArray("tags") }.contains(
                ": tags[1]: expected a string, found the number 7"))
        #expect(
            try documentError { _ = try reader.stringMap("labels") }.contains(
                #": labels["bad key"]: expected a string, found false"#))
        #expect(
            try documentError { _ = try reader.stringMap("tags") }.contains(
                ": tags: expected an object of strings, found an array"))
    }

    // MARK: Strict integers

    @Test(arguments: [
        ("exp", "the number 1e2"), ("fraction", "the number 1.0"), ("quotedNumber", "a string \"1\""),
        ("signed", "found true"), ("nothing", "found null"), ("numbers", "an array"),
    ])
    func integerRefusesEverythingButPlainIntegers(_ key: String, _ found: String) throws {
        let reader = try Self.makeReader()
        let message = try documentError { _ = try reader.integer(key) }
        #expect(message.contains(": \(key): expected an integer"), "\(message)")
        #expect(message.contains(found), "\(message)")
    }

    @Test func integerRefusesValuesThatCanonicalisationWouldChange() throws {
        let reader = try Self.makeReader()
        let message = try documentError { _ = try reader.integer("huge") }
        #expect(message.contains(": huge: integer 9007199254740993 is outside ±9007199254740991"))
        let atLimit = try JSONObjectReader(
            CanonicalJSON.parse(#"{"max":9007199254740991,"min":-9007199254740991}"#.utf8, source: "l"), source: "l")
        #expect(try atLimit.integer("max") == JSONObjectReader.maximumSafeInteger)
        #expect(try atLimit.integer("min") == -JSONObjectReader.maximumSafeInteger)
    }

    @Test func integerRangeIsEnforced() throws {
        let files = try Self.makeReader().objects("files")
        let message = try documentError { _ = try files[1].integer("size", in: 5...10) }
        #expect(message == "\(Self.source): files[1].size: integer 2 is out of range 5...10")
    }

    // MARK: Other types

    @Test func boolAndDoubleRefuseLookalikes() throws {
        let reader = try Self.makeReader()
        #expect(
            try documentError { _ = try reader.bool("flag") }.contains(
                ": flag: expected true or false, found a string \"true\""))
        #expect(try documentError { _ = try reader.bool("schemaVersion") }.contains("found the number 1"))
        #expect(
            try documentError { _ = try reader.double("quotedNumber") }.contains(": quotedNumber: expected a number"))
        #expect(
            try documentError { _ = try reader.array("name") }.contains(
                ": name: expected an array, found a string \"resnet\""))
        #expect(
            try documentError { _ = try reader.object("tags") }.contains(": tags: expected an object, found an array"))
    }

    // MARK: NUL

    @Test func stringsRefuseNULUnlessAllowed() throws {
        let reader = try Self.makeReader()
        let message = try documentError { _ = try reader.string("withNUL") }
        #expect(message.contains(#": withNUL: the string "a\u0000b" contains U+0000 (NUL)"#), "\(message)")
        #expect(try reader.string("withNUL", allowNUL: true) == "a\u{0}b")
        #expect(try reader.optionalString("withNUL", allowNUL: true) == "a\u{0}b")
    }

    @Test func mapKeysNeverAcceptNUL() throws {
        let value = try CanonicalJSON.parse(#"{"labels":{"a\u0000":"v"}}"#.utf8, source: Self.source)
        let reader = try JSONObjectReader(value, source: Self.source)
        let message = try documentError { _ = try reader.stringMap("labels", allowNUL: true) }
        #expect(message.contains(#"labels["a\u0000"]: the key contains U+0000"#), "\(message)")
    }

    @Test func stringArrayElementsRefuseNUL() throws {
        let value = try CanonicalJSON.parse(#"{"tags":["ok","x\u0000"]}"#.utf8, source: Self.source)
        let reader = try JSONObjectReader(value, source: Self.source)
        #expect(try documentError { _ = try reader.stringArray("tags") }.contains(": tags[1]: the string"))
        #expect(try reader.stringArray("tags", allowNUL: true) == ["ok", "x\u{0}"])
    }

    // MARK: Unknown keys and custom errors

    @Test func rejectUnknownKeysListsTheStrangers() throws {
        let file = try Self.makeReader().objects("files")[0]
        try file.rejectUnknownKeys(allowed: ["path", "size", "digest"])
        let message = try documentError { try file.rejectUnknownKeys(allowed: ["path"]) }
        #expect(message == "\(Self.source): files[0]: unknown field \"size\"; allowed fields are: path")
        let top = try Self.makeReader()
        let many = try documentError { try top.rejectUnknownKeys(allowed: ["name"]) }
        #expect(many.contains(": top level: unknown fields \"exp\", \"files\""), "\(many)")
    }

    @Test func canonicallyEquivalentKeysDoNotMatch() throws {
        let reader = try JSONObjectReader(["e\u{301}": "decomposed"], source: "n.json")
        #expect(!reader.contains("\u{E9}"))
        #expect(try reader.optionalString("\u{E9}") == nil)
        #expect(try reader.string("e\u{301}") == "decomposed")
        #expect(throws: RegistryError.self) { try reader.rejectUnknownKeys(allowed: ["\u{E9}"]) }
    }

    @Test func makeErrorUsesTheSameFormat() throws {
        let file = try Self.makeReader().objects("files")[1]
        let error = file.makeError(at: "digest", "not a digest of the form sha256:<hex>")
        #expect(error.code == .invalidDocument)
        #expect(error.message == "\(Self.source): files[1].digest: not a digest of the form sha256:<hex>")
        #expect(file.makeError(at: nil, "bad").message == "\(Self.source): files[1]: bad")
        #expect(file.fieldPath("odd key") == #"files[1]["odd key"]"#)
        #expect(file.fieldPath("9lives") == #"files[1]["9lives"]"#)
        #expect(file.fieldPath("media-type_2") == "files[1].media-type_2")
    }
}
