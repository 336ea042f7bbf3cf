import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@Suite struct IncrementalIndexTests {
    /// Random registries: registrations with random names, capabilities, labels and parents (some through
    /// `lineage.json`, some with an evaluation card), state changes with and without the index hook, evaluation
    /// records added after registration, alias changes (events the index ignores),
    /// and rebuilds at random points. After every step the incrementally maintained index
    /// must equal a full rebuild from scratch, byte for byte once compacted.
    @Test(arguments: 0..<12)
    func incrementalUpdatesEqualAFullRebuild(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let capabilities = ["text-classification", "ocr", "image-classification", "text-embedding", "speech"]
        let words = ["invoice", "receipt", "bert", "ResNet", "small", "large", "v2", "draft"]
        let teams = ["docs", "vision", "Übersetzung", "nlp team", "docs/ocr"]
        let states = ["validated", "candidate", "production", "deprecated"]
        try IndexFixture.with { f in
            var ids: [ArtifactID] = []
            let steps = Int.random(in: 12...28, using: &random)
            for step in 0..<steps {
                let choice = ids.isEmpty ? 0 : Int.random(in: 0..<10, using: &random)
                switch choice {
                case 0..<6:
                    let name = (0..<Int.random(in: 1...3, using: &random)).map { _ in
                        words.randomElement(using: &random) ?? "m"
                    }.joined(separator: "-")
                    let caps = capabilities.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
                    var labels: [String: String] = [:]
                    if Bool.random(using: &random) { labels["team"] = teams.randomElement(using: &random) }
                    let parents = ids.filter { _ in Int.random(in: 0..<4, using: &random) == 0 }
                    let split = Int.random(in: 0...parents.count, using: &random)
                    var extra: [String: [UInt8]] = [:]
                    if split < parents.count || Int.random(in: 0..<5, using: &random) == 0 {
                        extra = IndexFixture.lineage(Array(parents[split...]))
                    }
                    if Int.random(in: 0..<3, using: &random) == 0 {
                        let accuracy = Double(Int.random(in: 0...100, using: &random)) / 100
                        extra["evaluation-card.json"] = Array(BundleFixture.evaluationCard(["accuracy": accuracy]).utf8)
                    }
                    ids.append(
                        try f.register(
                            name.isEmpty ? "m" : name, capabilities: caps, parents: Array(parents[..<split]),
                            labels: labels, extraFiles: extra, seed: random.next()))
                case 6, 7:
                    let id = ids.randomElement(using: &random) ?? ids[0]
                    let state = states.randomElement(using: &random) ?? "candidate"
                    if Bool.random(using: &random) {
                        try f.registry.setState(id, to: #require(LifecycleState(rawValue: state)))
                    } else {
                        try f.appendState(id, state)
                    }
                case 8 where Bool.random(using: &random):
                    try f.registry.promote("champion", to: ids.randomElement(using: &random) ?? ids[0])
                case 8:
                    // An evaluation after registration: the summary's evaluation metrics follow the log.
                    let metrics = ["accuracy", "loss", "f1"].filter { _ in Bool.random(using: &random) }
                    try f.registry.addEvaluation(
                        .init(
                            evaluator: "harness",
                            metrics: Dictionary(
                                uniqueKeysWithValues: (metrics.isEmpty ? ["loss"] : metrics).map {
                                    ($0, Double(Int.random(in: 0...1000, using: &random)) / 1000)
                                })),
                        to: ids.randomElement(using: &random) ?? ids[0])
                default:
                    if Int.random(in: 0..<3, using: &random) == 0 { try f.registry.rebuildIndexes() }
                }
                if step % 4 == 3 || step == steps - 1 { try checkIncrementalEqualsRebuild(f, step: step) }
            }
        }
    }

    /// A removed artifact leaves no edge behind: once C (child of P, parent of G) is removed, a rebuild has no
    /// edge P → C (only indexed artifacts contribute children), so G is not P's descendant. The incrementally kept
    /// index, and a fresh reader of the stored base plus update lines, must agree with it.
    @Test func aRemovedArtifactIsNotWalkedThroughToItsChildren() throws {
        try IndexFixture.with { f in
            let p = try f.register("parent")
            let c = try f.register("child", parents: [p])
            let g = try f.register("grandchild", parents: [c])
            try f.registry.rebuildIndexes()
            #expect(try f.registry.lineage(of: p, direction: .descendants).map(\.id) == [c, g])
            _ = try f.registry.remove(c, force: true)

            let copy = f.temp.appendingPathComponent("rebuilt-copy")
            try FileManager.default.copyItem(at: f.registry.layout.root, to: copy)
            let rebuilt = try Registry.open(at: copy)
            try rebuilt.rebuildIndexes()
            let expected = try rebuilt.lineage(of: p, direction: .descendants).map(\.id)
            #expect(expected.isEmpty)
            #expect(try f.registry.lineage(of: p, direction: .descendants).map(\.id) == expected)
            #expect(try f.freshIndex().lineage(of: p, direction: .descendants).map(\.id) == expected)
            #expect(try f.registry.query(IndexQuery(descendantsOf: p)).map(\.id) == expected)
            #expect(try f.registry.lineage(of: g, direction: .ancestors).map(\.id).isEmpty)
        }
    }

    /// The registry's long-lived index, a fresh reader of the stored files (base files plus update lines, caught
    /// up from the log for events that bypassed the hook) and a scan from scratch all hold the same contents;
    /// compacting the incremental contents writes the same bytes as a rebuild of a copy of the registry.
    private func checkIncrementalEqualsRebuild(_ f: IndexFixture, step: Int) throws {
        let scanned = try f.freshIndex().scan().contents
        #expect(try f.registry.index.contents() == scanned, "step \(step): the registry's index differs")
        let reader = f.freshIndex()
        #expect(try reader.contents() == scanned, "step \(step): the stored index read afresh differs")
        #expect(
            try reader.query(IndexQuery())
                == scanned.summaries.sorted { ($0.registrationSequence ?? 0) > ($1.registrationSequence ?? 0) })

        let elsewhere = f.temp.appendingPathComponent("compacted-\(step)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let compacted = JSONIndexBackend(layout: RegistryLayout(unchecked: elsewhere))
        try compacted.replaceContents(with: try reader.contents(), persist: true)
        let stored = try IndexFixture.indexBytes(in: elsewhere.path + "/indexes")
        // Rebuild a copy, so that the original keeps accumulating incremental updates.
        let copy = f.temp.appendingPathComponent("copy-\(step)")
        try FileManager.default.copyItem(at: f.registry.layout.root, to: copy)
        let copied = try Registry.open(at: copy)
        try copied.rebuildIndexes()
        let rebuilt = try IndexFixture.indexBytes(in: copied.layout.indexesPath)
        #expect(stored == rebuilt, "step \(step): compacted incremental bytes differ from a rebuild")

        // A writer's own compaction of the stored files (streamed from the mapped base and the update lines, which
        // may lag the log) writes the bytes of their contents encoded at once.
        let copies = ["compacting", "encoded"].map { f.temp.appendingPathComponent("\($0)-\(step)") }
        for copy in copies {
            try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: f.registry.layout.indexesPath, toPath: copy.path + "/indexes")
        }
        let compacting = FileIndexBackend(layout: RegistryLayout(unchecked: copies[0]), compactionThreshold: 0)
        let encoded = FileIndexBackend(layout: RegistryLayout(unchecked: copies[1]))
        if let contents = try encoded.contents(), try compacting.compactUpdatesIfNeeded() {
            try encoded.replaceContents(with: contents, persist: true)
            #expect(
                try IndexFixture.indexBytes(in: copies[0].path + "/indexes")
                    == IndexFixture.indexBytes(in: copies[1].path + "/indexes"),
                "step \(step): a writer's compaction differs from the stored contents encoded at once")
        }
    }

    @Test func eachRegistrationAppendsOneUpdateLine() throws {
        try IndexFixture.with { f in
            let first = try f.register("first", capabilities: ["ocr"])
            #expect(try f.indexBytes()["updates.jsonl"] == nil)  // a small registry's first index is built outright
            let base = try f.indexBytes()
            let second = try f.register("second", capabilities: ["ocr"], parents: [first])
            let updates = try #require(try f.indexBytes()["updates.jsonl"])
            let lines = updates.split(separator: 0x0A)
            #expect(lines.count == 1 && updates.last == 0x0A)
            let line = String(decoding: lines[0], as: UTF8.self)
            let prefix =
                #"{"after":{"auditSequence":1,"auditTime":"2026-11-23T13:37:00.000Z"},"#
                + #""registered":[{"capabilities":["ocr"],"#
            #expect(line.hasPrefix(prefix))
            #expect(
                line.hasSuffix(#""states":[],"through":{"auditSequence":2,"auditTime":"2026-11-23T13:37:00.000Z"}}"#))
            for name in IndexFixture.indexFiles { #expect(try f.indexBytes()[name] == base[name]) }  // untouched
            #expect(try f.freshIndex().status().isClean)
            #expect(try f.freshIndex().lineage(of: first, direction: .descendants).ids == [second])

            // Registering identical content again writes no event and no update.
            try BundleFixture.write(
                ["weights.bin": BundleFixture.randomBytes(count: 64, seed: 2)],
                to: f.temp.appendingPathComponent("again"))
            let again = try f.registry.register(
                directory: f.temp.appendingPathComponent("again"),
                metadata: ArtifactMetadata(name: "second", capabilities: ["ocr"], parents: [first]))
            #expect(!again.isNew && again.artifact.id == second)
            #expect(try f.indexBytes()["updates.jsonl"] == updates)
        }
    }

    @Test func aWriterCatchesUpEventsThatBypassedTheHook() throws {
        try IndexFixture.with { f in
            let first = try f.register("first")
            try f.registry.promote("champion", to: first)
            try f.appendState(first, "validated")  // appended without updating the index
            #expect(try f.freshIndex().status().isBehind)
            try f.register("second")  // the hook stores the missed events too
            let status = try f.freshIndex().status()
            #expect(status.isClean, "\(status)")
            #expect(try f.freshIndex().summary(of: first)?.state == .validated)
        }
    }

    @Test func aFailedUpdateDoesNotFailTheRegistration() throws {
        try IndexFixture.with { f in
            try f.register("first")
            // Make the update file impossible to append to: a directory in its place.
            try FileManager.default.createDirectory(
                atPath: f.indexesPath + "/updates.jsonl", withIntermediateDirectories: false)
            let second = try f.register("second")
            #expect(f.registry.index.lastUpdateProblem != nil)
            #expect(try f.registry.contains(second))
            try FileManager.default.removeItem(atPath: f.indexesPath + "/updates.jsonl")
            #expect(try f.freshIndex().status().isBehind)
            #expect(try f.registry.index.mostRecent(1).ids == [second])  // caught up from the log
        }
    }
}
