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
}
