#if SQLite
    import IndexBuilder
    import RegistryCore

    extension SQLiteIndexStore {
        /// What a full build hands over: a function that calls its argument with each summary (fastest in
        /// registration order, ``SQLiteIndexBackend/buildOrder``), then returns the stamp and the latest state of
        /// every artifact the log names.
        typealias Producer = (_ add: (ArtifactSummary) throws -> Void) throws -> (
            stamp: RegistryIndex.Stamp, states: [ArtifactID: String]
        )

        /// Fills an empty database with the summaries `produce` hands over, in one transaction, writing each row
        /// as it comes, so that a full build holds one summary at a time rather than all of them: tables created,
        /// rows inserted at their ordinals (the registration sequence, or -1, -2, … for artifacts without one, in
        /// the order they come), the postings gathered (``SQLiteBuildPostings``: in memory up to a budget, then
        /// spilled as sorted runs to a temporary table), then written as one blob per term in term order, the
        /// secondary indexes built, the states stored, the planner's statistics gathered (`ANALYZE`), then `meta`.
        ///
        /// Summaries may come in any order, but registration order (registered ones by ascending sequence, then
        /// the others by id) is the fast one: every row is then appended to `artifacts` and every term's ordinals
        /// come ascending, where id order inserts rows at random pages of a B-tree that outgrows its page cache.
        ///
        /// A row's `state` is the summary's (``ArtifactSummary/state``); a state the log names that is not a
        /// ``LifecycleState`` (so the summary cannot carry it) is set from the returned states afterwards, one
        /// indexed update each, so the rows hold exactly the log's states.
        ///
        /// - Parameters:
        ///   - generation: the new `meta.generation` (readers compare it to notice writes).
        ///   - crashPoint: the crash point just before the commit (crash tests).
        ///   - postingsBudget: the memory for postings before they spill to a temporary table (tests make it
        ///     small to exercise the spill).
        ///   - produce: hands over the summaries; those without a registration in id order (bytes ascending).
        /// - Returns: the stamp `produce` returned.
        /// - Throws: what `produce` throws (nothing is committed then); ``RegistryError/Code/invalidDocument``
        ///   when two summaries share a registration sequence, or those without one do not come in id order;
        ///   I/O errors.
        /// - Complexity: O(*n* log *n*) time in the number of rows; memory for one summary, the postings budget,
        ///   SQLite's page caches and the states.
        @discardableResult
        func fill(
            generation: Int64, crashPoint: String? = nil, postingsBudget: Int = 24 << 20, producing produce: Producer
        ) throws
            -> RegistryIndex.Stamp
        {
            try connection.transaction(write: true) {
                for table in SQLiteIndexSchema.tables { try connection.execute(table.sql) }
                let early = SQLiteIndexSchema.indexes.filter { $0.name == SQLiteIndexSchema.stringsIndexName }
                for index in early { try connection.execute(index.sql) }
                let writer = try SQLiteRowWriter(connection, postingsTable: "additions")
                let postings = SQLiteBuildPostings(connection, budget: postingsBudget)
                writer.buildPostings = postings
                // In registration order this probes the right edge of the B-tree, which is in the page cache.
                let taken = try connection.prepare("SELECT 1 FROM artifacts WHERE ordinal = ?")
                var count: Int64 = 0
                // Artifacts without a registration come after every registered one, by id: ordinals -1, -2, … in
                // the order they come, which must be id order.
                var unregistered: Int64 = 0
                var previousUnregistered: String?
                let (stamp, states) = try produce { summary in
                    count += 1
                    let ordinal: Int64
                    if let sequence = summary.registrationSequence {
                        try taken.bind([.integer(sequence)])
                        if try taken.step() {
                            throw damage(
                                "a full build received '\(summary.id)' with registration #\(sequence), which another "
                                    + "artifact has")
                        }
                        ordinal = sequence
                    } else {
                        let id = summary.id.description
                        if let previous = previousUnregistered, !bytesPrecede(previous, id) {
                            throw damage(
                                "a full build received '\(id)' after '\(previous)', not in id order (artifacts "
                                    + "without a registration are numbered in id order)")
                        }
                        previousUnregistered = id
                        unregistered += 1
                        ordinal = -unregistered
                    }
                    try writer.insert(summary, ordinal: ordinal, state: summary.state?.rawValue)
                }
                let insertPostings = try connection.prepare("INSERT INTO postings(term, ordinals) VALUES (?, ?)")
                try postings.forEachTerm { term, ordinals in
                    try insertPostings.run([.bytes(term), .bytes(SQLitePostings.encode(ordinals))])
                }
                for index in SQLiteIndexSchema.indexes where index.name != SQLiteIndexSchema.stringsIndexName {
                    try connection.execute(index.sql)
                }
                let insertState = try connection.prepare("INSERT INTO states(id, state, sequence) VALUES (?, ?, 0)")
                let setState = try connection.prepare(
                    "UPDATE artifacts SET state = ? WHERE \(Self.idCondition)")
                // In id order, so that the rows of `states` are appended.
                for (id, state) in states.sorted(by: { bytesPrecede($0.key.description, $1.key.description) }) {
                    try insertState.run([.text(id.description), .text(state)])
                    if LifecycleState(rawValue: state) == nil {
                        try setState.run([.text(state)] + Self.idValues(id))
                    }
                }
                // Statistics from a sample of each index, so the planner picks the right index for a state.
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

        /// Fills an empty database with `contents`: ``fill(generation:crashPoint:postingsBudget:producing:)`` over its summaries
        /// in registration order, each with the state `contents.states` gives it.
        func fill(with contents: RegistryIndex.Contents, generation: Int64, crashPoint: String? = nil) throws {
            try fill(generation: generation, crashPoint: crashPoint) { add in
                for summary in Self.registrationOrder(contents.summaries) {
                    var copy = summary
                    if contents.states[summary.id] == nil, copy.state != nil { copy.state = nil }
                    try add(copy)
                }
                return (contents.stamp, contents.states)
            }
        }

        /// `summaries` (in id order) in registration order: ascending registration sequence, then those without
        /// one in the order they were (a stable sort).
        static func registrationOrder(_ summaries: [ArtifactSummary]) -> [ArtifactSummary] {
            let order = summaries.indices.sorted {
                (summaries[$0].registrationSequence ?? Int64.max, $0)
                    < (summaries[$1].registrationSequence ?? Int64.max, $1)
            }
            return order.map { summaries[$0] }
        }
    }
#endif
