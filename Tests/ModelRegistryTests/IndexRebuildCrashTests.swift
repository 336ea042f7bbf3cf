import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@testable import IndexBuilder

#if DEBUG
    /// A rebuild writes `index.bin` section by section into a temporary file (FORMAT.md §13.1) and spills the
    /// summaries' strings to a scratch file in `indexes/`: killed at any step, or failing under an I/O error, it
    /// leaves the previous index or the new one, never a torn one, and the next rebuild leaves no temporary file
    /// behind.
    @Suite struct IndexRebuildCrashTests {
        static func makeRegistry(in temp: URL) throws -> (root: URL, ids: [ArtifactID]) {
            try IndexCrashFixture.makeRegistry(in: temp)
        }

        static func indexFiles(_ root: URL) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: root.path + "/indexes").sorted()
        }

        @Test(arguments: [
            "index.afterUpdatesRemoved", "stream.afterTempWrite", "stream.afterTempSync", "stream.afterRename",
        ])
        func aRebuildKilledAtAnyStepLeavesAUsableIndexAndNoTemporaryFile(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, ids) = try Self.makeRegistry(in: temp)
                try runKilled(["index", "rebuild", "--registry", root.path], at: point)

                // A reader answers at once: from the old index caught up from the log, or from the new one.
                let reader = try Registry.open(at: root, forWriting: false)
                #expect(try reader.query(IndexQuery(state: .validated)).map(\.id) == [ids[2]])
                #expect(try reader.query(IndexQuery()).count == 3)
                #expect(reader.index.lastReport?.findings.contains { $0.kind == .damagedIndex } != true)

                // The next rebuild removes what the killed one left and writes the same bytes as a fresh one.
                let registry = try Registry.open(at: root)
                try registry.rebuildIndexes()
                let files = try Self.indexFiles(root)
                #expect(files.allSatisfy { !$0.hasPrefix(".tmp-") }, "\(files)")
                let stored = try Data(contentsOf: URL(fileURLWithPath: registry.layout.indexesPath + "/index.bin"))
                let fresh = temp.appendingPathComponent("fresh")
                try FileManager.default.copyItem(at: root, to: fresh)
                try FileManager.default.removeItem(at: fresh.appendingPathComponent("indexes"))
                let copy = try Registry.open(at: fresh)
                try copy.rebuildIndexes()
                #expect(stored == (try Data(contentsOf: URL(fileURLWithPath: copy.layout.indexesPath + "/index.bin"))))
                #expect(try registry.fsck().isClean)
            }
        }

        /// An I/O error at any mutating call of a rebuild fails the rebuild with the error, removes its temporary
        /// files, and leaves what was stored usable.
        @Test(arguments: [SystemCall.open, .write, .fsync, .rename, .unlink])
        func aFailedRebuildRemovesItsTemporaryFilesAndLeavesAUsableIndex(call: SystemCall) throws {
            try withTemporaryDirectory { temp in
                let (root, ids) = try Self.makeRegistry(in: temp)
                let registry = try Registry.open(at: root)
                let token = FaultInjector.shared.inject(call, errno: EIO, under: registry.layout.indexesPath + "/")
                let failed = (try? registry.rebuildIndexes()) == nil
                FaultInjector.shared.remove(token)
                #expect(failed, "the injected \(call) failure must reach the caller")
                let files = try Self.indexFiles(root)
                #expect(files.allSatisfy { !$0.hasPrefix(".tmp-") }, "\(files)")

                let reader = try Registry.open(at: root, forWriting: false)
                #expect(try reader.query(IndexQuery(state: .validated)).map(\.id) == [ids[2]])
                #expect(reader.index.lastReport?.findings.contains { $0.kind == .damagedIndex } != true)
                try registry.rebuildIndexes()
                #expect(try registry.index.status().isClean)
            }
        }
    }
#endif
