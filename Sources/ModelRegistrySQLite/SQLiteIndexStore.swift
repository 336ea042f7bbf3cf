#if SQLite
    import IndexBuilder
    import RegistryCore

    /// The index operations on one open database, file or in-memory: full builds, incremental updates and
    /// queries, each following the rules of the file index (``FileIndexBackend``) exactly.
    ///
    /// Every method runs in one transaction, so a reader sees one committed state of the index throughout.
    struct SQLiteIndexStore {
        let connection: SQLiteConnection

        /// What `meta` says.
        struct Meta: Equatable {
            var stamp: RegistryIndex.Stamp
            var summaryCount: Int64
            var generation: Int64
        }

        // MARK: Meta

        /// Reads and checks `meta`: exactly one row, this format and version.
        ///
        /// - Throws: ``RegistryError/Code/unsupportedFormatVersion`` for another version,
        ///   ``RegistryError/Code/invalidDocument`` for anything else that is wrong.
        func meta() throws -> Meta {
            var rows: [Meta] = []
            var problem: RegistryError?
            try connection.prepare(
                "SELECT format, format_version, artifact_count, audit_sequence, audit_time, summary_count, generation "
                    + "FROM meta"
            ).forEachRow { row in
                let format = try row.text(0)
                let version = try row.integer(1)
                if format != SQLiteIndexSchema.format {
                    problem = damage("meta.format is '\(format)', not '\(SQLiteIndexSchema.format)'")
                } else if version != SQLiteIndexSchema.formatVersion {
                    problem = RegistryError(
                        .unsupportedFormatVersion,
                        "SQLite index \(connection.path) has format version \(version); this build reads "
                            + "\(SQLiteIndexSchema.formatVersion) (a rebuild replaces it)", path: connection.path)
                }
                let count = try row.integer(2)
                let sequence = try row.integer(3)
                guard count >= 0, sequence >= 0, count <= Int64(Int.max) else {
                    throw damage("meta.artifact_count or meta.audit_sequence is negative")
                }
                rows.append(
                    Meta(
                        stamp: RegistryIndex.Stamp(
                            artifactCount: Int(count), auditSequence: sequence, auditTime: try row.optionalText(4)),
                        summaryCount: try row.integer(5), generation: try row.integer(6)))
            }
            if let problem { throw problem }
            guard rows.count == 1, let meta = rows.first else {
                throw damage("meta has \(rows.count) rows instead of one")
            }
            return meta
        }

        /// Checks that `artifacts` holds as many rows as `meta.summary_count` says: a guard against a table that
        /// lost rows. It reads the whole table, so only `index status` and `fsck` pay for it, never opening.
        func checkSummaryCount(_ meta: Meta) throws {
            let statement = try connection.prepare("SELECT count(*) FROM artifacts")
            try statement.bind([])
            guard try statement.step() else { throw damage("cannot count artifacts") }
            let count = try statement.row.integer(0)
            if count != meta.summaryCount {
                throw damage("artifacts has \(count) rows but meta.summary_count is \(meta.summaryCount)")
            }
        }

        /// SQLite's `PRAGMA quick_check`: every page and record well formed (not index contents against rows).
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` with SQLite's first complaint.
        func quickCheck() throws {
            var problems: [String] = []
            try connection.prepare("PRAGMA quick_check(5)").forEachRow { row in problems.append(try row.text(0)) }
            if problems != ["ok"] { throw damage("quick_check: \(problems.joined(separator: "; "))") }
        }

        /// SQLite's schema cookie: changes whenever any table, index or trigger is created or dropped.
        func schemaVersion() throws -> Int64 {
            let statement = try connection.prepare("PRAGMA schema_version")
            try statement.bind([])
            guard try statement.step() else { throw damage("cannot read the schema version") }
            return try statement.row.integer(0)
        }

        func damage(_ detail: String) -> RegistryError {
            RegistryError(.invalidDocument, "SQLite index \(connection.path): \(detail)", path: connection.path)
        }

        // MARK: Rows

        /// The columns a summary is read from, in the order ``summary(from:strings:)`` expects.
        static let summaryColumns = "ordinal, id, name, state, record"

        /// The values that find an id's row: `substr(id, -8) = ? AND id = ?` (the expression of
        /// `artifacts_by_id`).
        static func idValues(_ id: ArtifactID) -> [SQLiteConnection.Value?] {
            [SQLiteIndexRecord.idKeyValue(id), SQLiteIndexRecord.idValue(id)]
        }

        /// The condition ``idValues(_:)`` binds.
        static let idCondition = "substr(id, -8) = ? AND id = ?"

        /// Reads a row selected with ``summaryColumns`` back into a summary.
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the database, the artifact and the column.
        func summary(from row: SQLiteConnection.Row, strings: StringReader) throws -> ArtifactSummary {
            let ordinal = try row.integer(0)
            let id = try SQLiteIndexRecord.id(from: row, column: 1, path: connection.path)
            let record = try SQLiteIndexRecord.decode(try row.blob(4), id: id.description, path: connection.path)
            if (record.registeredAt == nil) != (ordinal < 0) {
                throw SQLiteIndexRecord.damage(
                    connection.path, id.description, "record.registered_at",
                    "a registration time goes with a positive ordinal, and only with one")
            }
            var labels: [String: String] = [:]
            for label in record.labels {
                labels[try strings.text(label.key, for: id)] = try strings.text(label.value, for: id)
            }
            var summary = ArtifactSummary(
                id: id, name: try row.text(2), labels: labels, parents: record.parents, fileCount: record.fileCount,
                totalSize: record.totalSize, registeredAt: record.registeredAt,
                registrationSequence: ordinal > 0 ? ordinal : nil, state: try row.optionalText(3))
            // Exactly as stored, in their order.
            summary.capabilities = try record.capabilities.map { try strings.text($0, for: id) }
            var cardMetrics: [String: Double] = [:]
            for metric in record.cardMetrics { cardMetrics[metric.name] = metric.value }
            summary.cardMetrics = cardMetrics
            summary.evaluationMetrics = record.evaluationMetrics
            return summary
        }

        /// Reads `strings` by id, remembering what it read (one operation's worth).
        final class StringReader {
            private let statement: SQLiteConnection.Statement
            private let path: String
            private var known: [Int64: String] = [:]

            init(_ connection: SQLiteConnection) throws {
                statement = try connection.prepare("SELECT text FROM strings WHERE id = ?")
                path = connection.path
            }

            /// The text of string `id`, referenced by the record of `artifact`.
            ///
            /// - Throws: ``RegistryError/Code/invalidDocument`` when there is no such string.
            func text(_ id: Int64, for artifact: ArtifactID) throws -> String {
                if let text = known[id] { return text }
                try statement.bind([.integer(id)])
                guard try statement.step() else {
                    throw SQLiteIndexRecord.damage(
                        path, artifact.description, "record", "names string \(id), which `strings` does not hold")
                }
                let text = try statement.row.text(0)
                if known.count > 65_536 { known.removeAll(keepingCapacity: true) }
                known[id] = text
                return text
            }
        }

        /// The id of a text in `strings`, or nil when no artifact uses it.
        func stringID(_ text: String) throws -> Int64? {
            var result: Int64?
            try connection.prepare("SELECT id FROM strings WHERE text = ?").forEachRow([.text(text)]) {
                result = try $0.integer(0)
            }
            return result
        }
    }
#endif
