import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// A compaction is prepared without the writer lock (FORMAT.md §13.3) while writers go on appending updates, then
/// installed under it: what was appended meanwhile is carried over, a rebuild meanwhile wins, and a crash between
/// the install's two renames leaves files every reader still reads correctly.
@Suite struct PreparedCompactionTests {
    /// A registry whose stored index is a base plus update lines.
    static func withUpdates(_ body: (IndexFixture, [ArtifactID]) throws -> Void) throws {
        try IndexFixture.with { f in
            let first = try f.register("first", capabilities: ["ocr"])
            let second = try f.register("second", capabilities: ["ocr"], parents: [first])
            try f.registry.setState(first, to: .candidate)
            #expect(try f.indexBytes()["updates.jsonl"] != nil)
            try body(f, [first, second])
        }
    }

    static func eagerBackend(_ f: IndexFixture) -> FileIndexBackend {
        FileIndexBackend(layout: f.registry.layout, compactionThreshold: 0)
    }

    static func temporaryFiles(_ f: IndexFixture) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: f.indexesPath).filter { $0.hasPrefix(".tmp-") }
    }

    static func lines(_ data: Data?) -> Int {
        data.map { $0.split(separator: 0x0A).count } ?? 0
    }

    @Test func writesWhileACompactionIsPreparedAreCarriedOverToTheNewUpdateFile() throws {
        try Self.withUpdates { f, ids in
            let reader = f.freshIndex()
            #expect(try reader.query(IndexQuery(state: .candidate)).ids == [ids[0]])  // loaded before the install
            let prepared = try #require(try Self.eagerBackend(f).prepareCompaction())
            let before = try f.indexBytes()

            // Writers go on: neither the base nor the update lines so far are touched by preparing.
            let third = try f.register("third", capabilities: ["speech"])
            try f.registry.setState(ids[1], to: .validated)
            let during = try f.indexBytes()
            #expect(during["index.bin"] == before["index.bin"])
            #expect(Self.lines(during["updates.jsonl"]) == Self.lines(before["updates.jsonl"]) + 2)

            #expect(try prepared.install())
            let after = try f.indexBytes()
            #expect(after["index.bin"] != before["index.bin"])
            #expect(Self.lines(after["updates.jsonl"]) == 2, "only the lines appended after the snapshot remain")
            #expect(try Self.temporaryFiles(f).isEmpty)

            let scanned = try f.freshIndex().scan().contents
            #expect(try f.freshIndex().contents() == scanned)
            #expect(try f.freshIndex().status().isClean)
            #expect(try reader.contents() == scanned, "a reader loaded before the install reloads")
            #expect(try reader.query(IndexQuery(capabilities: ["speech"])).ids == [third])

            // Compacting the rest leaves the bytes of the same contents encoded at once.
            #expect(try Self.eagerBackend(f).compactUpdatesIfNeeded())
            #expect(try f.indexBytes()["updates.jsonl"] == nil)
            let elsewhere = f.temp.appendingPathComponent("encoded")
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            try FileIndexBackend(layout: RegistryLayout(unchecked: elsewhere)).replaceContents(
                with: scanned, persist: true)
            #expect(try f.indexBytes() == IndexFixture.indexBytes(in: elsewhere.path + "/indexes"))
        }
    }

    @Test func aRebuildWhileACompactionIsPreparedWins() throws {
        try Self.withUpdates { f, _ in
            let prepared = try #require(try Self.eagerBackend(f).prepareCompaction())
            #expect(try Self.temporaryFiles(f).count == 1)
            try f.registry.rebuildIndexes()
            let rebuilt = try f.indexBytes()
            #expect(try !prepared.install(), "the base it was prepared from is gone")
            #expect(try f.indexBytes() == rebuilt)
            #expect(try Self.temporaryFiles(f).isEmpty)
        }
    }

    @Test func anUpdateFileRewrittenWhileACompactionIsPreparedIsNotOverwritten() throws {
        try Self.withUpdates { f, ids in
            let prepared = try #require(try Self.eagerBackend(f).prepareCompaction())
            // Another writer's compaction (or a rebuild that has not replaced the base yet) replaced the file.
            try f.remove("updates.jsonl")
            try f.registry.setState(ids[1], to: .validated)
            let stored = try f.indexBytes()
            #expect(try !prepared.install())
            #expect(try f.indexBytes() == stored)
            #expect(try Self.temporaryFiles(f).isEmpty)
        }
    }

    @Test func discardingAPreparedCompactionRemovesItsFile() throws {
        try Self.withUpdates { f, _ in
            let stored = try f.indexBytes()
            let prepared = try #require(try Self.eagerBackend(f).prepareCompaction())
            prepared.discard()
            #expect(try Self.temporaryFiles(f).isEmpty)
            #expect(try f.indexBytes() == stored)
        }
    }

    @Test func nothingIsPreparedBelowTheThresholdOrWithoutUpdateLines() throws {
        try Self.withUpdates { f, _ in
            #expect(try FileIndexBackend(layout: f.registry.layout).prepareCompaction() == nil)  // 1 MiB
            try f.registry.rebuildIndexes()
            #expect(try !Self.eagerBackend(f).isCompactionDue())
            #expect(try Self.eagerBackend(f).prepareCompaction() == nil)
        }
    }

    /// A crash after the new base is renamed into place and before the update file is replaced leaves the new
    /// base with every old line: readers skip the lines the base already holds, writers append after them.
    @Test func linesTheBaseAlreadyHoldsAreSkipped() throws {
        try Self.withUpdates { f, ids in
            let old = try #require(try f.indexBytes()["updates.jsonl"])
            #expect(try Self.eagerBackend(f).compactUpdatesIfNeeded())
            #expect(try f.indexBytes()["updates.jsonl"] == nil)
            try f.write(Array(old), to: "updates.jsonl")  // the state a crash between the renames leaves

            let scanned = try f.freshIndex().scan().contents
            #expect(try f.freshIndex().contents() == scanned)
            #expect(try f.freshIndex().status().isClean)
            #expect(f.freshIndex().lastReport == nil, "answered from the stored index, not a scan")

            try f.registry.setState(ids[1], to: .production)  // a writer appends after the old lines
            #expect(try f.freshIndex().query(IndexQuery(state: .production)).ids == [ids[1]])
            #expect(try f.freshIndex().status().isClean)
            #expect(try Self.eagerBackend(f).compactUpdatesIfNeeded())
            #expect(try f.freshIndex().contents() == f.freshIndex().scan().contents)
        }
    }

    /// A line that starts past where the index ends is still damage: skipping is only for lines that end at or
    /// before it.
    @Test func aLineThatLeavesAGapIsStillDamage() throws {
        try Self.withUpdates { f, _ in
            let old = try #require(try f.indexBytes()["updates.jsonl"])
            let lines = old.split(separator: 0x0A)
            try #require(lines.count >= 2)
            try f.write(Array(lines[1]) + [0x0A], to: "updates.jsonl")  // the first line lost
            let backend = FileIndexBackend(layout: f.registry.layout)
            #expect(throws: RegistryError.self) { try backend.refresh() }
        }
    }
}
