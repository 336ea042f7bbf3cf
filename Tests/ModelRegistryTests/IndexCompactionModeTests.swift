import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `Registry.Configuration.indexCompaction`: compaction never runs inside a write; in the background mode a write
/// that leaves one due starts it on a background thread, in the manual mode only `compactIndex()` does.
@Suite struct IndexCompactionModeTests {
    /// The built-in index, compacting as soon as it has one update line.
    static let eager = Registry.IndexBackendChoice(name: "files-eager") {
        FileIndexBackend(layout: $0, compactionThreshold: 0)
    }

    static func makeRegistry(_ root: URL, _ mode: Registry.IndexCompactionMode) throws -> Registry {
        var configuration = Registry.Configuration()
        configuration.indexBackend = eager
        configuration.indexCompaction = mode
        return try Registry.create(at: root, configuration: configuration)
    }

    /// Registers two artifacts and sets the first one's state: update lines to compact.
    static func fill(_ registry: Registry, under temp: URL) throws -> [ArtifactID] {
        let first = try BundleFixture.registerModel("first", in: registry, under: temp)
        let second = try BundleFixture.registerModel("second", in: registry, under: temp)
        try registry.setState(first, to: .candidate)
        return [first, second]
    }

    static func updatesExist(_ registry: Registry) -> Bool {
        FileManager.default.fileExists(atPath: registry.layout.indexesPath + "/updates.jsonl")
    }

    @Test func inTheBackgroundAWriteLeavesCompactionToAnotherThread() throws {
        try withTemporaryDirectory { temp in
            let registry = try Self.makeRegistry(temp.appendingPathComponent("registry"), .background)
            defer { registry.releaseIndex() }
            let ids = try Self.fill(registry, under: temp)
            registry.waitForIndexCompaction()
            #expect(!Self.updatesExist(registry), "the background compaction folded the update lines")
            #expect(registry.index.lastUpdateProblem == nil)
            #expect(try registry.index.status().isClean)
            #expect(try registry.query(IndexQuery(state: .candidate)).map(\.id) == [ids[0]])
            #expect(try registry.query(IndexQuery()).map(\.id) == [ids[1], ids[0]])
        }
    }

    @Test func manuallyOnlyCompactIndexCompacts() throws {
        try withTemporaryDirectory { temp in
            let registry = try Self.makeRegistry(temp.appendingPathComponent("registry"), .manual)
            defer { registry.releaseIndex() }
            let ids = try Self.fill(registry, under: temp)
            registry.waitForIndexCompaction()
            #expect(Self.updatesExist(registry), "no write compacted")
            #expect(try registry.compactIndex())
            #expect(!Self.updatesExist(registry))
            #expect(try !registry.compactIndex(), "nothing left to compact")
            #expect(try registry.query(IndexQuery(state: .candidate)).map(\.id) == [ids[0]])
            #expect(try registry.index.status().isClean)
        }
    }

    /// One process compacts a registry at a time: while `locks/index-compaction.lock` is held elsewhere, a
    /// compaction returns at once without touching the index.
    @Test func aCompactionUnderwayElsewhereIsNotDuplicated() throws {
        try withTemporaryDirectory { temp in
            let registry = try Self.makeRegistry(temp.appendingPathComponent("registry"), .manual)
            defer { registry.releaseIndex() }
            _ = try Self.fill(registry, under: temp)
            let path = registry.layout.indexCompactionLockPath
            try FileManager.default.createDirectory(
                atPath: registry.layout.locksPath, withIntermediateDirectories: true)
            let fd = open(path, O_RDWR | O_CREAT, 0o644)
            try #require(fd >= 0)
            try #require(flock(fd, LOCK_EX | LOCK_NB) == 0)
            #expect(try !registry.compactIndex())
            #expect(Self.updatesExist(registry))
            close(fd)  // the holder is gone (as when a compacting process dies)
            #expect(try registry.compactIndex())
            #expect(!Self.updatesExist(registry))
        }
    }

    @Test func aReadOnlyRegistryDoesNotCompact() throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("registry")
            let writer = try Self.makeRegistry(root, .manual)
            let first = try BundleFixture.registerModel("first", in: writer, under: temp)
            try writer.setState(first, to: .candidate)
            writer.releaseIndex()
            let reader = try Registry.open(at: root, forWriting: false)
            #expect {
                try reader.compactIndex()
            } throws: { error in
                (error as? RegistryError)?.code == .unsupportedOperation
            }
        }
    }
}
