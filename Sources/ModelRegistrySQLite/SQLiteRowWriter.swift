#if SQLite
    import IndexBuilder
    import RegistryCore

    /// Writes and removes the rows of one artifact — its `artifacts` row, its postings and its `children` rows —
    /// and interns the texts its record refers to in `strings`. A full build gathers postings
    /// (``SQLiteBuildPostings``) to fold them into `postings` at the end; an incremental update writes them to
    /// `additions` (docs/FORMAT.md §16.2).
    final class SQLiteRowWriter {
        private let connection: SQLiteConnection
        private let insertArtifact: SQLiteConnection.Statement
        private let deleteArtifact: SQLiteConnection.Statement
        private let insertPosting: SQLiteConnection.Statement
        private let deletePosting: SQLiteConnection.Statement?
        private let insertChild: SQLiteConnection.Statement
        private let deleteChild: SQLiteConnection.Statement
        private let findString: SQLiteConnection.Statement
        private let insertString: SQLiteConnection.Statement
        /// Where a full build's postings go instead of a table.
        var buildPostings: SQLiteBuildPostings?
        /// Texts already interned: a cache of `strings`, emptied when it grows large so that memory stays bounded
        /// whatever the number of distinct texts.
        private var interned: [String: Int64] = [:]

        /// - Parameter postingsTable: where postings go (`additions`), unless ``buildPostings`` takes them.
        init(_ connection: SQLiteConnection, postingsTable: String) throws {
            self.connection = connection
            insertArtifact = try connection.prepare(
                "INSERT INTO artifacts(ordinal, id, name, state, record) VALUES (?, ?, ?, ?, ?)")
            deleteArtifact = try connection.prepare("DELETE FROM artifacts WHERE ordinal = ?")
            insertPosting = try connection.prepare(
                "INSERT OR IGNORE INTO \(postingsTable)(term, ordinal) VALUES (?, ?)")
            deletePosting =
                postingsTable == "additions"
                ? try connection.prepare("DELETE FROM additions WHERE term = ? AND ordinal = ?") : nil
            insertChild = try connection.prepare("INSERT OR IGNORE INTO children(parent_key, child) VALUES (?, ?)")
            deleteChild = try connection.prepare("DELETE FROM children WHERE parent_key = ? AND child = ?")
            findString = try connection.prepare("SELECT id FROM strings WHERE text = ?")
            insertString = try connection.prepare("INSERT INTO strings(text) VALUES (?)")
        }

        /// The id of `text` in `strings`, adding it when it is new.
        func intern(_ text: String) throws -> Int64 {
            if let id = interned[text] { return id }
            var id: Int64?
            try findString.forEachRow([.text(text)]) { id = try $0.integer(0) }
            if id == nil {
                try insertString.run([.text(text)])
                id = connection.lastInsertedRowID
            }
            guard let id else { throw RegistryError(.io, "SQLite index \(connection.path): cannot intern a string") }
            if interned.count >= 65_536 { interned.removeAll(keepingCapacity: true) }
            interned[text] = id
            return id
        }

        /// The record of `summary`, its texts interned.
        func record(of summary: ArtifactSummary) throws -> SQLiteIndexRecord {
            SQLiteIndexRecord(
                registeredAt: summary.registeredAt, fileCount: summary.fileCount, totalSize: summary.totalSize,
                parents: summary.parents, capabilities: try summary.capabilities.map(intern),
                labels: try summary.labels.sorted { bytesPrecede($0.key, $1.key) }.map {
                    (try intern($0.key), try intern($0.value))
                },
                cardMetrics: summary.cardMetrics.sorted { bytesPrecede($0.key, $1.key) }.map { ($0.key, $0.value) },
                evaluationMetrics: summary.evaluationMetrics)
        }

        /// Every term a summary is found by: its capabilities, labels and search tokens.
        func terms(of summary: ArtifactSummary, record: SQLiteIndexRecord) -> Set<[UInt8]> {
            var terms = Set(record.capabilities.map(SQLitePostings.capabilityTerm))
            for label in record.labels { terms.insert(SQLitePostings.labelTerm(key: label.key, value: label.value)) }
            for token in SearchTokens.tokens(of: summary) { terms.insert(SQLitePostings.tokenTerm(token)) }
            return terms
        }

        /// Inserts the row of `summary` at `ordinal` with `state`, its postings and its `children` rows.
        func insert(_ summary: ArtifactSummary, ordinal: Int64, state: String?) throws {
            let record = try record(of: summary)
            try insertArtifact.run([
                .integer(ordinal), SQLiteIndexRecord.idValue(summary.id), .text(summary.name), state.map { .text($0) },
                .bytes(record.encoded()),
            ])
            for term in terms(of: summary, record: record) {
                if let buildPostings {
                    try buildPostings.add(term, ordinal)
                } else {
                    try insertPosting.run([.bytes(term), .integer(ordinal)])
                }
            }
            for parent in summary.parents {
                try insertChild.run([.integer(SQLiteIndexRecord.key(parent.description)), .integer(ordinal)])
            }
        }

        /// Removes the row at `ordinal` (holding `summary`), its `additions` rows and the `children` rows naming
        /// it as a child. Postings of the row in `postings` blobs stay until the next full build: a posting whose
        /// ordinal has no row is skipped by every query, and ordinals are never reused.
        func remove(_ summary: ArtifactSummary, ordinal: Int64) throws {
            try deleteArtifact.run([.integer(ordinal)])
            if let deletePosting {
                let record = try record(of: summary)
                for term in terms(of: summary, record: record) {
                    try deletePosting.run([.bytes(term), .integer(ordinal)])
                }
            }
            for parent in summary.parents {
                try deleteChild.run([.integer(SQLiteIndexRecord.key(parent.description)), .integer(ordinal)])
            }
        }
    }
#endif
