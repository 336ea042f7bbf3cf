import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

@Suite struct RegistryLayoutTests {
    @Test func createMakesEveryDirectoryAndTheFormatMarker() throws {
        try withTemporaryDirectory { temp in
            let layout = try RegistryLayout.create(at: temp.appendingPathComponent("r"))
            for path in [
                layout.artifactsPath, layout.aliasesPath, layout.auditPath, layout.indexesPath, layout.locksPath,
                layout.stagingPath,
            ] {
                #expect(FileManager.default.fileExists(atPath: path), "\(path)")
            }
            let marker = try Data(contentsOf: URL(fileURLWithPath: layout.formatFilePath))
            #expect(String(decoding: marker, as: UTF8.self) == #"{"format":"modelregistry","formatVersion":1}"# + "\n")
            #expect(try RegistryLayout.open(at: temp.appendingPathComponent("r")).rootPath == layout.rootPath)
        }
    }

    @Test func createIsIdempotentOnAnExistingRegistry() throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("r")
            try RegistryLayout.create(at: root)
            try RegistryLayout.create(at: root)
            #expect(try RegistryLayout.open(at: root, forWriting: true).rootPath == root.path)
        }
    }

    @Test func aDirectoryWithoutAMarkerIsNotARegistry() throws {
        try withTemporaryDirectory { temp in
            let error = try #require(throws: RegistryError.self) { try RegistryLayout.open(at: temp) }
            #expect(error.code == .notARegistry)
            #expect(error.message.contains(temp.path))
        }
    }

    @Test func anUnknownFormatVersionIsRefusedWithoutTouchingAnything() throws {
        try withTemporaryDirectory { temp in
            let marker = temp.appendingPathComponent("registry.json")
            try Data(#"{"format":"modelregistry","formatVersion":2}"#.utf8).write(to: marker)
            let error = try #require(throws: RegistryError.self) { try RegistryLayout.open(at: temp) }
            #expect(error.code == .unsupportedFormatVersion)
            #expect(error.message.contains("registry.json") && error.message.contains("2"))
            #expect(registryErrorCode { try RegistryLayout.create(at: temp) } == .unsupportedFormatVersion)
            #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == ["registry.json"])
        }
    }

    @Test(arguments: [
        #"{"format":"modelregistry","formatVersion":1.0}"#,
        #"{"format":"modelregistry","formatVersion":1,"formatVersion":1}"#,
        #"{"format":"modelregistry","formatVersion":1,}"#,
        "\u{FEFF}{\"format\":\"modelregistry\",\"formatVersion\":1}",
        #"{"format":"something-else","formatVersion":1}"#,
        "",
    ])
    func aDamagedFormatMarkerIsAClearError(contents: String) throws {
        try withTemporaryDirectory { temp in
            try Data(contents.utf8).write(to: temp.appendingPathComponent("registry.json"))
            let error = try #require(throws: RegistryError.self) { try RegistryLayout.open(at: temp) }
            #expect([.invalidJSON, .invalidDocument, .notARegistry].contains(error.code))
            #expect(error.message.contains("registry.json"))
        }
    }

    /// FORMAT.md §2.1: registry.json has no room for unknown members; a newer format says so by its version.
    @Test func anUnknownMemberInTheFormatMarkerIsRefusedNamingIt() throws {
        try withTemporaryDirectory { temp in
            let marker = temp.appendingPathComponent("registry.json")
            try Data(#"{"format":"modelregistry","formatVersion":1,"mirrorOf":"x"}"#.utf8).write(to: marker)
            let error = try #require(throws: RegistryError.self) { try RegistryLayout.open(at: temp) }
            #expect(error.code == .invalidDocument)
            #expect(error.message.contains("registry.json") && error.message.contains("mirrorOf"))

            try Data(#"{"format":"modelregistry","formatVersion":2,"mirrorOf":"x"}"#.utf8).write(to: marker)
            #expect(registryErrorCode { try RegistryLayout.open(at: temp) } == .unsupportedFormatVersion)
        }
    }

    /// FORMAT.md §2.1: only documents whose bytes are hashed must be canonical on read; the others are read as
    /// strict JSON, whatever their spacing and member order.
    @Test func aNonCanonicalMarkerOrStateFileIsReadButANonCanonicalManifestIsRefused() throws {
        try withTemporaryDirectory { temp in
            try Data("{ \"formatVersion\": 1,\n  \"format\": \"modelregistry\" }".utf8)
                .write(to: temp.appendingPathComponent("registry.json"))
            #expect(try RegistryLayout.open(at: temp).rootPath == temp.standardizedFileURL.path)
        }
        let id = "sha256-" + String(repeating: "1", count: 64)
        let state = """
            {"state": "candidate", "schemaVersion": 1, "artifact": "\(id)",
             "changedAt": "2026-11-23T13:37:00.123Z", "actor": "alice"}
            """
        #expect(try StateRecord(fileBytes: Array(state.utf8), source: "states/x.json").state == .candidate)

        let manifest =
            #"{"capabilities":[],"files":[],"hashAlgorithm":"sha256","labels":{},"mediaType":"application/vnd.modelregistry.manifest.v1+json","name":"tiny","parents":[],"schemaVersion":1}"#
        #expect(try Manifest(parsing: Array(manifest.utf8), source: "manifest.json").files.isEmpty)
        #expect(
            registryErrorCode { try Manifest(parsing: Array((manifest + "\n").utf8), source: "manifest.json") }
                == .invalidDocument)
    }
}
