#if SQLite
    import Foundation
    import ModelRegistry
    @testable import ModelRegistrySQLite
    import RegistryTestSupport
    import Testing

    @Suite struct SQLiteBackendTests {
        /// WAL mode: a reader in the middle of a read transaction neither blocks a writer nor sees its commit.
        @Test func aReaderNeverBlocksAWriter() throws {
            try SQLiteFixture.with { f in
                try f.register("first", capabilities: ["ocr"])
                let reader = try SQLiteConnection(path: f.databasePath, mode: .readOnly)
                try reader.execute("BEGIN")
                let count = try reader.prepare("SELECT count(*) FROM artifacts")
                try count.bind([])
                #expect(try count.step())
                #expect(try count.row.integer(0) == 1)
                try f.register("second", capabilities: ["ocr"])  // commits while the read transaction is open
                try count.bind([])
                #expect(try count.step())
                #expect(try count.row.integer(0) == 1, "the reader keeps its snapshot")
                try reader.execute("COMMIT")
                try count.bind([])
                #expect(try count.step())
                #expect(try count.row.integer(0) == 2)
                #expect(try f.freshBackend().refresh()?.artifactCount == 2)
            }
        }

        /// A reader that catches up from the log works on a private copy: the file is not written, and the copy
        /// is dropped once a writer stores the same events.
        @Test func catchingUpInMemoryNeverWritesTheFile() throws {
            try SQLiteFixture.with { f in
                try f.register("first", capabilities: ["ocr"])
                let backend = f.freshBackend()
                let reader = RegistryIndex(artifacts: f.sqlite.artifacts, journal: f.sqlite.journal, backend: backend)
                #expect(try reader.query(IndexQuery()).count == 1)
                // A write through the file-index registry: the SQLite database falls behind the log.
                try f.register("second", capabilities: ["ocr"], through: f.files)
                let before = try Data(contentsOf: URL(fileURLWithPath: f.databasePath))
                let storedStamp = try f.freshBackend().refresh()
                #expect(try reader.query(IndexQuery()).map(\.name) == ["second", "first"])
                #expect(try Data(contentsOf: URL(fileURLWithPath: f.databasePath)) == before)
                #expect(try f.freshBackend().refresh() == storedStamp, "the file still holds what it held")
                // A writer with the SQLite index stores the events; the reader goes back to the file.
                try f.register("third", through: f.sqlite)
                #expect(try backend.refresh() == f.freshBackend().refresh())
                #expect(try reader.query(IndexQuery()).map(\.name) == ["third", "second", "first"])
            }
        }

        /// Without a database, a persisted update is refused (the caller rebuilds); an unpersisted one is ignored.
        @Test func updatingWithoutADatabase() throws {
            try withTemporaryDirectory { temp in
                let layout = RegistryLayout(unchecked: temp)
                let backend = SQLiteIndexBackend(layout: layout)
                #expect(try backend.refresh() == nil)
                #expect(try backend.storedAuditPosition() == nil)
                #expect(try backend.contents() == nil)
                #expect(try backend.summaries(matching: IndexQuery()).isEmpty)
                let changes = RegistryIndex.Changes(after: .start, through: .init(sequence: 1, time: "t"))
                try backend.apply(changes, persist: false)
                let error = #expect(throws: RegistryError.self) { try backend.apply(changes, persist: true) }
                #expect(error?.code == .notFound)
                #expect(throws: RegistryError.self) {
                    try backend.lineage(
                        of: #require(ArtifactID("sha256-" + String(repeating: "a", count: 64))), direction: .ancestors)
                }
            }
        }

        /// Metric values of every kind, including -0.0 and subnormals, come back bit for bit.
        @Test func metricsRoundTripExactly() throws {
            try withTemporaryDirectory { temp in
                try FileManager.default.createDirectory(
                    at: temp.appendingPathComponent("indexes"), withIntermediateDirectories: true)
                let layout = RegistryLayout(unchecked: temp)
                let id = try #require(ArtifactID("sha256-" + String(repeating: "b", count: 64)))
                var summary = ArtifactSummary(
                    id: id, name: "Ünïcode \"quoted\" name", capabilities: ["z", "a"],
                    labels: ["k": "v\u{0}w", "": "empty"], fileCount: 3, totalSize: 1 << 40, registeredAt: "t",
                    registrationSequence: 7, state: "production")
                summary.cardMetrics = [
                    "a": -0.0, "b": .leastNonzeroMagnitude, "c": 0.1 + 0.2, "d": -.greatestFiniteMagnitude,
                ]
                summary.evaluationMetrics = ["loss": .init(value: 1e-300, sequence: 9)]
                let contents = RegistryIndex.Contents(
                    stamp: .init(artifactCount: 1, auditSequence: 9, auditTime: "t"), summaries: [summary],
                    states: [id: "production"])
                let backend = SQLiteIndexBackend(layout: layout)
                try backend.replaceContents(with: contents, persist: true)
                let read = try #require(try SQLiteIndexBackend(layout: layout).summary(of: id))
                #expect(read == contents.summaries[0])
                #expect(read.cardMetrics["a"]?.sign == .minus)
                #expect(
                    try SQLiteIndexBackend(layout: layout).summaries(matching: IndexQuery(labels: ["k": "v\u{0}w"]))
                        .count == 1)
                #expect(try SQLiteIndexBackend(layout: layout).summaries(matching: IndexQuery(text: "Ünï")).count == 1)
            }
        }
    }
#endif
