#if SQLite
    import Foundation
    import ModelRegistry
    import ModelRegistrySQLite
    import RegistryTestSupport
    import Testing

    @Suite struct SQLiteIndexPropertyTests {
        static let capabilities = ["text-classification", "ocr", "image-classification", "text-embedding", "speech"]
        static let words = ["invoice", "receipt", "bert", "ResNet", "small", "large", "v2", "draft"]
        static let teams = ["docs", "vision", "Übersetzung", "nlp team", "docs/ocr"]

        /// Random registries — registrations with capabilities, labels, parents (some through `lineage.json`),
        /// evaluation cards, state changes (through the registry and appended behind its back), evaluation
        /// records, removals and rebuilds, written through either backend's registry. After every few steps both
        /// backends answer every query, lineage and summary identically; the SQLite index kept up incrementally
        /// holds what a full rebuild holds; and a SQLite index rebuilt from scratch answers as a file index
        /// rebuilt from scratch.
        @Test(arguments: 0..<10)
        func bothBackendsAnswerAlike(seed: UInt64) throws {
            var random = SplitMix64(seed: seed &+ 0x5EED)
            try SQLiteFixture.with { f in
                var ids: [ArtifactID] = []
                var names: Set<String> = []
                let steps = Int.random(in: 14...30, using: &random)
                for step in 0..<steps {
                    let writer = Bool.random(using: &random) ? f.sqlite : f.files
                    let choice = ids.isEmpty ? 0 : Int.random(in: 0..<11, using: &random)
                    switch choice {
                    case 0..<6:
                        let name = (0..<Int.random(in: 1...3, using: &random)).map { _ in
                            Self.words.randomElement(using: &random) ?? "m"
                        }.joined(separator: "-")
                        names.insert(name)
                        let caps = Self.capabilities.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
                        var labels: [String: String] = [:]
                        if Bool.random(using: &random) { labels["team"] = Self.teams.randomElement(using: &random) }
                        let parents = ids.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
                        let split = Int.random(in: 0...parents.count, using: &random)
                        // The manifest may name only artifacts present; `lineage.json` may name removed ones too.
                        let manifestParents = try parents[..<split].filter { try writer.artifacts.contains($0) }
                        let lineageParents =
                            Array(parents[split...])
                            + (try parents[..<split].filter { try !writer.artifacts.contains($0) })
                        var extra: [String: [UInt8]] = [:]
                        if !lineageParents.isEmpty { extra = SQLiteFixture.lineage(lineageParents) }
                        if Int.random(in: 0..<3, using: &random) == 0 {
                            let accuracy = Double(Int.random(in: 0...100, using: &random)) / 100
                            extra["evaluation-card.json"] = Array(
                                BundleFixture.evaluationCard(["accuracy": accuracy]).utf8)
                        }
                        ids.append(
                            try f.register(
                                name, capabilities: caps, parents: manifestParents, labels: labels,
                                extraFiles: extra, seed: random.next(), through: writer))
                    case 6, 7:
                        let id = ids.randomElement(using: &random) ?? ids[0]
                        let state = LifecycleState.allCases.randomElement(using: &random) ?? .candidate
                        _ = try? writer.setState(id, to: state)
                    case 8:
                        let metrics = ["accuracy", "loss", "f1"].filter { _ in Bool.random(using: &random) }
                        let id = ids.randomElement(using: &random) ?? ids[0]
                        if try writer.artifacts.contains(id) {
                            try writer.addEvaluation(
                                .init(
                                    evaluator: "harness",
                                    metrics: Dictionary(
                                        uniqueKeysWithValues: (metrics.isEmpty ? ["loss"] : metrics).map {
                                            ($0, Double(Int.random(in: 0...1000, using: &random)) / 1000)
                                        })),
                                to: id)
                        }
                    case 9:
                        let id = ids.randomElement(using: &random) ?? ids[0]
                        if try writer.artifacts.contains(id) {
                            try writer.remove(id, force: true)
                        }
                    default:
                        if Int.random(in: 0..<2, using: &random) == 0 { try writer.rebuildIndexes() }
                    }
                    if step % 4 == 3 || step == steps - 1 {
                        try check(f, ids: ids, names: names, step: step, random: &random)
                    }
                }
            }
        }

        /// Compares, after a step:
        ///
        /// - the SQLite registry's index (kept up incrementally: stored updates, or caught up in memory when the
        ///   other registry wrote) with a file index built from a scan, for every query, summary and lineage:
        ///   both backends, and incremental against full rebuild;
        /// - both registries' incrementally kept indexes with each other, for every query and lineage (a removed
        ///   artifact's edges go with it in both, as in a rebuild);
        /// - the contents of every index with a scan, and a SQLite index built from the scan with a file index
        ///   built from it.
        private func check(
            _ f: SQLiteFixture, ids: [ArtifactID], names: Set<String>, step: Int,
            random: inout SplitMix64
        ) throws {
            let queries = Self.queries(ids: ids, names: names, random: &random)
            let scanned = try f.freshIndex().scan().contents
            let scratch = f.temp.appendingPathComponent("scratch-\(step)-\(random.next())")
            try FileManager.default.createDirectory(
                at: scratch.appendingPathComponent("indexes"), withIntermediateDirectories: true)
            let layout = RegistryLayout(unchecked: scratch)
            let rebuiltFiles = FileIndexBackend(layout: layout)
            try rebuiltFiles.replaceContents(with: scanned, persist: true)

            for query in queries {
                let sqlite = try f.sqlite.query(query)
                #expect(
                    sqlite == (try rebuiltFiles.summaries(matching: query)),
                    "step \(step): \(query) differs from a rebuilt file index")
                #expect(sqlite == (try f.files.query(query)), "step \(step): \(query) differs between backends")
            }
            for id in ids {
                #expect(try f.sqlite.index.summary(of: id) == rebuiltFiles.summary(of: id), "step \(step): \(id)")
                #expect(try f.sqlite.index.summary(of: id) == f.files.index.summary(of: id), "step \(step): \(id)")
                for direction in [RegistryIndex.LineageDirection.ancestors, .descendants] {
                    let sqlite = Result { try f.sqlite.lineage(of: id, direction: direction) }
                    let others = [
                        Result { try rebuiltFiles.lineage(of: id, direction: direction) },
                        Result { try f.files.lineage(of: id, direction: direction) },
                    ]
                    for other in others {
                        switch (sqlite, other) {
                        case (.success(let a), .success(let b)): #expect(a == b, "step \(step): lineage of \(id)")
                        case (.failure(let a), .failure(let b)):
                            #expect((a as? RegistryError)?.code == (b as? RegistryError)?.code)
                        default: Issue.record("step \(step): lineage of \(id): \(sqlite) vs \(other)")
                        }
                    }
                }
            }
            // Incremental equals a full rebuild, in the registry's index and in a fresh reader of the stored file.
            #expect(try f.sqlite.index.contents() == scanned, "step \(step): the SQLite index differs from a scan")
            #expect(try f.freshIndex().contents() == scanned, "step \(step): the stored database read afresh differs")
            #expect(try f.files.index.contents() == scanned, "step \(step): the file index differs from a scan")

            // From scratch: a SQLite index built from the scan answers as the file index built from it.
            let rebuiltSQLite = SQLiteIndexBackend(layout: layout)
            try rebuiltSQLite.replaceContents(with: scanned, persist: true)
            let reread = SQLiteIndexBackend(layout: layout)
            #expect(try reread.refresh() == scanned.stamp)
            #expect(try reread.contents() == scanned)
            for query in queries {
                #expect(try reread.summaries(matching: query) == rebuiltFiles.summaries(matching: query), "\(query)")
            }
            for id in ids where try rebuiltFiles.summary(of: id) != nil {
                for direction in [RegistryIndex.LineageDirection.ancestors, .descendants] {
                    #expect(
                        try reread.lineage(of: id, direction: direction)
                            == rebuiltFiles.lineage(of: id, direction: direction))
                }
            }
        }

        /// Every kind of condition, alone and combined, with and without limits.
        static func queries(ids: [ArtifactID], names: Set<String>, random: inout SplitMix64) -> [IndexQuery] {
            var queries = [IndexQuery(), IndexQuery(limit: 1), IndexQuery(limit: 3), IndexQuery(limit: 0)]
            for capability in capabilities + ["absent"] {
                queries.append(IndexQuery(capabilities: [capability]))
                queries.append(IndexQuery(capabilities: [capability], limit: 2))
            }
            queries.append(IndexQuery(capabilities: ["ocr", "text-classification"]))
            for state in LifecycleState.allCases {
                queries.append(IndexQuery(state: state))
                queries.append(
                    IndexQuery(capabilities: [capabilities.randomElement(using: &random) ?? "ocr"], state: state))
            }
            for name in names.sorted() + ["absent"] { queries.append(IndexQuery(name: name)) }
            for team in teams { queries.append(IndexQuery(labels: ["team": team], limit: 4)) }
            for text in [
                "invoice", "INV", "re", "b", "resnet 50", "v", "über", "Ü", "docs ocr", "nlp", "-", "", "zzz",
                "small-bert",
            ] {
                queries.append(IndexQuery(text: text))
                queries.append(IndexQuery(capabilities: ["ocr"], text: text, limit: 2))
            }
            for id in ids {
                queries.append(IndexQuery(ancestorsOf: id))
                queries.append(IndexQuery(descendantsOf: id, limit: 2))
                queries.append(IndexQuery(capabilities: ["ocr"], descendantsOf: id))
            }
            return queries
        }
    }
#endif
