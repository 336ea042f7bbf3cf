import ArtifactStore
import Foundation
import ModelRegistry
import RegistryCore
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Deduplication in the store on its own (without the `Registry` facade), and its fallback to a copy when
/// `link(2)` fails.
@Suite struct DeduplicationFallbackTests {
    static let weights = BundleFixture.randomBytes(count: 300_000, seed: 41)

    static func inode(_ url: URL) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? NSNumber)?.intValue)
    }

    /// A store over a fresh registry, and two source directories with the same weights.
    static func withStore(_ body: (FileArtifactStore, URL, URL) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let store = FileArtifactStore(layout: registry.layout)
            let first = try BundleFixture.write(["w.bin": weights], to: temp.appendingPathComponent("first"))
            let second = try BundleFixture.write(
                ["w.bin": weights, "n.txt": Array("n".utf8)], to: temp.appendingPathComponent("second"))
            try body(store, first, second)
        }
    }

    @Test func theStoreAloneDeduplicatesAndRecordsWhatItPublished() throws {
        try Self.withStore { store, first, second in
            let a = try store.register(directory: first, metadata: ArtifactMetadata(name: "a"))
            let b = try store.register(directory: second, metadata: ArtifactMetadata(name: "b"))
            #expect(b.deduplicated == ["w.bin"] && b.deduplicatedBytes == Int64(Self.weights.count))
            let stored = try #require(a.artifact.url(for: "w.bin"))
            #expect(try Self.inode(stored) == Self.inode(try #require(b.artifact.url(for: "w.bin"))))
            #expect(try store.identify(directory: b.artifact.directory, verifyFiles: true) == b.artifact.id)
        }
    }

    #if DEBUG
        @Test(arguments: [EMLINK, EXDEV, EPERM])
        func aFailingLinkFallsBackToTheCopy(errno: Int32) throws {
            try Self.withStore { store, first, second in
                let a = try store.register(directory: first, metadata: ArtifactMetadata(name: "a"))
                let token = FaultInjector.shared.inject(.link, errno: errno, under: store.layout.stagingPath + "/")
                defer { FaultInjector.shared.remove(token) }
                let b = try store.register(directory: second, metadata: ArtifactMetadata(name: "b"))
                #expect(b.isNew && b.deduplicated.isEmpty && b.deduplicatedBytes == 0)
                let stored = try #require(a.artifact.url(for: "w.bin"))
                #expect(try Self.inode(stored) != Self.inode(try #require(b.artifact.url(for: "w.bin"))))
                #expect(try store.identify(directory: b.artifact.directory, verifyFiles: true) == b.artifact.id)
                let staging = try FileManager.default.contentsOfDirectory(atPath: store.layout.stagingPath)
                #expect(!staging.contains { $0.hasPrefix("ingest-") }, "no staging directory left behind")
            }
        }
    #endif
}
