#if SQLite
    import Foundation
    import RegistryCore

    /// The schema of `indexes/index.sqlite` (docs/FORMAT.md §16), and the check that a database has exactly it.
    enum SQLiteIndexSchema {
        /// `meta.format`.
        static let format = "modelregistry-sqlite-index"
        /// `meta.format_version`: a database with another version is rebuilt, never read. Version 3 stores
        /// posting lists as one blob per term and a summary's fields as one binary record (version 2 had a row
        /// per posting and text columns; version 1 a JSON record per row).
        static let formatVersion: Int64 = 3
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
                "CREATE TABLE artifacts(ordinal INTEGER PRIMARY KEY, id BLOB NOT NULL, name TEXT NOT NULL, "
                    + "state TEXT, record BLOB NOT NULL)"
            ),
            ("strings", "CREATE TABLE strings(id INTEGER PRIMARY KEY, text TEXT NOT NULL)"),
            (
                "postings",
                "CREATE TABLE postings(term BLOB NOT NULL PRIMARY KEY, ordinals BLOB NOT NULL) WITHOUT ROWID"
            ),
            (
                "additions",
                "CREATE TABLE additions(term BLOB NOT NULL, ordinal INTEGER NOT NULL, PRIMARY KEY(term, ordinal)) "
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

        /// The index of `strings`, which a full build creates before its rows (it interns through it); the
        /// others come after the rows.
        static let stringsIndexName = "strings_by_text"

        /// The secondary indexes, created after a full build's rows are inserted (but ``stringsIndexName``).
        static let indexes: [(name: String, sql: String)] = [
            ("artifacts_by_id", "CREATE INDEX artifacts_by_id ON artifacts(substr(id, -8))"),
            ("artifacts_by_name", "CREATE INDEX artifacts_by_name ON artifacts(name)"),
            ("artifacts_by_state", "CREATE INDEX artifacts_by_state ON artifacts(state) WHERE state IS NOT NULL"),
            ("strings_by_text", "CREATE UNIQUE INDEX strings_by_text ON strings(text)"),
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
