import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@testable import IndexBuilder

#if DEBUG
    /// Compaction (FORMAT.md §13.3) is a write, though never inside another write: `modelreg index compact` is
    /// killed at each step of folding `updates.jsonl` into `index.bin`, and a file system failing under it must
    /// leave an index that is current or caught up from the log — never a damaged one, never a lost state.
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

        /// Waits (a minute at most) until no process holds the compaction lock and `updates.jsonl` is gone: the
        /// detached `modelreg index compact` a write started has finished.
        static func waitForDetachedCompaction(of root: URL) throws -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let idle = RegistryLayout(unchecked: root).indexCompactionLockPath.withCString { path in
                    let fd = open(path, O_RDWR)
                    guard fd >= 0 else { return true }
                    defer { close(fd) }
                    return flock(fd, LOCK_EX | LOCK_NB) == 0
                }
                if idle && !FileManager.default.fileExists(atPath: root.path + "/indexes/updates.jsonl") { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }

        /// A write that leaves a compaction due returns at once (its output ends though the compaction runs on:
        /// the detached process holds none of its descriptors); the detached `modelreg index compact` then writes
        /// the bytes of a rebuild.
        @Test func aWriterPastTheThresholdHandsCompactionToADetachedProcess() throws {
            try withTemporaryDirectory { temp in
                let (root, ids) = try Self.makeRegistry(in: temp)
                let outcome = try CLIRunner.run(
                    ["state", "set", ids[0].description, "candidate", "--registry", root.path],
                    environment: ["MODELREG_INDEX_COMPACTION_BYTES": "1"])
                #expect(outcome.status == 0, "\(outcome.stderr)")
                #expect(try Self.waitForDetachedCompaction(of: root), "the detached compaction finished")
                let stored = try Data(contentsOf: URL(fileURLWithPath: root.path + "/indexes/index.bin"))
                #expect(stored == (try Self.rebuiltBytes(of: root, in: temp)))
                let registry = try Registry.open(at: root)
                #expect(try registry.query(IndexQuery(state: .candidate)).map(\.id) == [ids[0]])
            }
        }

        @Test func indexCompactFoldsTheUpdatesOrSaysThereIsNothingToDo() throws {
            try withTemporaryDirectory { temp in
                let (root, _) = try Self.makeRegistry(in: temp)
                let idle = try CLIRunner.run(["index", "compact", "--registry", root.path])
                #expect(idle.status == 0 && idle.stdout.contains("nothing to compact"), "\(idle.stderr)")
                #expect(FileManager.default.fileExists(atPath: root.path + "/indexes/updates.jsonl"))
                let run = try CLIRunner.run(
                    ["index", "compact", "--json", "--registry", root.path],
                    environment: ["MODELREG_INDEX_COMPACTION_BYTES": "1"])
                #expect(run.status == 0 && run.stdout.contains(#""compacted":true"#), "\(run.stdout) \(run.stderr)")
                #expect(!FileManager.default.fileExists(atPath: root.path + "/indexes/updates.jsonl"))
                let stored = try Data(contentsOf: URL(fileURLWithPath: root.path + "/indexes/index.bin"))
                #expect(stored == (try Self.rebuiltBytes(of: root, in: temp)))
            }
        }

        /// `modelreg index compact` killed at each step (preparing without the lock, the prepared file synced,
        /// the new base renamed into place before the update file is replaced) leaves an index every reader
        /// answers from correctly and the next writer keeps current.
        @Test(arguments: [
            "index.beforeCompaction", "stream.afterTempWrite", "index.compactionPrepared", "stream.afterRename",
            "index.compactionBaseInstalled",
        ])
        func aCompactionKilledAtAnyPointLosesNothing(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, ids) = try Self.makeRegistry(in: temp)
                try Registry.open(at: root).setState(ids[0], to: .candidate)
                try runKilled(
                    ["index", "compact", "--registry", root.path], at: point,
                    environment: ["MODELREG_INDEX_COMPACTION_BYTES": "1"])

                // A reader answers from the stored index (undamaged and current), without writing.
                let reader = try Registry.open(at: root, forWriting: false)
                #expect(try reader.query(IndexQuery(state: .candidate)).map(\.id) == [ids[0]])
                #expect(try reader.query(IndexQuery(state: .validated)).map(\.id) == [ids[2]])
                #expect(reader.index.lastReport?.findings.contains { $0.kind == .damagedIndex } != true)
                #expect(try reader.index.status().isClean, "the stored index reads without damage")

                let registry = try Registry.open(at: root)
                try registry.setState(ids[1], to: .validated)  // the next writer appends after what is there
                #expect(try registry.index.status().isClean)
                #expect(try registry.fsck().isClean)
                #expect(
                    try registry.query(IndexQuery(state: .validated)).map(\.id).sorted { "\($0)" < "\($1)" }
                        == [ids[1], ids[2]].sorted { "\($0)" < "\($1)" })
                let eager = FileIndexBackend(layout: registry.layout, compactionThreshold: 0)
                #expect(try eager.compactUpdatesIfNeeded(), "a later compaction completes")
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: registry.layout.indexesPath)
                    .filter { $0.hasPrefix(".tmp-") }
                #expect(leftovers.isEmpty, "the killed compaction's file is removed: \(leftovers)")
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
