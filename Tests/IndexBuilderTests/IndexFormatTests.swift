import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@testable import IndexBuilder

@Suite struct IndexFormatTests {
    /// The fast writer for the large files must agree with the reference RFC 8785 encoder.
    @Test(arguments: 0..<16)
    func canonicalWriterAgreesWithCanonicalJSON(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", "0", "\"", "\\", "/", "\u{1F}", "\n", "\u{7F}", "é", "\u{E000}", "\u{1F600}", " ",
        ]
        func randomString() -> String {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0..<8, using: &random) {
                scalars.append(alphabet.randomElement(using: &random) ?? "a")
            }
            return String(scalars)
        }
        var map: [String: String] = [:]
        for _ in 0..<Int.random(in: 0..<12, using: &random) { map[randomString()] = randomString() }
        var writer = CanonicalWriter()
        writer.stringMap(map)
        #expect(writer.bytes == CanonicalJSON.encode(.object(map.mapValues(JSONValue.string))))

        let summary = ArtifactSummary(
            id: try #require(ArtifactID("sha256-" + String(repeating: "0\(seed % 10)", count: 32))), name: "m-\(seed)",
            capabilities: ["b", "a"], labels: map, parents: [], fileCount: Int(seed), totalSize: Int64(seed) << 40,
            registeredAt: seed % 2 == 0 ? "2026-11-23T13:37:00.000Z" : nil,
            registrationSequence: seed % 2 == 0 ? 7 : nil)
        var record = CanonicalWriter()
        summary.appendRecord(to: &record)
        let parsed = try CanonicalJSON.parseCanonical(record.bytes, source: "record")
        #expect(CanonicalJSON.encode(parsed) == record.bytes)
        #expect(try ArtifactSummary(record: JSONObjectReader(parsed, source: "record")) == summary)
    }

    @Test func keysSortByUTF16CodeUnits() {
        #expect(canonicalKeyPrecedes("\u{1F600}", "\u{E000}"))  // a surrogate pair sorts before U+E000
        #expect(canonicalKeyPrecedes("a", "b") && canonicalKeyPrecedes("a", "ab") && !canonicalKeyPrecedes("b", "a"))
    }

    @Test func tokensAreLowerCasedRunsOfLettersDigitsAndNonASCII() {
        #expect(SearchTokens.tokens(of: "ResNet-50 (fine_tuned)") == ["resnet", "50", "fine", "tuned"])
        #expect(SearchTokens.tokens(of: "Übersetzung v2") == ["Übersetzung", "v2"])
        #expect(SearchTokens.tokens(of: " -- ").isEmpty)
    }

    /// FORMAT.md §13.1: ASCII letters and digits and every non-ASCII character form one run; only ASCII is
    /// lower-cased, and only ASCII characters other than letters and digits separate tokens.
    @Test func aMixedASCIIAndNonASCIIRunIsOneTokenWithOnlyItsASCIILowerCased() {
        #expect(
            SearchTokens.tokens(of: "Résumé2Go-ÉTÉ x\u{A0}y\u{2014}z_数据集A1")
                == ["résumé2go", "\u{C9}t\u{C9}", "x\u{A0}y\u{2014}z", "数据集a1"])
        // No Unicode normalisation: a decomposed é is other bytes than a precomposed one.
        #expect(
            SearchTokens.tokens(of: "Re\u{301}sume\u{301}").map { Array($0.utf8) } == [
                Array("re\u{301}sume\u{301}".utf8)
            ])
    }

    @Test func updateLinesRoundTrip() throws {
        let id = try #require(ArtifactID("sha256-" + String(repeating: "1", count: 64)))
        let changes = RegistryIndex.Changes(
            after: .init(sequence: 4, time: "2026-11-23T13:37:00.000Z"),
            through: .init(sequence: 9, time: "2026-11-24T00:00:00.000Z"),
            registered: [
                ArtifactSummary(id: id, name: "x", registeredAt: "2026-11-23T13:37:00.000Z", registrationSequence: 5)
            ],
            stateChanges: [.init(artifact: id, state: "production", sequence: 9)])
        let line = IndexFileFormat.encodeUpdate(changes)
        #expect(try IndexFileFormat.decodeUpdate(line, source: "line") == changes)
        var outOfRange = changes
        outOfRange.stateChanges[0].sequence = 10
        #expect(
            registryErrorCode {
                try IndexFileFormat.decodeUpdate(IndexFileFormat.encodeUpdate(outOfRange), source: "l")
            } == .invalidDocument)
    }

    @Test func updateLinesCarryRemovalsAndTheTablesDropThem() throws {
        let id = try #require(ArtifactID("sha256-" + String(repeating: "2", count: 64)))
        let registered = RegistryIndex.Changes(
            after: .init(sequence: 0, time: nil), through: .init(sequence: 1, time: "2026-11-23T13:37:00.000Z"),
            registered: [
                ArtifactSummary(id: id, name: "x", registeredAt: "2026-11-23T13:37:00.000Z", registrationSequence: 1)
            ])
        var removed = RegistryIndex.Changes(
            after: registered.through, through: .init(sequence: 2, time: "2026-11-23T13:38:00.000Z"))
        removed.removed = [.init(artifact: id, sequence: 2)]
        let line = IndexFileFormat.encodeUpdate(removed)
        #expect(String(decoding: line, as: UTF8.self).contains("\"removed\":[{\"artifact\""))
        #expect(try IndexFileFormat.decodeUpdate(line, source: "line") == removed)
        let empty = RegistryIndex.Contents(
            stamp: .init(artifactCount: 0, auditSequence: 0, auditTime: nil), summaries: [], states: [:])
        var view = IndexView(base: try MappedIndex(encoded: try BinaryIndexEncoder.encode(empty), source: "memory"))
        try view.apply(registered)
        #expect(try view.summary(of: id) != nil)
        try view.apply(removed)
        #expect(try view.summary(of: id) == nil)
        #expect(try view.contents().summaries.isEmpty && view.contents().stamp.artifactCount == 0)
        #expect(try view.summaries(matching: IndexQuery(name: "x")).isEmpty)
        try view.apply(registered)  // an older registration applied again does not bring it back
        #expect(try view.summary(of: id) == nil)
    }

    @Test func theStampCanBeReadFromTheFirstBytes() throws {
        for stamp in [
            RegistryIndex.Stamp(artifactCount: 3, auditSequence: 12, auditTime: "2026-11-23T13:37:00.000Z"),
            RegistryIndex.Stamp(artifactCount: 0, auditSequence: 0, auditTime: nil),
        ] {
            let bytes = try BinaryIndexEncoder.encode(.init(stamp: stamp, summaries: [], states: [:]))
            #expect(bytes.starts(with: [0x4D, 0x52, 0x49, 0x58, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(MappedIndex.stamp(fromPrefix: Array(bytes.prefix(1024))) == stamp)
            #expect(try MappedIndex(encoded: bytes, source: "memory").stamp == stamp)
        }
    }
}
