import ArtifactStore
import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// The test vectors printed in docs/FORMAT.md. If one of these fails, the on-disk format changed: that needs a
/// new format version, not a new expected value.
@Suite struct FormatVectorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let vector = fixtures.appendingPathComponent("format-v1-vector")
    static let metadata = ArtifactMetadata(
        name: "tiny", capabilities: ["echo"], labels: ["purpose": "format-test-vector"])

    private func expectedID() throws -> ArtifactID {
        let text = try String(contentsOf: Self.vector.appendingPathComponent("id.txt"), encoding: .utf8)
        return try #require(ArtifactID(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func registeringTheVectorBundleWritesTheDocumentedManifestBytesAndId() throws {
        try withTemporaryRegistry { registry in
            let artifact = try registry.register(
                directory: Self.vector.appendingPathComponent("bundle"), metadata: Self.metadata
            ).artifact
            let written = try Data(contentsOf: artifact.directory.appendingPathComponent("manifest.json"))
            let documented = try Data(contentsOf: Self.vector.appendingPathComponent("manifest.json"))
            #expect(written == documented)
            #expect(artifact.id == (try expectedID()))
        }
    }

    @Test func theDocumentedManifestParsesAndHashesToTheDocumentedId() throws {
        let bytes = Array(try Data(contentsOf: Self.vector.appendingPathComponent("manifest.json")))
        let manifest = try Manifest(parsing: bytes, source: "manifest.json")
        #expect(manifest.canonicalBytes() == bytes)
        #expect(manifest.artifactID(using: SHA256Algorithm()) == (try expectedID()))
        #expect(manifest.metadata == Self.metadata)
        #expect(manifest.files.map(\.size) == [6, 4])
    }

    @Test func aFrozenVersion1RegistryStillOpensAndVerifies() throws {
        try withTemporaryDirectory { temp in
            // Copy first: tests must not write into the source tree.
            let root = temp.appendingPathComponent("registry-v1")
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("registry-v1"), to: root)
            let registry = try Registry.open(at: root, forWriting: false)
            let id = try expectedID()
            #expect(try registry.listArtifacts() == [id])
            let artifact = try registry.artifact(id)
            #expect(try registry.artifacts.identify(directory: artifact.directory, verifyFiles: true) == id)
        }
    }

    /// FORMAT.md §5.2: git keeps no 0444 modes, so the frozen registry checks out with writable files. That stays a
    /// `writable_file` finding, whose message says how to re-protect; after that the registry verifies clean.
    @Test func aRegistryCheckedOutOfGitVerifiesOnlyAfterItsArtifactFilesAreMadeReadOnly() throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("registry-v1")
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("registry-v1"), to: root)
            let id = try expectedID()
            let artifactDirectory = root.appendingPathComponent("artifacts/\(id)")
            // As a git checkout leaves them, whatever the source tree's modes are now.
            for path in ["manifest.json", "weights.bin", "tokenizer/vocab.txt"] {
                try FileManager.default.setAttributes(
                    [.posixPermissions: 0o644], ofItemAtPath: artifactDirectory.appendingPathComponent(path).path)
            }
            let registry = try Registry.open(at: root, forWriting: false)
            let before = try registry.verify(id, depth: .full)
            #expect(before.findings.map(\.kind) == [.writableFile, .writableFile])
            #expect(before.findings.allSatisfy { $0.message.contains("find artifacts -type f -exec chmod a-w {} +") })

            // The documented re-protect step: every file under artifacts/ loses its write bits.
            let files = FileManager.default.enumerator(atPath: root.appendingPathComponent("artifacts").path)
            while let relative = files?.nextObject() as? String {
                let path = root.appendingPathComponent("artifacts/" + relative).path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
                }
            }
            #expect(try registry.verify(id, depth: .full).isClean)
        }
    }
}
