#if SQLite
    import Foundation
    import ModelRegistry
    @testable import ModelRegistrySQLite
    import RegistryTestSupport
    import Testing

    /// A writer's compaction of `additions` into posting blobs (rounds of `SQLiteIndexBackend.prepareCompaction()`,
    /// docs/FORMAT.md §16.4): only past the threshold, never more than the limit per call, and every query answers
    /// as before and as the file index does.
    @Suite struct SQLiteCompactionTests {
        private static let queries = [
            IndexQuery(), IndexQuery(capabilities: ["ocr"]), IndexQuery(capabilities: ["speech"]),
            IndexQuery(labels: ["team": "vision"]), IndexQuery(text: "model"), IndexQuery(text: "tun", limit: 2),
            IndexQuery(capabilities: ["ocr"], text: "base"), IndexQuery(state: .candidate),
            IndexQuery(name: "tuned-model-2"), IndexQuery(labels: ["team": "speech"], limit: 1),
        ]

        /// A registry whose first registration built the index and whose later ones added `additions` rows.
        private static func fill(_ f: SQLiteFixture) throws -> [ArtifactID] {
            let base = try f.register("base-model", capabilities: ["ocr", "nlp"], labels: ["team": "vision"])
            var ids = [base]
            for index in 0..<6 {
                ids.append(
                    try f.register(
                        "tuned-model-\(index)", capabilities: index % 2 == 0 ? ["ocr"] : ["speech", "ocr"],
                        parents: [ids[index]], labels: ["team": index % 3 == 0 ? "vision" : "speech"]))
            }
            try f.sqlite.setState(ids[3], to: .candidate)
            return ids
        }

        @Test func compactionFoldsAtMostItsLimitAndKeepsEveryAnswer() throws {
            try SQLiteFixture.with { f in
                let ids = try Self.fill(f)
                let expected = try Self.queries.map { try f.files.query($0) }
                let lineage = try f.files.lineage(of: ids[0], direction: .descendants)
                let contents = try #require(try f.freshBackend().contents())
                #expect(try Self.queries.map { try f.freshBackend().summaries(matching: $0) } == expected)
                var remaining = try f.additionRows()
                #expect(remaining > 20, "the later registrations added rows")

                // Below the threshold: nothing happens.
                let idle = f.freshBackend()
                idle.compaction = (threshold: Int(remaining) + 1, limit: 5)
                #expect(try !idle.compactUpdatesIfNeeded())
                #expect(try f.additionRows() == remaining)

                let backend = f.freshBackend()
                backend.compaction = (threshold: 1, limit: 5)
                var calls = 0
                while try backend.compactUpdatesIfNeeded() {
                    calls += 1
                    let now = try f.additionRows()
                    #expect(now < remaining && remaining - now <= 5, "a call folds between 1 and 5 rows")
                    remaining = now
                    let reader = f.freshBackend()
                    #expect(try Self.queries.map { try reader.summaries(matching: $0) } == expected)
                }
                #expect(remaining == 0 && calls >= 4)
                let reader = f.freshBackend()
                #expect(try reader.contents() == contents)
                #expect(try reader.lineage(of: ids[0], direction: .descendants) == lineage)
                #expect(try f.freshIndex().status().isClean)

                // Later registrations add rows again, and queries see both the blobs and the rows.
                let more = try f.register("base-model-late", capabilities: ["ocr"], labels: ["team": "vision"])
                #expect(try f.additionRows() > 0)
                #expect(try f.freshBackend().summaries(matching: IndexQuery(capabilities: ["ocr"])).first?.id == more)
                #expect(
                    try f.freshBackend().summaries(matching: IndexQuery(capabilities: ["ocr"]))
                        == f.files.query(IndexQuery(capabilities: ["ocr"])))
            }
        }

        /// A write that leaves `additions` with the threshold's rows (4,096) starts a compaction in the background
        /// (never inside the write): the registry's own writes keep the table bounded without a rebuild.
        @Test func aWriterCompactsPastTheThreshold() throws {
            try SQLiteFixture.with { f in
                let ids = try Self.fill(f)
                let expected = try Self.queries.map { try f.files.query($0) }
                let before = try f.additionRows()
                try Self.pad(f, rows: 4096)
                try f.sqlite.setState(ids[1], to: .candidate)  // a write: its update; the compaction follows
                f.sqlite.waitForIndexCompaction()
                #expect(try f.additionRows() == before, "one limit's rows (4,096) folded")
                let answers = try Self.queries.map { try f.freshBackend().summaries(matching: $0) }
                #expect(answers == (try Self.queries.map { try f.files.query($0) }))
                #expect(answers != expected, "the state change is seen")
            }
        }

        /// Adds `rows` rows to `additions` for ordinals no artifact has (as a removed artifact's would be, in a
        /// blob): queries skip them, so they change no answer, but they count towards the threshold.
        static func pad(_ f: SQLiteFixture, rows: Int) throws {
            let connection = try SQLiteConnection(path: f.databasePath, mode: .readWrite)
            try connection.transaction(write: true) {
                let insert = try connection.prepare("INSERT INTO additions(term, ordinal) VALUES (?, ?)")
                for index in 0..<rows {
                    try insert.run([.bytes(SQLitePostings.tokenTerm("model")), .integer(Int64(1_000_000 + index))])
                }
            }
        }
    }
#endif
