import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11: the collector's cache of the log (`indexes/collector.json`) makes a plan replay only the events
/// since the last one, gives exactly what a pass over the whole log gives, and is ignored whenever it does not
/// describe this log.
@Suite struct CollectorLogStateTests {
    private func makeRegistry(_ temp: URL) throws -> (Registry, [ArtifactID]) {
        let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
        var ids: [ArtifactID] = []
        for (index, name) in ["a", "b", "c"].enumerated() {
            ids.append(try BundleFixture.registerModel(name, in: registry, under: temp))
            try registry.promote("prod", to: ids[index])
        }
        return (registry, ids)
    }

    private func cachePath(_ registry: Registry) -> String { registry.layout.indexesPath + "/collector.json" }

    /// The state a pass over the whole log gives (no cache), leaving no cache behind for the next call.
    private func fromScratch(_ registry: Registry) throws -> [UInt8] {
        try? FileManager.default.removeItem(atPath: cachePath(registry))
        let state = try registry.collectorLogState()
        return state.bytes
    }

    @Test func aPlanStoresTheCacheAndTheNextOneAdvancesItToTheSameStateAsAFullPass() throws {
        try withTemporaryDirectory { temp in
            let (registry, ids) = try makeRegistry(temp)
            _ = try registry.collectGarbage(.init(dryRun: true))
            let first = try #require(FileManager.default.contents(atPath: cachePath(registry)))
            // More history after the cache: a rollback, a retirement, a registration and a removal.
            try registry.rollback("prod", to: ids[0])
            try registry.promote("staging", to: ids[1])
            try registry.retire("staging")
            let d = try BundleFixture.registerModel("d", in: registry, under: temp)
            try registry.remove(d)
            let advanced = try registry.collectorLogState()
            let stored = try #require(FileManager.default.contents(atPath: cachePath(registry)))
            #expect(stored != first, "the cache moved to the log's end")
            #expect(Array(stored) == advanced.bytes)
            #expect(advanced.bytes == (try fromScratch(registry)), "advancing equals replaying the whole log")
            #expect(try registry.journal.lastEvent()?.sequence == advanced.sequence)
        }
    }

    /// A cache document like `valid`, with `change` applied to its members, in canonical form (sorted keys, no
    /// whitespace), and the alias history emptied: used, it would make every earlier target of `prod` collectable.
    private func forged(_ valid: Data, _ change: (inout [String: Any]) -> Void) throws -> Data {
        var members = try #require(try JSONSerialization.jsonObject(with: valid) as? [String: Any])
        members["aliases"] = [String: Any]()
        change(&members)
        return try JSONSerialization.data(withJSONObject: members, options: [.sortedKeys, .withoutEscapingSlashes])
            + Data("\n".utf8)
    }

    @Test(arguments: ["garbage", "other head", "other sequence", "beyond the log", "unknown member"])
    func aCacheThatDoesNotDescribeThisLogIsIgnored(kind: String) throws {
        try withTemporaryDirectory { temp in
            let (registry, ids) = try makeRegistry(temp)
            let truth = try fromScratch(registry)
            _ = try registry.collectorLogState()  // stores a valid cache
            let valid = try #require(FileManager.default.contents(atPath: cachePath(registry)))
            let bad: Data
            switch kind {
            case "garbage": bad = Data("{not json".utf8)
            case "other head":
                // Another log's cache whose position happens to fit: the line there has another hash.
                bad = try forged(valid) { $0["head"] = "sha256:" + String(repeating: "ab", count: 32) }
            case "other sequence":
                bad = try forged(valid) { $0["sequence"] = (($0["sequence"] as? Int) ?? 0) + 1 }
            case "beyond the log":
                bad = try forged(valid) {
                    var position = $0["position"] as? [String: Any] ?? [:]
                    position["offset"] = 1 << 40
                    $0["position"] = position
                }
            default:
                bad = try forged(valid) { $0["extra"] = 1 }
            }
            try bad.write(to: URL(fileURLWithPath: cachePath(registry)))
            #expect(try registry.collectorLogState().bytes == truth, "\(kind)")
            // And the collector's decisions are the full pass's: every earlier target of prod is kept.
            try bad.write(to: URL(fileURLWithPath: cachePath(registry)))
            let plan = try registry.collectGarbage(.init(gracePeriod: .zero, dryRun: true))
            #expect(plan.decision(for: ids[0])?.holds.map(\.kind) == [.aliasHistory], "\(kind)")
            #expect(plan.collected.isEmpty, "\(kind)")
        }
    }

    /// The control for the test above: a cache whose position, hash and sequence fit this log is used as it is —
    /// the checks are what keeps a cache of another log (or of a rewritten one) out.
    @Test func aCacheThatFitsTheLogIsUsedAsItIs() throws {
        try withTemporaryDirectory { temp in
            let (registry, ids) = try makeRegistry(temp)
            _ = try registry.collectorLogState()
            let valid = try #require(FileManager.default.contents(atPath: cachePath(registry)))
            try forged(valid) { _ in }.write(to: URL(fileURLWithPath: cachePath(registry)))
            let plan = try registry.collectGarbage(.init(gracePeriod: .zero, dryRun: true))
            #expect(plan.decision(for: ids[0])?.holds.isEmpty == true)
            // The alias file's previousArtifact still keeps the generation just before the current one.
            #expect(plan.collected == [ids[0]])
        }
    }

    @Test func aReadOnlyRegistryPlansWithoutWritingTheCache() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try makeRegistry(temp)
            let reader = try Registry.open(at: registry.layout.root, forWriting: false)
            _ = try reader.collectGarbage(.init(dryRun: true))
            #expect(!FileManager.default.fileExists(atPath: cachePath(registry)))
        }
    }
}
