#if SQLite
    import Foundation
    import ModelRegistry
    @testable import ModelRegistrySQLite
    import RegistryTestSupport
    import Testing

    /// Format 3's compact encodings (docs/FORMAT.md §16.2) give back exactly what went in, and its posting blobs
    /// stay right as incremental updates remove and move artifacts before the next full build folds them.
    @Suite struct SQLiteFormatThreeTests {
        private func backend(in temp: URL) throws -> (RegistryLayout, SQLiteIndexBackend) {
            try FileManager.default.createDirectory(
                at: temp.appendingPathComponent("indexes"), withIntermediateDirectories: true)
            let layout = RegistryLayout(unchecked: temp)
            return (layout, SQLiteIndexBackend(layout: layout))
        }

        private func id(_ digit: Character, algorithm: String = "sha256", count: Int = 64) throws -> ArtifactID {
            try #require(ArtifactID(algorithm + "-" + String(repeating: digit, count: count)))
        }

        /// Canonical times are stored as milliseconds and any other text as it is; ids of another algorithm than
        /// sha256 are stored as text and found by id, name and lineage like any other.
        @Test func timesAndIDsRoundTripExactly() throws {
            try withTemporaryDirectory { temp in
                let (layout, backend) = try backend(in: temp)
                let times = [
                    "2026-11-27T22:33:22.123Z", "2024-02-29T00:00:00.000Z", "0001-01-01T00:00:00.000Z",
                    "9999-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z", "2026-02-30T00:00:00.000Z",
                    "2026-01-01T00:00:00Z", "t", "", "2026-13-01T00:00:00.000Z",
                ]
                var summaries: [ArtifactSummary] = []
                let other = try id("c", algorithm: "blake3")
                for (index, time) in times.enumerated() {
                    let digit = Character(String(index, radix: 16))
                    summaries.append(
                        ArtifactSummary(
                            id: try id(digit), name: "model-\(index)", capabilities: ["ocr"],
                            parents: index == 0 ? [other] : [], fileCount: index, totalSize: -Int64(index),
                            registeredAt: time, registrationSequence: Int64(index + 1)))
                }
                summaries.append(
                    ArtifactSummary(id: other, name: "other", capabilities: ["ocr"], fileCount: 1, totalSize: 1))
                summaries.sort { $0.id.description < $1.id.description }
                let contents = RegistryIndex.Contents(
                    stamp: .init(artifactCount: summaries.count, auditSequence: 20, auditTime: "t"),
                    summaries: summaries, states: [:])
                try backend.replaceContents(with: contents, persist: true)
                let fresh = SQLiteIndexBackend(layout: layout)
                #expect(try fresh.contents()?.summaries == summaries)
                for summary in summaries { #expect(try fresh.summary(of: summary.id) == summary) }
                #expect(
                    try fresh.lineage(of: try id("0"), direction: .ancestors).map(\.id) == [other])
                #expect(
                    try fresh.lineage(of: other, direction: .descendants).map(\.id) == [try id("0")])
                #expect(
                    try fresh.summaries(matching: IndexQuery(capabilities: ["ocr"])).map(\.name).last == "other")
                #expect(SQLiteCanonicalTime.milliseconds("1970-01-01T00:00:00.001Z") == 1)
                #expect(SQLiteCanonicalTime.milliseconds("2026-02-30T00:00:00.000Z") == nil)
            }
        }

        /// An artifact held without a registration moves to its registration's ordinal when the registration
        /// arrives; a removed one disappears; postings for both stay in the blobs (skipped) until a full build,
        /// which leaves `additions` empty.
        @Test func movedAndRemovedArtifactsAreSkippedInBlobs() throws {
            try withTemporaryDirectory { temp in
                let (layout, backend) = try backend(in: temp)
                let a = try id("a")
                let b = try id("b")
                let unregistered = ArtifactSummary(
                    id: a, name: "alpha", capabilities: ["ocr"], labels: ["team": "x"], fileCount: 1, totalSize: 1)
                let registered = ArtifactSummary(
                    id: b, name: "beta", capabilities: ["ocr"], labels: ["team": "x"], fileCount: 1, totalSize: 1,
                    registeredAt: "2026-01-01T00:00:00.000Z", registrationSequence: 5)
                try backend.replaceContents(
                    with: RegistryIndex.Contents(
                        stamp: .init(artifactCount: 2, auditSequence: 5, auditTime: "t"),
                        summaries: [unregistered, registered], states: [:]),
                    persist: true)
                #expect(try backend.summaries(matching: IndexQuery(text: "alp")).map(\.id) == [a])
                var moved = unregistered
                moved.registeredAt = "2026-01-02T00:00:00.000Z"
                moved.registrationSequence = 7
                try backend.apply(
                    RegistryIndex.Changes(
                        after: .init(sequence: 5, time: "t"), through: .init(sequence: 7, time: "t"),
                        registered: [moved]),
                    persist: true)
                let fresh = SQLiteIndexBackend(layout: layout)
                for query in [
                    IndexQuery(capabilities: ["ocr"]), IndexQuery(labels: ["team": "x"]), IndexQuery(text: "oc"),
                    IndexQuery(),
                ] {
                    #expect(try fresh.summaries(matching: query) == [moved, registered], "\(query)")
                }
                #expect(
                    try fresh.summaries(matching: IndexQuery(capabilities: ["ocr"]), after: .registration(7)) == [
                        registered
                    ])
                var removal = RegistryIndex.Changes(
                    after: .init(sequence: 7, time: "t"), through: .init(sequence: 8, time: "t"))
                removal.removed = [.init(artifact: b, sequence: 8)]
                try backend.apply(removal, persist: true)
                #expect(try fresh.summaries(matching: IndexQuery(capabilities: ["ocr"])) == [moved])
                #expect(try fresh.summaries(matching: IndexQuery(text: "beta")).isEmpty)
                #expect(try count("additions", layout) > 0)
                // A full build folds everything into blobs.
                try backend.replaceContents(with: try #require(try fresh.contents()), persist: true)
                #expect(try count("additions", layout) == 0)
                #expect(try SQLiteIndexBackend(layout: layout).summaries(matching: IndexQuery(text: "a")) == [moved])
            }
        }

        /// A full build whose postings outgrow their memory budget spills them to a temporary table and folds
        /// them from there: the same blobs, the same answers, as a build that kept them in memory.
        @Test func postingsSpilledByAFullBuildGiveTheSameIndex() throws {
            var summaries: [ArtifactSummary] = []
            for index in 0..<60 {
                let hex = String(index + 1, radix: 16)
                summaries.append(
                    ArtifactSummary(
                        id: try #require(ArtifactID("sha256-" + String(repeating: "0", count: 64 - hex.count) + hex)),
                        name: "model-\(index % 7)-\(index)", capabilities: ["cap-\(index % 3)"],
                        labels: ["team": "t\(index % 4)"], fileCount: 1, totalSize: 1,
                        registeredAt: index % 9 == 0 ? nil : "2026-01-01T00:00:00.000Z",
                        registrationSequence: index % 9 == 0 ? nil : Int64(100 - index)))
            }
            summaries.sort { $0.id.description < $1.id.description }
            let contents = RegistryIndex.Contents(
                stamp: .init(artifactCount: summaries.count, auditSequence: 100, auditTime: "t"),
                summaries: summaries, states: [:])
            func build(budget: Int) throws -> SQLiteIndexStore {
                let store = SQLiteIndexStore(connection: try SQLiteConnection(path: "", mode: .memory))
                try store.fill(generation: 1, postingsBudget: budget) { add in
                    for summary in contents.summaries { try add(summary) }
                    return (contents.stamp, contents.states)
                }
                return store
            }
            let spilled = try build(budget: 1)
            let held = try build(budget: 48 << 20)
            func blobs(_ store: SQLiteIndexStore) throws -> [[UInt8]] {
                var result: [[UInt8]] = []
                try store.connection.prepare("SELECT term, ordinals FROM postings ORDER BY term").forEachRow {
                    result.append(try $0.blob(0) + [0xFF] + $0.blob(1))
                }
                return result
            }
            #expect(try blobs(spilled) == blobs(held))
            #expect(try !blobs(held).isEmpty)
            #expect(try spilled.contents().summaries == summaries)
            for query in [
                IndexQuery(capabilities: ["cap-1"]), IndexQuery(labels: ["team": "t2"], limit: 3),
                IndexQuery(text: "model 3"), IndexQuery(text: "mod", limit: 5), IndexQuery(name: "model-2-9"),
            ] {
                let expected = try held.summaries(matching: query)
                #expect(try spilled.summaries(matching: query) == expected, "\(query)")
            }
        }

        private func count(_ table: String, _ layout: RegistryLayout) throws -> Int64 {
            let connection = try SQLiteConnection(path: layout.indexesPath + "/index.sqlite", mode: .readOnly)
            let statement = try connection.prepare("SELECT count(*) FROM \(table)")
            try statement.bind([])
            _ = try statement.step()
            return try statement.row.integer(0)
        }
    }
#endif
