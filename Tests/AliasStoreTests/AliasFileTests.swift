import AliasStore
import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

@Suite struct AliasFileTests {
    let target = ArtifactID("sha256-" + String(repeating: "1", count: 64))!
    let other = ArtifactID("sha256-" + String(repeating: "2", count: 64))!

    private func withStore(_ body: (FileAliasStore) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            try body(FileAliasStore(layout: try RegistryLayout.create(at: temp.appendingPathComponent("r"))))
        }
    }

    private func record(_ alias: String = "document-classifier-champion", _ artifact: ArtifactID? = nil) -> AliasRecord
    {
        AliasRecord(
            alias: alias, artifact: artifact ?? target, previousArtifact: nil, changedAt: "2026-11-23T13:37:00.000Z",
            actor: "alice", reason: "best F1")
    }

    @Test func aWrittenRecordResolvesAndIsCanonical() throws {
        try withStore { store in
            try store.write(record())
            #expect(try store.resolve("document-classifier-champion") == record())
            let bytes = try Data(contentsOf: URL(fileURLWithPath: store.path(of: "document-classifier-champion")))
            #expect(
                String(decoding: bytes, as: UTF8.self)
                    == #"{"actor":"alice","alias":"document-classifier-champion","artifact":"sha256-1111111111111111111111111111111111111111111111111111111111111111","changedAt":"2026-11-23T13:37:00.000Z","reason":"best F1","schemaVersion":1}"#
                    + "\n")
            #expect(try store.names() == ["document-classifier-champion"])
        }
    }

    @Test func resolveSeesEveryReplacementDespiteTheCache() throws {
        try withStore { store in
            for round in 0..<20 {
                let artifact = round % 2 == 0 ? target : other
                try store.write(record("canary", artifact))
                #expect(try store.resolve("canary").artifact == artifact)
            }
        }
    }

    @Test func aMissingAliasIsNotFoundAndRemovingTwiceIsFine() throws {
        try withStore { store in
            #expect(registryErrorCode { try store.resolve("nope") } == .notFound)
            #expect(try store.record("nope") == nil)
            try store.write(record("gone"))
            try store.remove("gone")
            try store.remove("gone")
            #expect(try store.record("gone") == nil)
        }
    }

    @Test(arguments: [
        "", "../etc", "a/b", "nul\u{0}", ".hidden", "UPPER", String(repeating: "a", count: 129), "con", "nul.json",
        "latest", "a..b", "é",
    ])
    func badAliasNamesAreClearErrors(name: String) throws {
        try withStore { store in
            let error = try #require(throws: RegistryError.self) { try store.resolve(name) }
            #expect(error.code == .invalidName)
            #expect(error.message.contains("alias"))
        }
    }

    @Test(arguments: [
        "", "{", #"{"alias":"x"}"#, "not json at all",
        #"{"actor":"a","alias":"x","artifact":"sha256-11","changedAt":"2026-11-23T13:37:00.000Z","schemaVersion":1}"#,
    ])
    func aCorruptOrTruncatedAliasFileIsAnErrorNamingTheFile(contents: String) throws {
        try withStore { store in
            let path = store.path(of: "x")
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: RegistryError.self) { try store.resolve("x") }
            #expect([.invalidJSON, .invalidDocument, .invalidArgument].contains(error.code))
            #expect(error.message.contains(path))
        }
    }

    @Test func aRecordFiledUnderTheWrongNameIsRefused() throws {
        try withStore { store in
            try Data(record("a").fileBytes()).write(to: URL(fileURLWithPath: store.path(of: "b")))
            #expect(registryErrorCode { try store.resolve("b") } == .invalidDocument)
        }
    }

    @Test func recordsRoundTripThroughJSON() throws {
        let full = AliasRecord(
            alias: "x", artifact: target, previousArtifact: other, changedAt: "2026-01-02T03:04:05.678Z",
            approval: "CHG-1234", actor: "ci", reason: "nightly")
        #expect(try AliasRecord(fileBytes: full.fileBytes(), source: "x.json") == full)
        #expect(try AliasRecord(json: full.jsonValue, source: "payload") == full)
    }
}
