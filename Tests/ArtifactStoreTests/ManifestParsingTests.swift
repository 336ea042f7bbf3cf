import ArtifactStore
import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `manifest.json` is hashed and signed, so every reader must agree on it: JSON that Foundation would accept
/// but that two parsers could read differently is refused.
@Suite struct ManifestParsingTests {
    static let valid =
        #"{"capabilities":["echo"],"files":[{"digest":"sha256:054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8","path":"weights.bin","size":4}],"hashAlgorithm":"sha256","labels":{},"mediaType":"application/vnd.modelregistry.manifest.v1+json","name":"tiny","parents":[],"schemaVersion":1}"#

    private func parse(_ text: String, canonical: Bool = true) throws -> Manifest {
        try Manifest(parsing: Array(text.utf8), source: "artifacts/x/manifest.json", requireCanonical: canonical)
    }

    private func error(_ text: String, canonical: Bool = false) throws -> RegistryError {
        try #require(throws: RegistryError.self) { try parse(text, canonical: canonical) }
    }

    @Test func theValidManifestParses() throws {
        let manifest = try parse(Self.valid)
        #expect(manifest.files.first?.size == 4)
    }

    @Test func aDuplicateKeyIsRefused() throws {
        let text = Self.valid.replacingOccurrences(of: #""name":"tiny""#, with: #""name":"tiny","name":"evil""#)
        let error = try error(text)
        #expect(error.code == .invalidJSON)
        #expect(error.message.contains("manifest.json") && error.message.contains("name"))
    }

    @Test func aTrailingCommaIsRefused() throws {
        #expect(
            try error(Self.valid.replacingOccurrences(of: #""parents":[]"#, with: #""parents":[],"#)).code
                == .invalidJSON)
        #expect(try error(Self.valid.replacingOccurrences(of: #"["echo"]"#, with: #"["echo",]"#)).code == .invalidJSON)
    }

    @Test func aByteOrderMarkIsRefused() throws {
        #expect(try error("\u{FEFF}" + Self.valid).code == .invalidJSON)
    }

    @Test(arguments: ["4.0", "4e0", "0.4e1", "-4", "\"4\"", "9007199254740993"])
    func aSizeThatIsNotAPlainIntegerInRangeIsRefused(size: String) throws {
        let error = try error(Self.valid.replacingOccurrences(of: #""size":4"#, with: #""size":\#(size)"#))
        #expect([.invalidDocument, .invalidJSON].contains(error.code))
        #expect(error.message.contains("size") || error.message.contains("out of range"))
    }

    @Test func aNulInAPathIsRefused() throws {
        let error = try error(
            Self.valid.replacingOccurrences(of: #""path":"weights.bin""#, with: #""path":"weights\u0000.bin""#))
        // The document layer refuses NUL in any string field before path rules run, naming the field.
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains("files[0].path"))
    }

    @Test func aNulInTheNameIsRefused() throws {
        let error = try error(Self.valid.replacingOccurrences(of: #""name":"tiny""#, with: #""name":"ti\u0000ny""#))
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains("name"))
    }

    @Test func aPathThatEscapesTheBundleIsRefused() throws {
        let error = try error(
            Self.valid.replacingOccurrences(of: #""path":"weights.bin""#, with: #""path":"../../etc/passwd""#))
        #expect(error.code == .invalidPath)
    }

    @Test func nonCanonicalBytesAreRefusedForRegistryFiles() throws {
        let spaced = Self.valid.replacingOccurrences(of: #""name":"tiny""#, with: #""name": "tiny""#)
        #expect(try error(spaced, canonical: true).code == .invalidDocument)
        #expect(try parse(spaced, canonical: false).metadata.name == "tiny")
        let escapedSlash = Self.valid.replacingOccurrences(of: "application/vnd", with: #"application\/vnd"#)
        #expect(try error(escapedSlash, canonical: true).code == .invalidDocument)
    }

    @Test func anUnknownFieldIsRefused() throws {
        let error = try error(
            Self.valid.replacingOccurrences(of: #""name":"tiny""#, with: #""name":"tiny","registeredAt":"2026-01-01""#))
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains("registeredAt"))
    }

    @Test func aMissingFieldIsNamed() throws {
        let error = try error(Self.valid.replacingOccurrences(of: #""hashAlgorithm":"sha256","#, with: ""))
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains("hashAlgorithm"))
    }

    @Test func aNewerSchemaVersionIsRefused() throws {
        let error = try error(Self.valid.replacingOccurrences(of: #""schemaVersion":1"#, with: #""schemaVersion":2"#))
        #expect(error.code == .unsupportedFormatVersion)
    }

    @Test func aDigestOfAnotherAlgorithmOrBadHexIsRefused() throws {
        #expect(
            try error(Self.valid.replacingOccurrences(of: "sha256:054e", with: "sha512:054e")).code == .invalidDocument)
        #expect(
            try error(Self.valid.replacingOccurrences(of: "sha256:054e", with: "sha256:054E")).code == .invalidDocument)
    }

    @Test(arguments: 0..<32)
    func manifestsRoundTripThroughTheirCanonicalBytes(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var files: [Manifest.Entry] = []
        let alphabet = Array("abcdefghij._-é日本/")
        for index in 0..<Int.random(in: 0..<12, using: &random) {
            var name = "f\(index)"
            for _ in 0..<Int.random(in: 0..<8, using: &random) {
                let character = alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
                if character == "/" && (name.hasSuffix("/") || name.hasSuffix(".")) { continue }
                name.append(character)
            }
            if name.hasSuffix("/") { name += "x" }
            let components = name.split(separator: "/", omittingEmptySubsequences: false)
            if components.contains(where: { $0 == "." || $0 == ".." || $0.isEmpty }) { continue }
            files.append(
                .init(
                    path: name, size: Int64.random(in: 0...Manifest.maximumFileSize, using: &random),
                    digest: SHA256Algorithm().hash(Array(name.utf8))))
        }
        let manifest = try Manifest(
            hashAlgorithm: "sha256",
            metadata: ArtifactMetadata(name: "m\(seed)", capabilities: ["b", "a"], labels: ["k": "välue \(seed)"]),
            files: files)
        let bytes = manifest.canonicalBytes()
        let reparsed = try Manifest(parsing: bytes, source: "round-trip")
        #expect(reparsed == manifest)
        #expect(reparsed.canonicalBytes() == bytes)
    }

    // MARK: FORMAT.md §5.3: hashAlgorithm names and digest lengths

    static let digest = "054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8"

    @Test(arguments: ["", "SHA256", "sha-256", "sha_256", "3sha", "s\u{E9}", String(repeating: "a", count: 33)])
    func aHashAlgorithmNameOutsideTheGrammarIsRefused(name: String) throws {
        let text = Self.valid.replacingOccurrences(
            of: #""hashAlgorithm":"sha256""#, with: #""hashAlgorithm":"\#(name)""#)
        let error = try error(text.replacingOccurrences(of: "sha256:", with: "\(name):"))
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains("hashAlgorithm") || error.message.contains("digest"))
    }

    @Test(arguments: [62, 66, 128])
    func aSHA256DigestOfTheWrongLengthIsRefused(hexDigits: Int) throws {
        let wrong = String(repeating: "ab", count: hexDigits / 2)
        let error = try error(Self.valid.replacingOccurrences(of: Self.digest, with: wrong))
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains("weights.bin") && error.message.contains("32 bytes"))
    }

    @Test func anUnknownAlgorithmNameParsesButTheArtifactCannotBeReadWithoutItsPlugIn() throws {
        let text = Self.valid.replacingOccurrences(of: "sha256", with: "blake3")
        #expect(try parse(text).hashAlgorithm == "blake3")
        try withTemporaryRegistry { registry in
            let directory = registry.layout.root.appendingPathComponent("staging/copied")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: directory.appendingPathComponent("manifest.json"))
            try Data([0, 1, 2, 3]).write(to: directory.appendingPathComponent("weights.bin"))
            #expect(
                registryErrorCode { try registry.artifacts.identify(directory: directory, verifyFiles: false) }
                    == .unsupportedAlgorithm)
        }
    }

    @Test func digestsOfAnUnknownAlgorithmMustAllHaveOneLength() throws {
        let two =
            #"{"capabilities":[],"files":[{"digest":"blake3:aabb","path":"a","size":1},{"digest":"blake3:aabbcc","path":"b","size":1}],"hashAlgorithm":"blake3","labels":{},"mediaType":"application/vnd.modelregistry.manifest.v1+json","name":"tiny","parents":[],"schemaVersion":1}"#
        #expect(try error(two).code == .invalidDocument)
    }
}
