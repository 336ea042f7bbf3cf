import ArtifactStore
import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@Suite struct IngestModeTests {
    let metadata = ArtifactMetadata(name: "model")

    private func inode(_ url: URL) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int)
    }

    @Test func copyModeGivesTheArtifactItsOwnInode() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(
                ["w.bin": BundleFixture.randomBytes(count: 3_000_001, seed: 1)], to: temp.appendingPathComponent("b"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let artifact = try registry.register(directory: bundle, metadata: metadata, options: .init(mode: .copy))
                .artifact
            let stored = try #require(artifact.url(for: "w.bin"))
            #expect(try inode(stored) != inode(bundle.appendingPathComponent("w.bin")))
            #expect(try Data(contentsOf: stored) == Data(contentsOf: bundle.appendingPathComponent("w.bin")))
        }
    }

    @Test func hardlinkModeSharesTheInodeAndMakesTheSourceReadOnly() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(
                ["w.bin": BundleFixture.randomBytes(count: 70_000, seed: 2)], to: temp.appendingPathComponent("b"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let registration = try registry.register(
                directory: bundle, metadata: metadata, options: .init(mode: .hardlink))
            let stored = try #require(registration.artifact.url(for: "w.bin"))
            let source = bundle.appendingPathComponent("w.bin")
            #expect(try inode(stored) == inode(source))
            #expect(registration.copiedInstead.isEmpty)
            // The shared inode is read-only, so a careless write to the original fails instead of corrupting the artifact.
            let mode = try FileManager.default.attributesOfItem(atPath: source.path)[.posixPermissions] as? Int
            #expect(mode == 0o444)
        }
    }

    @Test func moveModeRemovesTheSourcesOnlyAfterPublishing() throws {
        try withTemporaryDirectory { temp in
            let files = ["w.bin": BundleFixture.randomBytes(count: 10_000, seed: 3), "sub/t.txt": Array("x".utf8)]
            let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("b"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let artifact = try registry.register(directory: bundle, metadata: metadata, options: .init(mode: .move))
                .artifact
            #expect(!FileManager.default.fileExists(atPath: bundle.appendingPathComponent("w.bin").path))
            #expect(!FileManager.default.fileExists(atPath: bundle.appendingPathComponent("sub/t.txt").path))
            for (path, bytes) in files {
                #expect(Array(try Data(contentsOf: try #require(artifact.url(for: path)))) == bytes)
            }
        }
    }

    @Test func moveModeKeepsTheSourcesWhenRegistrationFails() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(["w.bin": [1, 2, 3]], to: temp.appendingPathComponent("b"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let bad = ArtifactMetadata(name: "bad name with spaces")
            #expect(
                registryErrorCode {
                    try registry.register(directory: bundle, metadata: bad, options: .init(mode: .move))
                } == .invalidName)
            #expect(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("w.bin").path))
        }
    }

    @Test func reflinkModeFallsBackToCopyWhereTheFileSystemCannotClone() throws {
        try withTemporaryDirectory { temp in
            let bytes = BundleFixture.randomBytes(count: 200_000, seed: 4)
            let bundle = try BundleFixture.write(["w.bin": bytes], to: temp.appendingPathComponent("b"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let registration = try registry.register(
                directory: bundle, metadata: metadata, options: .init(mode: .reflink))
            let stored = try #require(registration.artifact.url(for: "w.bin"))
            #expect(Array(try Data(contentsOf: stored)) == bytes)
            #expect(registration.artifact.manifest.entry(at: "w.bin")?.digest == SHA256Algorithm().hash(bytes))
            // ext4 and tmpfs cannot clone; btrfs/XFS can. Either way the bytes are right, and a fallback is reported.
            let kind = try FileSystem.kind(of: temp.path)
            if ["ext4", "tmpfs", "overlayfs"].contains(kind.name) {
                #expect(registration.copiedInstead == ["w.bin"])
            }
        }
    }

    @Test(arguments: FileArtifactStore.IngestMode.allCases)
    func everyModeProducesTheSameId(mode: FileArtifactStore.IngestMode) throws {
        try withTemporaryDirectory { temp in
            let files = [
                "w.bin": BundleFixture.randomBytes(count: 1_234_567, seed: 5), "a/b/c.txt": Array("deep".utf8),
            ]
            let reference = try withTemporaryRegistry { registry in
                try registry.register(
                    directory: BundleFixture.write(files, to: temp.appendingPathComponent("ref")), metadata: metadata
                ).artifact.id
            }
            let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("src"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let id = try registry.register(directory: bundle, metadata: metadata, options: .init(mode: mode)).artifact
                .id
            #expect(id == reference)
        }
    }

    @Test func manyFilesAreHashedOnAllCoresAndListedInPathOrder() throws {
        try withTemporaryDirectory { temp in
            var files: [String: [UInt8]] = [:]
            for index in 0..<40 {
                files["shard-\(index).bin"] = BundleFixture.randomBytes(count: 1000 * index + 17, seed: UInt64(index))
            }
            let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("b"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let serial = try withTemporaryRegistry { other in
                try other.register(directory: bundle, metadata: metadata, options: .init(maxConcurrency: 1)).artifact.id
            }
            let manifest = try registry.register(directory: bundle, metadata: metadata).artifact.manifest
            #expect(manifest.files.map(\.path) == files.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            #expect(manifest.artifactID(using: SHA256Algorithm()) == serial)
            for entry in manifest.files { #expect(entry.digest == SHA256Algorithm().hash(files[entry.path] ?? [])) }
        }
    }
}
