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

        private static let summaryColumns = SQLiteIndexRecord.columns

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

        private func damage(_ detail: String) -> RegistryError {
            RegistryError(.invalidDocument, "SQLite index \(connection.path): \(detail)", path: connection.path)
        }

        // MARK: Full build

        /// What a full build hands over: a function that calls its argument with each summary (ids ascending by
        /// bytes), then returns the stamp and the latest state of every artifact the log names.
        typealias Producer = (_ add: (ArtifactSummary) throws -> Void) throws -> (
            stamp: RegistryIndex.Stamp, states: [ArtifactID: String]
        )

        /// Fills an empty database with the summaries `produce` hands over, in one transaction, writing each row
        /// (and its postings) as it comes, so that a full build holds one summary at a time rather than all of
        /// them: tables created, rows inserted in id order, then the secondary indexes built, the states stored,
        /// the planner's statistics gathered (`ANALYZE`), then `meta`.
        ///
        /// A row's `state` is the summary's (``ArtifactSummary/state``); a state the log names that is not a
        /// ``LifecycleState`` (so the summary cannot carry it) is set from the returned states afterwards, one
        /// indexed update each, so the rows hold exactly the log's states.
        ///
        /// - Parameters:
        ///   - generation: the new `meta.generation` (readers compare it to notice writes).
        ///   - crashPoint: the crash point just before the commit (crash tests).
        ///   - produce: hands over the summaries, in id order (bytes ascending).
        /// - Returns: the stamp `produce` returned.
        /// - Throws: what `produce` throws (nothing is committed then); ``RegistryError/Code/invalidDocument``
        ///   when the summaries do not come in id order; I/O errors.
        /// - Complexity: O(*n* log *n*) time in the number of rows; memory for one summary, SQLite's page cache and
        ///   the states.
        @discardableResult
        func fill(generation: Int64, crashPoint: String? = nil, producing produce: Producer) throws
            -> RegistryIndex.Stamp
        {
            try connection.transaction(write: true) {
                for table in SQLiteIndexSchema.tables { try connection.execute(table.sql) }
                let insertArtifact = try connection.prepare(Self.insertArtifactSQL)
                let postings = try Postings(connection)
                var count: Int64 = 0
                // Artifacts without a registration come after every registered one, by id: recency -1, -2, … in
                // the order they come, which is id order.
                var unregistered: Int64 = 0
                var previous: String?
                let (stamp, states) = try produce { summary in
                    let id = summary.id.description
                    if let previous, !bytesPrecede(previous, id) {
                        throw damage("a full build received '\(id)' after '\(previous)', not in id order")
                    }
                    previous = id
                    count += 1
                    let recency: Int64
                    if let sequence = summary.registrationSequence {
                        recency = sequence
                    } else {
                        unregistered += 1
                        recency = -unregistered
                    }
                    try insertArtifact.run(
                        Self.artifactValues(
                            summary, ordinal: count, recency: recency, state: summary.state?.rawValue))
                    try postings.insert(summary, ordinal: count)
                }
                for index in SQLiteIndexSchema.indexes { try connection.execute(index.sql) }
                let insertState = try connection.prepare("INSERT INTO states(id, state, sequence) VALUES (?, ?, 0)")
                let setState = try connection.prepare("UPDATE artifacts SET state = ? WHERE id_key = ? AND id = ?")
                for (id, state) in states {
                    try insertState.run([.text(id.description), .text(state)])
                    if LifecycleState(rawValue: state) == nil {
                        try setState.run([.text(state)] + Self.idValues(id))
                    }
                }
                // Statistics from a sample of each index, so the planner picks the short posting list.
                try connection.execute("PRAGMA analysis_limit=400")
                try connection.execute("ANALYZE")
                try connection.prepare(
                    "INSERT INTO meta(format, format_version, artifact_count, audit_sequence, audit_time, "
                        + "summary_count, generation) VALUES (?, ?, ?, ?, ?, ?, ?)"
                ).run([
                    .text(SQLiteIndexSchema.format), .integer(SQLiteIndexSchema.formatVersion),
                    .integer(Int64(stamp.artifactCount)), .integer(stamp.auditSequence),
                    stamp.auditTime.map { .text($0) }, .integer(count), .integer(generation),
                ])
                if let crashPoint { CrashPoint.hit(crashPoint) }
                return stamp
            }
        }

        /// Fills an empty database with `contents`: ``fill(generation:crashPoint:producing:)`` over its summaries,
        /// each with the state `contents.states` gives it.
        func fill(with contents: RegistryIndex.Contents, generation: Int64, crashPoint: String? = nil) throws {
            try fill(generation: generation, crashPoint: crashPoint) { add in
                for summary in contents.summaries {
                    var copy = summary
                    if contents.states[summary.id] == nil, copy.state != nil { copy.state = nil }
                    try add(copy)
                }
                return (contents.stamp, contents.states)
            }
        }

        private static let insertArtifactSQL =
            "INSERT INTO artifacts(ordinal, id, id_key, recency, name, state, registered_at, registration_sequence, "
            + "parents, capabilities, labels, file_count, total_size, card_metrics, evaluation_metrics) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

        private static func artifactValues(
            _ summary: ArtifactSummary, ordinal: Int64?, recency: Int64, state: String?
        ) -> [SQLiteConnection.Value?] {
            [
                ordinal.map { .integer($0) }, .text(summary.id.description),
                .integer(SQLiteIndexRecord.key(summary.id.description)), .integer(recency), .text(summary.name),
                state.map { .text($0) }, summary.registeredAt.map { .text($0) },
                summary.registrationSequence.map { .integer($0) },
                .text(SQLiteIndexRecord.encodeParents(summary.parents)),
                .text(SQLiteFieldCodec.encode(summary.capabilities)),
                .text(SQLiteIndexRecord.encodeLabels(summary.labels)), .integer(Int64(summary.fileCount)),
                .integer(summary.totalSize), .text(SQLiteIndexRecord.encodeCardMetrics(summary.cardMetrics)),
                .text(SQLiteIndexRecord.encodeEvaluationMetrics(summary.evaluationMetrics)),
            ]
        }

        /// The statements that add or remove one artifact's rows in the posting tables.
        private struct Postings {
            let capability: SQLiteConnection.Statement
            let label: SQLiteConnection.Statement
            let token: SQLiteConnection.Statement
            let child: SQLiteConnection.Statement
            let connection: SQLiteConnection

            init(_ connection: SQLiteConnection) throws {
                self.connection = connection
                capability = try connection.prepare(
                    "INSERT OR IGNORE INTO capabilities(capability, ordinal) VALUES (?, ?)")
                label = try connection.prepare("INSERT OR IGNORE INTO labels(key, value, ordinal) VALUES (?, ?, ?)")
                token = try connection.prepare("INSERT OR IGNORE INTO tokens(token, ordinal) VALUES (?, ?)")
                child = try connection.prepare("INSERT OR IGNORE INTO children(parent_key, child) VALUES (?, ?)")
            }

            func insert(_ summary: ArtifactSummary, ordinal: Int64) throws {
                for name in summary.capabilities { try capability.run([.text(name), .integer(ordinal)]) }
                for (key, value) in summary.labels { try label.run([.text(key), .text(value), .integer(ordinal)]) }
                for text in SearchTokens.tokens(of: summary) { try token.run([.text(text), .integer(ordinal)]) }
                for parent in summary.parents {
                    try child.run([.integer(SQLiteIndexRecord.key(parent.description)), .integer(ordinal)])
                }
            }

            /// Removes the postings of an artifact (found by its values, so each is one index lookup), and the
            /// `children` rows that name it as a child: the graph a full build makes from the artifacts present.
            /// (Rows naming it as a parent stay: its children still name it.)
            func remove(_ summary: ArtifactSummary, ordinal: Int64) throws {
                let value = SQLiteConnection.Value.integer(ordinal)
                let capability = try connection.prepare("DELETE FROM capabilities WHERE capability = ? AND ordinal = ?")
                for name in summary.capabilities { try capability.run([.text(name), value]) }
                let label = try connection.prepare("DELETE FROM labels WHERE key = ? AND value = ? AND ordinal = ?")
                for (key, text) in summary.labels { try label.run([.text(key), .text(text), value]) }
                let token = try connection.prepare("DELETE FROM tokens WHERE token = ? AND ordinal = ?")
                for text in SearchTokens.tokens(of: summary) { try token.run([.text(text), value]) }
                let child = try connection.prepare("DELETE FROM children WHERE parent_key = ? AND child = ?")
                for parent in summary.parents {
                    try child.run([.integer(SQLiteIndexRecord.key(parent.description)), value])
                }
            }
        }

        // MARK: Incremental updates

        /// Applies `changes` in one transaction, following ``RegistryIndex/Changes``' rules (idempotent; a
        /// registration counts only when none with a smaller sequence is held, a state only when newer).
        ///
        /// - Parameters:
        ///   - bumpGeneration: increment `meta.generation` (a stored write other readers must notice).
        ///   - crashPoint: the crash point just before the commit (crash tests).
        func apply(_ changes: RegistryIndex.Changes, bumpGeneration: Bool, crashPoint: String?) throws {
            try connection.transaction(write: true) {
                var meta = try self.meta()
                let postings = try Postings(connection)
                let find = try connection.prepare(
                    "SELECT ordinal, registration_sequence, evaluation_metrics FROM artifacts "
                        + "WHERE id_key = ? AND id = ?")
                func held(_ id: ArtifactID) throws -> (ordinal: Int64, sequence: Int64?, metrics: String)? {
                    try find.bind(Self.idValues(id))
                    guard try find.step() else { return nil }
                    let row = find.row
                    return (try row.integer(0), try row.optionalInteger(1), try row.text(2))
                }
                let removalOf = try connection.prepare("SELECT sequence FROM removals WHERE id = ?")
                let stateOf = try connection.prepare("SELECT state, sequence FROM states WHERE id = ?")

                for removal in changes.removed {
                    guard let entry = try held(removal.artifact), (entry.sequence ?? 0) < removal.sequence else {
                        continue
                    }
                    guard let removed = try summary(ordinal: entry.ordinal) else {
                        throw damage("the row of '\(removal.artifact)' is missing")
                    }
                    try postings.remove(removed, ordinal: entry.ordinal)
                    try connection.prepare("DELETE FROM artifacts WHERE ordinal = ?").run([.integer(entry.ordinal)])
                    try connection.prepare("INSERT OR REPLACE INTO removals(id, sequence) VALUES (?, ?)").run([
                        .text(removal.artifact.description), .integer(removal.sequence),
                    ])
                    meta.stamp.artifactCount = max(0, meta.stamp.artifactCount - 1)
                    meta.summaryCount -= 1
                }
                for summary in changes.registered {
                    guard let sequence = summary.registrationSequence else { continue }
                    try removalOf.bind([.text(summary.id.description)])
                    if try removalOf.step(), try removalOf.row.integer(0) >= sequence { continue }
                    if let entry = try held(summary.id) {
                        if let heldSequence = entry.sequence, heldSequence <= sequence { continue }
                        try connection.prepare(
                            "UPDATE artifacts SET registered_at = ?, registration_sequence = ?, recency = ? "
                                + "WHERE ordinal = ?"
                        ).run([
                            summary.registeredAt.map { .text($0) }, .integer(sequence), .integer(sequence),
                            .integer(entry.ordinal),
                        ])
                        continue
                    }
                    try stateOf.bind([.text(summary.id.description)])
                    let state = try stateOf.step() ? try stateOf.row.text(0) : nil
                    try connection.prepare(Self.insertArtifactSQL).run(
                        Self.artifactValues(summary, ordinal: nil, recency: sequence, state: state))
                    guard let entry = try held(summary.id) else { throw damage("an inserted row is missing") }
                    try postings.insert(summary, ordinal: entry.ordinal)
                    meta.stamp.artifactCount += 1
                    meta.summaryCount += 1
                }
                for change in changes.stateChanges {
                    try stateOf.bind([.text(change.artifact.description)])
                    if try stateOf.step(), try stateOf.row.integer(1) >= change.sequence { continue }
                    try connection.prepare("INSERT OR REPLACE INTO states(id, state, sequence) VALUES (?, ?, ?)").run(
                        [.text(change.artifact.description), .text(change.state), .integer(change.sequence)])
                    try connection.prepare("UPDATE artifacts SET state = ? WHERE id_key = ? AND id = ?").run(
                        [.text(change.state)] + Self.idValues(change.artifact))
                }
                for change in changes.evaluations {
                    guard let entry = try held(change.artifact) else { continue }
                    var metrics = try SQLiteIndexRecord.evaluationMetrics(
                        entry.metrics, id: change.artifact.description, path: connection.path)
                    for (name, value) in change.metrics where (metrics[name]?.sequence ?? 0) < change.sequence {
                        metrics[name] = ArtifactSummary.EvaluationMetric(value: value, sequence: change.sequence)
                    }
                    try connection.prepare("UPDATE artifacts SET evaluation_metrics = ? WHERE ordinal = ?").run([
                        .text(SQLiteIndexRecord.encodeEvaluationMetrics(metrics)), .integer(entry.ordinal),
                    ])
                }
                if changes.through.sequence > meta.stamp.auditSequence {
                    meta.stamp.auditSequence = changes.through.sequence
                    meta.stamp.auditTime = changes.through.time
                }
                if bumpGeneration { meta.generation += 1 }
                try connection.prepare(
                    "UPDATE meta SET artifact_count = ?, audit_sequence = ?, audit_time = ?, summary_count = ?, "
                        + "generation = ?"
                ).run([
                    .integer(Int64(meta.stamp.artifactCount)), .integer(meta.stamp.auditSequence),
                    meta.stamp.auditTime.map { .text($0) }, .integer(meta.summaryCount), .integer(meta.generation),
                ])
                if let crashPoint { CrashPoint.hit(crashPoint) }
            }
        }

        /// The values that find an id's row: `id_key = ? AND id = ?`.
        private static func idValues(_ id: ArtifactID) -> [SQLiteConnection.Value?] {
            [.integer(SQLiteIndexRecord.key(id.description)), .text(id.description)]
        }

        // MARK: Queries

        /// The summaries matching `query`, most recent first (registration sequence descending, then artifacts
        /// without a registration by id), after `cursor` when one is given.
        ///
        /// Plans like the file index: each posting condition (capability, label, text prefix) is counted first
        /// (an index range), an empty one answers at once, and when a limit is set and even the shortest list is
        /// long, exact conditions are probed row by row while walking `artifacts_by_recency` (stopping at the
        /// limit) instead of collecting and sorting every posting.
        func summaries(matching query: IndexQuery, after cursor: IndexQuery.Cursor? = nil) throws -> [ArtifactSummary] {
            let limit = query.limit ?? Int.max
            guard limit > 0 else { return [] }
            return try connection.transaction(write: false) {
                var postings: [(condition: Condition, values: [SQLiteConnection.Value?])] = []
                for capability in query.capabilities.sorted() {
                    postings.append((.capability, [.text(capability)]))
                }
                for (key, value) in query.labels.sorted(by: { $0.key < $1.key }) {
                    postings.append((.label, [.text(key), .text(value)]))
                }
                if let text = query.text {
                    for token in Set(SearchTokens.tokens(of: text)).sorted() {
                        // Every token that starts with `token`: [token, token + 0xFF), as no UTF-8 text holds 0xFF.
                        postings.append((.tokenPrefix, [.text(token), .bytes(Array(token.utf8) + [0xFF])]))
                    }
                }
                var shortest = Int64.max
                for posting in postings {
                    let count = try self.count(
                        "SELECT count(*) FROM \(posting.condition.table) WHERE \(posting.condition.match)",
                        posting.values)
                    if count == 0 { return [] }
                    shortest = min(shortest, count)
                }
                let probe = limit != Int.max && shortest > Int64(limit) * 16

                var conditions: [String] = []
                var values: [SQLiteConnection.Value?] = []
                for posting in postings {
                    let condition = posting.condition
                    if probe, condition == .tokenPrefix, let tokens = try distinctTokens(posting.values) {
                        // A prefix that names a few tokens: probed like an exact condition, one lookup per token.
                        let marks = Array(repeating: "?", count: tokens.count).joined(separator: ", ")
                        conditions.append(
                            "EXISTS (SELECT 1 FROM tokens WHERE token IN (\(marks)) AND ordinal = a.ordinal)")
                        values.append(contentsOf: tokens.map { .text($0) })
                        continue
                    }
                    if probe && condition != .tokenPrefix {
                        conditions.append(
                            "EXISTS (SELECT 1 FROM \(condition.table) WHERE \(condition.match) AND ordinal = a.ordinal)"
                        )
                    } else {
                        conditions.append(
                            "a.ordinal IN (SELECT ordinal FROM \(condition.table) WHERE \(condition.match))")
                    }
                    values.append(contentsOf: posting.values)
                }
                if let state = query.state {
                    if state.rawValue == "registered" {
                        conditions.append("(a.state IS NULL OR a.state = 'registered')")
                    } else {
                        conditions.append("a.state = ?")
                        values.append(.text(state.rawValue))
                    }
                }
                if let name = query.name {
                    conditions.append("a.name = ?")
                    values.append(.text(name))
                }
                switch cursor {
                case .registration(let sequence)?:
                    // Registered artifacts have recency = their sequence; unregistered ones a negative recency.
                    conditions.append("a.recency < ?")
                    values.append(.integer(sequence))
                case .unregistered(let id)?:
                    // BINARY collation compares UTF-8 bytes: the order of ids.
                    conditions.append("a.registration_sequence IS NULL AND a.id > ?")
                    values.append(.text(id.description))
                case nil:
                    break
                }
                for (id, direction) in [
                    (query.ancestorsOf, RegistryIndex.LineageDirection.ancestors),
                    (query.descendantsOf, .descendants),
                ] {
                    guard let id else { continue }
                    let ordinals = try lineage(of: id, direction: direction).map(\.ordinal)
                    if ordinals.isEmpty { return [] }
                    conditions.append("a.ordinal IN (\(ordinals.map(String.init).joined(separator: ",")))")
                }
                var sql = "SELECT \(Self.summaryColumns) FROM artifacts a"
                if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
                sql += " ORDER BY a.recency DESC LIMIT ?"
                values.append(.integer(limit == Int.max ? -1 : Int64(limit)))
                var results: [ArtifactSummary] = []
                try connection.prepare(sql).forEachRow(values) { results.append(try summary(from: $0)) }
                return results
            }
        }

        /// A condition answered by a posting table.
        private enum Condition {
            case capability, label, tokenPrefix

            var table: String {
                switch self {
                case .capability: "capabilities"
                case .label: "labels"
                case .tokenPrefix: "tokens"
                }
            }

            /// The `WHERE` clause over the table's key, with `?` for the values.
            var match: String {
                switch self {
                case .capability: "capability = ?"
                case .label: "key = ? AND value = ?"
                case .tokenPrefix: "token >= ? AND token < ?"
                }
            }
        }

        /// The distinct tokens in a prefix range (`[lower, upper)`), found by seeking past each one in the
        /// `tokens` key, or nil when there are more than eight.
        private func distinctTokens(_ range: [SQLiteConnection.Value?]) throws -> [String]? {
            guard range.count == 2, let upper = range[1] else { return nil }
            let first = try connection.prepare(
                "SELECT token FROM tokens WHERE token >= ? AND token < ? ORDER BY token LIMIT 1")
            let next = try connection.prepare(
                "SELECT token FROM tokens WHERE token > ? AND token < ? ORDER BY token LIMIT 1")
            var tokens: [String] = []
            try first.bind(range)
            guard try first.step() else { return [] }
            tokens.append(try first.row.text(0))
            while let last = tokens.last {
                try next.bind([.text(last), upper])
                guard try next.step() else { return tokens }
                tokens.append(try next.row.text(0))
                if tokens.count > 8 { return nil }
            }
            return tokens
        }

        private func count(_ sql: String, _ values: [SQLiteConnection.Value?]) throws -> Int64 {
            let statement = try connection.prepare(sql)
            try statement.bind(values)
            guard try statement.step() else { return 0 }
            return try statement.row.integer(0)
        }

        /// The summary of one artifact, or nil.
        func summary(of id: ArtifactID) throws -> ArtifactSummary? {
            var result: ArtifactSummary?
            try connection.prepare("SELECT \(Self.summaryColumns) FROM artifacts WHERE id_key = ? AND id = ?")
                .forEachRow(Self.idValues(id)) { result = try summary(from: $0) }
            return result
        }

        /// The summary in the row `ordinal`, or nil.
        private func summary(ordinal: Int64) throws -> ArtifactSummary? {
            var result: ArtifactSummary?
            try connection.prepare("SELECT \(Self.summaryColumns) FROM artifacts WHERE ordinal = ?")
                .forEachRow([.integer(ordinal)]) { result = try summary(from: $0) }
            return result
        }

        /// The transitive lineage, nearest first, or nil when the artifact is not held.
        func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactSummary]? {
            try connection.transaction(write: false) {
                guard try ordinal(of: id) != nil else { return nil }
                return try lineage(of: id, direction: direction).compactMap { try summary(ordinal: $0.ordinal) }
            }
        }

        /// Everything held, as contents (summaries sorted by id; every state, held artifact or not).
        func contents() throws -> RegistryIndex.Contents {
            try connection.transaction(write: false) {
                let meta = try self.meta()
                var summaries: [ArtifactSummary] = []
                try connection.prepare("SELECT \(Self.summaryColumns) FROM artifacts").forEachRow {
                    summaries.append(try summary(from: $0))
                }
                summaries.sort { bytesPrecede($0.id.description, $1.id.description) }
                var states: [ArtifactID: String] = [:]
                try connection.prepare("SELECT id, state FROM states").forEachRow { row in
                    let text = try row.text(0)
                    guard let id = ArtifactID(text) else { throw damage("states: '\(text)' is not an artifact id") }
                    states[id] = try row.text(1)
                }
                return RegistryIndex.Contents(stamp: meta.stamp, summaries: summaries, states: states)
            }
        }

        private func ordinal(of id: ArtifactID) throws -> Int64? {
            var result: Int64?
            try connection.prepare("SELECT ordinal FROM artifacts WHERE id_key = ? AND id = ?")
                .forEachRow(Self.idValues(id)) { result = try $0.integer(0) }
            return result
        }

        /// Breadth-first walk over every id the lineage names, held or not; each generation sorted by id.
        /// Returns the held artifacts reached, nearest first, with their rows. Ancestors come from held
        /// artifacts' `parents`; descendants from `children` (keyed by a hash of the parent id), each candidate
        /// confirmed by its own `parents` naming the parent.
        private func lineage(
            of id: ArtifactID, direction: RegistryIndex.LineageDirection
        ) throws -> [(id: ArtifactID, ordinal: Int64)] {
            let parentsOf = try connection.prepare("SELECT ordinal, parents FROM artifacts WHERE id_key = ? AND id = ?")
            let childrenOf = try connection.prepare(
                "SELECT a.ordinal, a.id, a.parents FROM children c JOIN artifacts a ON a.ordinal = c.child "
                    + "WHERE c.parent_key = ?")
            func parents(_ text: String, of node: String) throws -> [ArtifactID] {
                guard !text.isEmpty else { return [] }
                return try text.split(separator: " ").map {
                    guard let parent = ArtifactID(String($0)) else {
                        throw damage("lineage of '\(node)': '\($0)' is not an artifact id")
                    }
                    return parent
                }
            }
            var visited: Set<ArtifactID> = [id]
            var frontier = [id]
            var held: [ArtifactID: Int64] = [:]
            var result: [(id: ArtifactID, ordinal: Int64)] = []
            while !frontier.isEmpty {
                var next: [ArtifactID] = []
                for node in frontier {
                    switch direction {
                    case .ancestors:
                        try parentsOf.forEachRow(Self.idValues(node)) { row in
                            for parent in try parents(try row.text(1), of: node.description)
                            where visited.insert(parent).inserted {
                                next.append(parent)
                            }
                        }
                    case .descendants:
                        try childrenOf.forEachRow([.integer(SQLiteIndexRecord.key(node.description))]) { row in
                            let text = try row.text(1)
                            guard let child = ArtifactID(text) else {
                                throw damage("lineage of '\(node)': '\(text)' is not an artifact id")
                            }
                            guard try parents(try row.text(2), of: text).contains(node) else { return }
                            held[child] = try row.integer(0)
                            if visited.insert(child).inserted { next.append(child) }
                        }
                    }
                }
                next.sort { bytesPrecede($0.description, $1.description) }
                for node in next {
                    if let ordinal = held[node] {
                        result.append((node, ordinal))
                    } else if direction == .ancestors, let ordinal = try ordinal(of: node) {
                        result.append((node, ordinal))
                    }
                }
                frontier = next
            }
            return result
        }

        private func summary(from row: SQLiteConnection.Row) throws -> ArtifactSummary {
            try SQLiteIndexRecord.summary(from: row, path: connection.path)
        }
    }
#endif
