import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@testable import IndexBuilder

#if DEBUG
    /// Compaction (FORMAT.md §13.3) is a write: `modelreg state set` is killed at each step of folding
    /// `updates.jsonl` into `index.bin`, and a file system failing under it must leave an index that is current or
    /// caught up from the log — never a damaged one, never a lost state.
    @Suite struct IndexCompactionCrashTests {
        static func makeRegistry(in temp: URL) throws -> (root: URL, ids: [ArtifactID]) {
            try IndexCrashFixture.makeRegistry(in: temp)
        }

        /// The index of a copy of the registry, rebuilt: what any stored index must equal once current.
        static func rebuiltBytes(of root: URL, in temp: URL) throws -> Data {
            let copy = temp.appendingPathComponent("copy-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: root, to: copy)
            let registry = try Registry.open(at: copy)
            try registry.rebuildIndexes()
            return try Data(contentsOf: URL(fileURLWithPath: registry.layout.indexesPath + "/index.bin"))
        }

        @Test func aWriterPastTheThresholdCompactsToTheBytesOfARebuild() throws {
            try withTemporaryDirectory { temp in
                let (root, ids) = try Self.makeRegistry(in: temp)
                let outcome = try CLIRunner.run(
                    ["state", "set", ids[0].description, "candidate", "--registry", root.path],
                    environment: ["MODELREG_INDEX_COMPACTION_BYTES": "1"])
                #expect(outcome.status == 0, "\(outcome.stderr)")
                let indexes = root.path + "/indexes"
                #expect(!FileManager.default.fileExists(atPath: indexes + "/updates.jsonl"), "compacted")
                let stored = try Data(contentsOf: URL(fileURLWithPath: indexes + "/index.bin"))
                #expect(stored == (try Self.rebuiltBytes(of: root, in: temp)))
                let registry = try Registry.open(at: root)
                #expect(try registry.query(IndexQuery(state: .candidate)).map(\.id) == [ids[0]])
            }
        }

        @Test(arguments: [
            "index.beforeCompaction", "index.afterUpdatesRemoved", "stream.afterTempWrite", "stream.afterRename",
        ])
        func aCompactionKilledAtAnyPointLosesNothing(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, ids) = try Self.makeRegistry(in: temp)
                try runKilled(
                    ["state", "set", ids[0].description, "candidate", "--registry", root.path], at: point,
                    environment: ["MODELREG_INDEX_COMPACTION_BYTES": "1"])

                // The state change is in the log; a reader sees it at once (from the update line, or by catching
                // up from the log), without writing.
                let reader = try Registry.open(at: root, forWriting: false)
                #expect(try reader.query(IndexQuery(state: .candidate)).map(\.id) == [ids[0]])
                #expect(try reader.query(IndexQuery(state: .validated)).map(\.id) == [ids[2]])
                #expect(reader.index.lastReport?.findings.contains { $0.kind == .damagedIndex } != true)

                let registry = try Registry.open(at: root)
                _ = try registry.recover()
                try registry.setState(ids[1], to: .validated)  // the next writer stores what was missed
                #expect(try registry.index.status().isClean)
                #expect(try registry.fsck().isClean)
                #expect(
                    try registry.query(IndexQuery(state: .validated)).map(\.id).sorted { "\($0)" < "\($1)" }
                        == [ids[1], ids[2]].sorted { "\($0)" < "\($1)" })
                try registry.rebuildIndexes()
                #expect(
                    try Data(contentsOf: URL(fileURLWithPath: registry.layout.indexesPath + "/index.bin"))
                        == (try Self.rebuiltBytes(of: root, in: temp)))
            }
        }

        /// An I/O error at any mutating call of a compaction fails the compaction only: what is stored stays
        /// usable (current, or behind and caught up from the log).
        @Test(arguments: [SystemCall.unlink, .write, .fsync, .rename])
        func aFailedCompactionLeavesAUsableIndex(call: SystemCall) throws {
            try withTemporaryDirectory { temp in
                let (root, ids) = try Self.makeRegistry(in: temp)
                let registry = try Registry.open(at: root)
                try registry.setState(ids[0], to: .candidate)
                let backend = FileIndexBackend(layout: registry.layout, compactionThreshold: 0)
                let token = FaultInjector.shared.inject(call, errno: EIO, under: registry.layout.indexesPath + "/")
                let failed = (try? backend.compactUpdatesIfNeeded()) == nil
                FaultInjector.shared.remove(token)
                #expect(failed, "the injected \(call) failure must reach the caller")

                let reader = try Registry.open(at: root, forWriting: false)
                #expect(try reader.query(IndexQuery(state: .candidate)).map(\.id) == [ids[0]])
                #expect(reader.index.lastReport?.findings.contains { $0.kind == .damagedIndex } != true)
                #expect(throws: Never.self) {  // without the fault, compaction (or nothing left to compact) succeeds
                    try FileIndexBackend(layout: registry.layout, compactionThreshold: 0).compactUpdatesIfNeeded()
                }
                try registry.setState(ids[1], to: .validated)
                #expect(try registry.index.status().isClean)
            }
        }
    }
#endif
