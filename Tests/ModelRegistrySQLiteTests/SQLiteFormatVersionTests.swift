#if SQLite
    import Foundation
    import ModelRegistry
    @testable import ModelRegistrySQLite
    import RegistryTestSupport
    import Testing

    /// Format version 3 of the SQLite index (docs/FORMAT.md §16): a database of an older version is detected and
    /// rebuilt, a half-built file from a killed rebuild is never read, and pages follow the file index's order.
    @Suite struct SQLiteFormatVersionTests {
        /// The tables of older format versions: 1 (a JSON record per row) and 2 (a row per posting, text
        /// columns).
        static let olderSchemas: [Int64: String] = [
            1: "CREATE TABLE artifacts(ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
                + "recency INTEGER NOT NULL, name TEXT NOT NULL, state TEXT, registered_at TEXT, "
                + "registration_sequence INTEGER, parents TEXT NOT NULL, record TEXT NOT NULL, "
                + "evaluation_metrics TEXT NOT NULL);",
            2: "CREATE TABLE artifacts(ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL, id_key INTEGER NOT NULL, "
                + "recency INTEGER NOT NULL, name TEXT NOT NULL, state TEXT, registered_at TEXT, "
                + "registration_sequence INTEGER, parents TEXT NOT NULL, capabilities TEXT NOT NULL, "
                + "labels TEXT NOT NULL, file_count INTEGER NOT NULL, total_size INTEGER NOT NULL, "
                + "card_metrics TEXT NOT NULL, evaluation_metrics TEXT NOT NULL);"
                + "CREATE TABLE tokens(token TEXT NOT NULL, ordinal INTEGER NOT NULL, PRIMARY KEY(token, ordinal)) "
                + "WITHOUT ROWID;",
        ]

        /// A database as format version 1 or 2 wrote it: refused with `unsupportedFormatVersion` naming the file,
        /// answered from a scan meanwhile, replaced by a rebuild (of the current version).
        @Test(arguments: [Int64(1), 2])
        func anOlderDatabaseIsDetectedAndRebuilt(version: Int64) throws {
            try SQLiteFixture.with { f in
                let base = try f.register("bert-base", capabilities: ["ocr"], labels: ["team": "docs"])
                try f.register("bert-invoice", capabilities: ["ocr"], parents: [base])
                let stamp = try f.files.index.contents().stamp
                for suffix in ["", "-wal", "-shm"] {
                    try? FileManager.default.removeItem(atPath: f.databasePath + suffix)
                }
                let old = try SQLiteConnection(path: f.databasePath, mode: .create)
                try old.execute(
                    "CREATE TABLE meta(format TEXT NOT NULL, format_version INTEGER NOT NULL, "
                        + "artifact_count INTEGER NOT NULL, audit_sequence INTEGER NOT NULL, audit_time TEXT, "
                        + "summary_count INTEGER NOT NULL, generation INTEGER NOT NULL);"
                        + (Self.olderSchemas[version] ?? "")
                        + "INSERT INTO meta VALUES ('modelregistry-sqlite-index', \(version), \(stamp.artifactCount), "
                        + "\(stamp.auditSequence), NULL, 0, 1)")
                let error = #expect(throws: RegistryError.self) { try f.freshBackend().refresh() }
                #expect(error?.code == .unsupportedFormatVersion, "\(String(describing: error))")
                #expect(error?.path == f.databasePath)
                #expect(error.map { "\($0)" }?.contains("format version \(version)") == true)
                #expect(
                    try f.freshIndex().query(IndexQuery(capabilities: ["ocr"])).map(\.name) == [
                        "bert-invoice", "bert-base",
                    ])
                #expect(try f.freshIndex().status().findings.contains { $0.kind == .damagedIndex })
                try f.sqlite.rebuildIndexes()
                #expect(try f.freshBackend().refresh() == stamp)
                #expect(try f.freshIndex().status().isClean)
                let reread = try SQLiteConnection(path: f.databasePath, mode: .readOnly)
                let version = try reread.prepare("SELECT format_version FROM meta")
                try version.bind([])
                #expect(try version.step())
                #expect(try version.row.integer(0) == SQLiteIndexSchema.formatVersion)
            }
        }

        /// Whatever a killed rebuild left in `index.sqlite.building` is never read: the live database answers,
        /// and the next rebuild replaces the leftover.
        @Test func aHalfBuiltDatabaseIsIgnoredAndReplaced() throws {
            try SQLiteFixture.with { f in
                try f.register("kept", capabilities: ["ocr"])
                let stamp = try f.freshBackend().refresh()
                try Data("half a database".utf8).write(to: URL(fileURLWithPath: f.buildingPath))
                #expect(try f.freshBackend().refresh() == stamp)
                #expect(try f.freshIndex().query(IndexQuery()).map(\.name) == ["kept"])
                #expect(try f.freshIndex().status().isClean)
                try f.sqlite.rebuildIndexes()
                #expect(!FileManager.default.fileExists(atPath: f.buildingPath))
                #expect(try f.freshIndex().query(IndexQuery()).map(\.name) == ["kept"])
            }
        }

        /// A rebuild replaces the file (a new inode): a reader that had the old one open notices and reopens.
        @Test func aReaderOfTheOldFileSeesTheRebuiltOne() throws {
            try SQLiteFixture.with { f in
                try f.register("first", capabilities: ["ocr"])
                let reader = f.freshIndex()
                #expect(try reader.query(IndexQuery()).map(\.name) == ["first"])
                try f.register("second", capabilities: ["ocr"], through: f.files)
                try f.sqlite.rebuildIndexes()
                #expect(try reader.query(IndexQuery()).map(\.name) == ["second", "first"])
                #expect(try reader.status().isClean)
            }
        }

        /// Paging through the database (a condition on the ordinal, which is the registration sequence) gives the pages the file index gives, for
        /// every cursor, with and without other conditions.
        @Test func pagesMatchTheFileIndex() throws {
            try SQLiteFixture.with { f in
                var ids: [ArtifactID] = []
                for index in 0..<9 {
                    ids.append(
                        try f.register(
                            "model-\(index)", capabilities: index % 3 == 0 ? ["ocr"] : ["speech"],
                            parents: index > 0 ? [ids[index / 2]] : []))
                }
                for query in [
                    IndexQuery(limit: 2), IndexQuery(capabilities: ["speech"], limit: 3),
                    IndexQuery(text: "model", limit: 4), IndexQuery(descendantsOf: ids[0], limit: 2),
                ] {
                    var unlimited = query
                    unlimited.limit = nil
                    let all = try f.files.index.query(unlimited)
                    #expect(!all.isEmpty)
                    for summary in all {
                        let cursor = IndexQuery.Cursor(after: summary)
                        #expect(
                            try f.sqlite.index.query(query, after: cursor) == f.files.index.query(query, after: cursor),
                            "\(query) after \(cursor)")
                    }
                    // Walking the pages visits every result once, in order.
                    var walked: [ArtifactSummary] = []
                    var page = try f.sqlite.index.query(query)
                    while let last = page.last {
                        walked += page
                        page = try f.sqlite.index.query(query, after: IndexQuery.Cursor(after: last))
                    }
                    #expect(walked == all, "\(query)")
                }
            }
        }
    }
#endif
