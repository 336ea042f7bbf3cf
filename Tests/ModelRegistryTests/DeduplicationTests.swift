import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// File-level deduplication (FORMAT.md §10.1): identical files are stored once, as hard links to a verified
/// read-only inode, in every ingest mode — and never to a file that changed or could change.
@Suite struct DeduplicationTests {
    /// 256 KiB: above the default deduplication threshold.
    static let weights = BundleFixture.randomBytes(count: 256 << 10, seed: 11)

    /// Writes a source directory whose files were last modified an hour ago (old enough for the source-digest
    /// cache to record them).
    static func source(_ files: [String: [UInt8]], at directory: URL) throws -> URL {
        let url = try BundleFixture.write(files, to: directory)
        for name in files.keys {
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -3600)],
                ofItemAtPath: url.appendingPathComponent(name).path)
        }
        return url
    }

    /// (device, inode, link count, permissions) of a file.
    static func identity(_ url: URL) throws -> (device: Int, inode: Int, links: Int, mode: Int) {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (
            (attributes[.systemNumber] as? NSNumber)?.intValue ?? -1,
            (attributes[.systemFileNumber] as? NSNumber)?.intValue ?? -1,
            (attributes[.referenceCount] as? NSNumber)?.intValue ?? -1,
            (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        )
    }

    static func file(_ registration: Registration, _ path: String) throws -> URL {
        try #require(registration.artifact.url(for: path))
    }

    @Test(arguments: FileArtifactStore.IngestMode.allCases)
    func anIdenticalFileIsStoredOnceInEveryIngestMode(mode: FileArtifactStore.IngestMode) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let first = try Self.source(
                ["weights.bin": Self.weights, "a.txt": Array("a".utf8)], at: temp.appendingPathComponent("first"))
            let second = try Self.source(
                ["weights.bin": Self.weights, "b.txt": Array("b".utf8)], at: temp.appendingPathComponent("second"))
            let a = try registry.register(directory: first, metadata: ArtifactMetadata(name: "a"))
            #expect(a.deduplicated.isEmpty && a.deduplicatedBytes == 0)

            let b = try registry.register(
                directory: second, metadata: ArtifactMetadata(name: "b"), options: .init(mode: mode))
            #expect(b.isNew)
            #expect(b.deduplicated == ["weights.bin"], "\(mode)")
            #expect(b.deduplicatedBytes == Int64(Self.weights.count))
            let stored = try Self.identity(Self.file(a, "weights.bin"))
            let linked = try Self.identity(Self.file(b, "weights.bin"))
            #expect(stored.device == linked.device && stored.inode == linked.inode, "one inode for both artifacts")
            #expect(linked.links == 2 && linked.mode == 0o444)
            #expect(try Self.identity(Self.file(b, "b.txt")).inode != stored.inode)

            for id in [a.artifact.id, b.artifact.id] { #expect(try registry.verify(id, depth: .full).isClean) }
            #expect(try registry.fsck(depth: .full).isClean)
            switch mode {
            case .move:
                #expect(!FileManager.default.fileExists(atPath: second.appendingPathComponent("weights.bin").path))
            case .hardlink:
                // The user's file is not part of the artifact after all: it gets its write permission back.
                let source = try Self.identity(second.appendingPathComponent("weights.bin"))
                #expect(source.links == 1 && source.mode & 0o200 != 0)
            case .copy, .reflink:
                #expect(try Self.identity(second.appendingPathComponent("weights.bin")).inode != stored.inode)
            }
        }
    }

    @Test func sharedFilesKeepTheirStampsSoLoadingNeedsNoRehash() throws {
        try withTemporaryDirectory { temp in
            var configuration = Registry.Configuration()
            configuration.userStampCache = temp.appendingPathComponent("user-cache")
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: configuration)
            let a = try registry.register(
                directory: try Self.source(["weights.bin": Self.weights], at: temp.appendingPathComponent("a")),
                metadata: ArtifactMetadata(name: "a"))
            let b = try registry.register(
                directory: try Self.source(["weights.bin": Self.weights], at: temp.appendingPathComponent("b")),
                metadata: ArtifactMetadata(name: "b"))
            #expect(b.deduplicated == ["weights.bin"])
            // The link changed the shared inode's ctime; both artifacts' stamps were carried over.
            #expect(try registry.openForLoading(artifact: a.artifact.id).rehashed.isEmpty)
            #expect(try registry.openForLoading(artifact: b.artifact.id).rehashed.isEmpty)
        }
    }

    @Test func aStoredFileWhoseBytesChangedIsNeverLinked() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let a = try registry.register(
                directory: try Self.source(["weights.bin": Self.weights], at: temp.appendingPathComponent("a")),
                metadata: ArtifactMetadata(name: "a"))
            // Tamper with the stored file: same size, other bytes, read-only again.
            let stored = try Self.file(a, "weights.bin")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: stored.path)
            var tampered = Self.weights
            tampered[0] ^= 0xFF
            try Data(tampered).write(to: stored)
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: stored.path)

            let b = try registry.register(
                directory: try Self.source(["weights.bin": Self.weights], at: temp.appendingPathComponent("b")),
                metadata: ArtifactMetadata(name: "b"))
            #expect(b.deduplicated.isEmpty, "a changed file is copied, not linked")
            #expect(try Self.identity(Self.file(b, "weights.bin")).inode != Self.identity(stored).inode)
            #expect(try registry.verify(b.artifact.id, depth: .full).isClean)
            #expect(try !registry.verify(a.artifact.id, depth: .full).isClean)
        }
    }

    @Test func aWritableStoredFileIsNeverLinked() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let a = try registry.register(
                directory: try Self.source(["weights.bin": Self.weights], at: temp.appendingPathComponent("a")),
                metadata: ArtifactMetadata(name: "a"))
            try FileManager.default.setAttributes(
                [.posixPermissions: 0o644], ofItemAtPath: try Self.file(a, "weights.bin").path)
            let b = try registry.register(
                directory: try Self.source(["weights.bin": Self.weights], at: temp.appendingPathComponent("b")),
                metadata: ArtifactMetadata(name: "b"))
            #expect(b.deduplicated.isEmpty)
            #expect(try Self.identity(Self.file(b, "weights.bin")).links == 1)
        }
    }

    @Test func aLostIndexIsRebuiltFromManifestsAndHashedBeforeTheFirstLink() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let blobs = registry.layout.indexesPath + "/blobs"
            let a = try registry.register(
                directory: try Self.source(["weights.bin": Self.weights], at: temp.appendingPathComponent("a")),
                metadata: ArtifactMetadata(name: "a"))
            try FileManager.default.removeItem(atPath: blobs)
            let b = try registry.register(
                directory: try Self.source(["weights.bin": Self.weights], at: temp.appendingPathComponent("b")),
                metadata: ArtifactMetadata(name: "b"))
            #expect(b.deduplicated == ["weights.bin"], "rebuilt from the manifests")
            #expect(FileManager.default.fileExists(atPath: blobs))

            // Rebuilt again over a stored file whose bytes no longer match its manifest: hashed, so not linked.
            try FileManager.default.removeItem(atPath: blobs)
            let stored = try Self.file(a, "weights.bin")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: stored.path)
            var tampered = Self.weights
            tampered[100] ^= 1
            try Data(tampered).write(to: stored)
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: stored.path)
            let c = try registry.register(
                directory: try Self.source(["weights.bin": Self.weights], at: temp.appendingPathComponent("c")),
                metadata: ArtifactMetadata(name: "c"))
            #expect(c.deduplicated.isEmpty)
            #expect(try registry.verify(c.artifact.id, depth: .full).isClean)
        }
    }

    @Test func smallFilesAreStoredOnTheirOwnUnlessTheThresholdIsLowered() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let small = BundleFixture.randomBytes(count: 1000, seed: 3)
            _ = try registry.register(
                directory: try Self.source(["small.bin": small], at: temp.appendingPathComponent("a")),
                metadata: ArtifactMetadata(name: "a"))
            let b = try registry.register(
                directory: try Self.source(["small.bin": small], at: temp.appendingPathComponent("b")),
                metadata: ArtifactMetadata(name: "b"))
            #expect(b.deduplicated.isEmpty)
            let c = try registry.register(
                directory: try Self.source(["small.bin": small], at: temp.appendingPathComponent("c")),
                metadata: ArtifactMetadata(name: "c"), options: .init(deduplicationMinimumSize: 0))
            #expect(c.deduplicated == ["small.bin"] && c.deduplicatedBytes == 1000)
        }
    }
}
