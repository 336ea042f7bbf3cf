#if SQLite
    import Foundation
    import RegistryCore

    /// The schema of `indexes/index.sqlite` (docs/FORMAT.md §16), and the check that a database has exactly it.
    enum SQLiteIndexSchema {
        /// `meta.format`.
        static let format = "modelregistry-sqlite-index"
        /// `meta.format_version`: a database with another version is rebuilt, never read. Version 2 stores a
        /// summary in columns (version 1 had a JSON record per row) and keys ids and lineage edges by 64-bit
        /// hashes.
        static let formatVersion: Int64 = 2
        /// The database's file name in `indexes/`.
        static let fileName = "index.sqlite"
        /// Where a full build writes a new database before it replaces ``fileName``: never read, and removed by the
        /// next full build when a crash left it behind.
        static let buildingFileName = "index.sqlite.building"

        /// The tables, in creation order. `meta` has exactly one row.
        static let tables: [(name: String, sql: String)] = [
            (
                "meta",
                "CREATE TABLE meta(format TEXT NOT NULL, format_version INTEGER NOT NULL, "
                    + "artifact_count INTEGER NOT NULL, audit_sequence INTEGER NOT NULL, audit_time TEXT, "
                    + "summary_count INTEGER NOT NULL, generation INTEGER NOT NULL)"
            ),
            (
                "artifacts",
                "CREATE TABLE artifacts(ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL, id_key INTEGER NOT NULL, "
                    + "recency INTEGER NOT NULL, name TEXT NOT NULL, state TEXT, registered_at TEXT, "
                    + "registration_sequence INTEGER, parents TEXT NOT NULL, capabilities TEXT NOT NULL, "
                    + "labels TEXT NOT NULL, file_count INTEGER NOT NULL, total_size INTEGER NOT NULL, "
                    + "card_metrics TEXT NOT NULL, evaluation_metrics TEXT NOT NULL)"
            ),
            (
                "capabilities",
                "CREATE TABLE capabilities(capability TEXT NOT NULL, ordinal INTEGER NOT NULL, "
                    + "PRIMARY KEY(capability, ordinal)) WITHOUT ROWID"
            ),
            (
                "labels",
                "CREATE TABLE labels(key TEXT NOT NULL, value TEXT NOT NULL, ordinal INTEGER NOT NULL, "
                    + "PRIMARY KEY(key, value, ordinal)) WITHOUT ROWID"
            ),
            (
                "tokens",
                "CREATE TABLE tokens(token TEXT NOT NULL, ordinal INTEGER NOT NULL, PRIMARY KEY(token, ordinal)) "
                    + "WITHOUT ROWID"
            ),
            (
                "children",
                "CREATE TABLE children(parent_key INTEGER NOT NULL, child INTEGER NOT NULL, "
                    + "PRIMARY KEY(parent_key, child)) WITHOUT ROWID"
            ),
            (
                "states",
                "CREATE TABLE states(id TEXT NOT NULL PRIMARY KEY, state TEXT NOT NULL, sequence INTEGER NOT NULL) "
                    + "WITHOUT ROWID"
            ),
            (
                "removals",
                "CREATE TABLE removals(id TEXT NOT NULL PRIMARY KEY, sequence INTEGER NOT NULL) WITHOUT ROWID"
            ),
        ]

        /// The secondary indexes, created after a full build's rows are inserted.
        static let indexes: [(name: String, sql: String)] = [
            ("artifacts_by_id", "CREATE INDEX artifacts_by_id ON artifacts(id_key)"),
            ("artifacts_by_recency", "CREATE INDEX artifacts_by_recency ON artifacts(recency)"),
            ("artifacts_by_name", "CREATE INDEX artifacts_by_name ON artifacts(name)"),
            (
                "artifacts_by_state",
                "CREATE INDEX artifacts_by_state ON artifacts(state, recency) WHERE state IS NOT NULL"
            ),
        ]

        /// The tables `ANALYZE` makes for the query planner (statistics only): allowed, with SQLite's own
        /// definitions.
        static let statisticsTables = [
            "sqlite_stat1": "CREATE TABLE sqlite_stat1(tbl,idx,stat)",
            "sqlite_stat4": "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
        ]

        /// Checks that the database holds exactly this schema: no missing, changed or extra table, index, view
        /// or trigger (so a crafted file cannot run a trigger on our writes).
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the first difference.
        static func validate(_ connection: SQLiteConnection) throws {
            var expected: [String: String?] = [:]
            for (name, sql) in tables + indexes { expected[name] = sql }
            var found: [String: String?] = [:]
            try connection.prepare("SELECT name, sql FROM sqlite_master").forEachRow { row in
                found[try row.text(0)] = try row.optionalText(1)
            }
            if found.isEmpty {
                throw RegistryError(
                    .invalidDocument, "SQLite index \(connection.path) holds no tables", path: connection.path)
            }
            for (name, sql) in found.sorted(by: { $0.key < $1.key }) where expected[name] == nil {
                if let statistics = statisticsTables[name], statistics == sql { continue }
                throw RegistryError(
                    .invalidDocument, "SQLite index \(connection.path) has an unexpected object '\(name)'",
                    path: connection.path)
            }
            for (name, sql) in expected.sorted(by: { $0.key < $1.key }) {
                guard let have = found[name] else {
                    throw RegistryError(
                        .invalidDocument, "SQLite index \(connection.path) lacks '\(name)'", path: connection.path)
                }
                if have != sql {
                    throw RegistryError(
                        .invalidDocument, "SQLite index \(connection.path): '\(name)' is not defined as expected",
                        path: connection.path)
                }
            }
        }
    }
#endif
