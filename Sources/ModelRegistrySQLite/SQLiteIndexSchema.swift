#if SQLite
    import Foundation
    import RegistryCore

    /// The schema of `indexes/index.sqlite` (docs/FORMAT.md §16), and the check that a database has exactly it.
    enum SQLiteIndexSchema {
        /// `meta.format`.
        static let format = "modelregistry-sqlite-index"
        /// `meta.format_version`: a database with another version is rebuilt, never read.
        static let formatVersion: Int64 = 1
        /// The database's file name in `indexes/`.
        static let fileName = "index.sqlite"

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
                "CREATE TABLE artifacts(ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
                    + "recency INTEGER NOT NULL, name TEXT NOT NULL, state TEXT, registered_at TEXT, "
                    + "registration_sequence INTEGER, parents TEXT NOT NULL, record TEXT NOT NULL, "
                    + "evaluation_metrics TEXT NOT NULL)"
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
                "CREATE TABLE children(parent TEXT NOT NULL, child TEXT NOT NULL, PRIMARY KEY(parent, child)) "
                    + "WITHOUT ROWID"
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
            ("artifacts_by_recency", "CREATE INDEX artifacts_by_recency ON artifacts(recency)"),
            ("artifacts_by_name", "CREATE INDEX artifacts_by_name ON artifacts(name, recency)"),
            ("artifacts_by_state", "CREATE INDEX artifacts_by_state ON artifacts(state, recency)"),
        ]

        /// The one automatic index SQLite makes (for `artifacts.id UNIQUE`); its `sql` is NULL.
        static let automaticIndexes = ["sqlite_autoindex_artifacts_1"]

        /// Checks that the database holds exactly this schema: no missing, changed or extra table, index, view
        /// or trigger (so a crafted file cannot run a trigger on our writes).
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the first difference.
        static func validate(_ connection: SQLiteConnection) throws {
            var expected: [String: String?] = [:]
            for (name, sql) in tables + indexes { expected[name] = sql }
            for name in automaticIndexes { expected[name] = String?.none }
            var found: [String: String?] = [:]
            try connection.prepare("SELECT name, sql FROM sqlite_master").forEachRow { row in
                found[try row.text(0)] = try row.optionalText(1)
            }
            if found.isEmpty {
                throw RegistryError(
                    .invalidDocument, "SQLite index \(connection.path) holds no tables", path: connection.path)
            }
            for name in found.keys.sorted() where expected[name] == nil {
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

        /// Drops every table (a full build then creates them again in the same transaction).
        static func drop(_ connection: SQLiteConnection) throws {
            var objects: [(type: String, name: String)] = []
            try connection.prepare(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') "
                    + "AND name NOT LIKE 'sqlite_%'"
            ).forEachRow { row in objects.append((try row.text(0), try row.text(1))) }
            for object in objects {
                let quoted = "\"" + object.name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                try connection.execute("DROP \(object.type.uppercased()) IF EXISTS \(quoted)")
            }
        }
    }
#endif
