import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11: a fetch re-deduplicates. A fetched file whose bytes another artifact already stores becomes a hard
/// link to that stored file, as a registration's would, and `du` counts those bytes once.
@Suite struct FetchDeduplicationTests {
    private static func inode(_ path: String) throws -> UInt64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require((attributes[.systemFileNumber] as? NSNumber)?.uint64Value)
    }

    @Test func aFetchedFileAnotherArtifactStoresIsLinkedAndCountedOnce() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            try registry.evict(fixture.id)
            // Registered while the fixture's artifact is evicted: its weights are stored anew, once.
            let other = try BundleFixture.write(
                ["weights.bin": EvictionFixture.weights, "head.bin": [9, 9]], to: temp.appendingPathComponent("other"))
            let registration = try registry.register(directory: other, metadata: ArtifactMetadata(name: "other"))
            #expect(registration.deduplicated.isEmpty)
            let before = try registry.diskUsage().totalBytes

            let report = try registry.fetch(fixture.id)
            #expect(report.deduplicated == ["weights.bin"], "\(report)")
            #expect(report.files == 2)
            let fetched = fixture.directory() + "/weights.bin"
            let stored = registry.layout.artifactPath(registration.artifact.id) + "/weights.bin"
            #expect(try Self.inode(fetched) == Self.inode(stored), "one inode for the same bytes")
            #expect(fixture.holdsOriginalBytes())

            let usage = try registry.diskUsage()
            let weights = Int64(EvictionFixture.weights.count)
            let tokenizer = Int64(fixture.files["config/tokenizer.json"]?.count ?? 0)
            #expect(usage.totalBytes == before + tokenizer, "the weights are counted once: \(usage)")
            #expect(usage.savedBytes == weights)
            #expect(try registry.fsck(depth: .full).isClean)

            // The fetched artifact is a holder in the deduplication index: a later registration links to it even
            // once the other artifact is gone.
            try registry.remove(registration.artifact.id, force: true)
            let third = try BundleFixture.write(
                ["weights.bin": EvictionFixture.weights], to: temp.appendingPathComponent("third"))
            let again = try registry.register(directory: third, metadata: ArtifactMetadata(name: "third"))
            #expect(again.deduplicated == ["weights.bin"])
            #expect(
                try Self.inode(registry.layout.artifactPath(again.artifact.id) + "/weights.bin") == Self.inode(fetched))
        }
    }

    @Test func aFetchWithNothingStoredElsewhereCopiesEveryFile() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            try fixture.registry.evict(fixture.id)
            let report = try fixture.registry.fetch(fixture.id)
            #expect(report.deduplicated.isEmpty && report.files == 2)
            let links =
                try FileManager.default.attributesOfItem(atPath: fixture.directory() + "/weights.bin")[
                    .referenceCount] as? Int
            #expect(links == 1)
            #expect(try fixture.registry.fsck(depth: .full).isClean)
        }
    }
}
