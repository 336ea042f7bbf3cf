#if SQLite
    import IndexBuilder
    import RegistryCore

    extension SQLiteIndexStore {
        /// Applies `changes` in one transaction, following ``RegistryIndex/Changes``' rules (idempotent; a
        /// registration counts only when none with a smaller sequence is held, a state only when newer).
        ///
        /// Each change costs a few index lookups whatever the number of rows: a new artifact's postings go to
        /// `additions` (one row each) rather than into the blobs of `postings`, which a compaction or the next full build folds
        /// them into; a removed artifact's row goes and its postings in blobs are skipped by queries from then on.
        /// An artifact whose registration sequence changes (a held artifact without one, or with a later one)
        /// moves to its new ordinal the same way.
        ///
        /// - Parameters:
        ///   - bumpGeneration: increment `meta.generation` (a stored write other readers must notice).
        ///   - crashPoint: the crash point just before the commit (crash tests).
        /// - Throws: ``RegistryError/Code/invalidDocument`` when a row it reads does not decode; I/O errors.
        func apply(_ changes: RegistryIndex.Changes, bumpGeneration: Bool, crashPoint: String?) throws {
            try connection.transaction(write: true) {
                var meta = try self.meta()
                let writer = try SQLiteRowWriter(connection, postingsTable: "additions")
                let strings = try StringReader(connection)
                let find = try connection.prepare(
                    "SELECT \(Self.summaryColumns) FROM artifacts WHERE \(Self.idCondition)")
                // The held row of `id`: its ordinal, stored state and raw record.
                func held(_ id: ArtifactID) throws -> (ordinal: Int64, state: String?, record: [UInt8])? {
                    try find.bind(Self.idValues(id))
                    guard try find.step() else { return nil }
                    return (try find.row.integer(0), try find.row.optionalText(3), try find.row.blob(4))
                }
                func heldSummary(_ id: ArtifactID) throws -> ArtifactSummary {
                    try find.bind(Self.idValues(id))
                    guard try find.step() else { throw damage("the row of '\(id)' is missing") }
                    return try summary(from: find.row, strings: strings)
                }
                let removalOf = try connection.prepare("SELECT sequence FROM removals WHERE id = ?")
                let stateOf = try connection.prepare("SELECT state, sequence FROM states WHERE id = ?")

                for removal in changes.removed {
                    guard let entry = try held(removal.artifact), max(0, entry.ordinal) < removal.sequence else {
                        continue
                    }
                    try writer.remove(try heldSummary(removal.artifact), ordinal: entry.ordinal)
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
                        if entry.ordinal > 0, entry.ordinal <= sequence { continue }
                        // Held without a registration, or with a later one: it moves to its new ordinal.
                        var moved = try heldSummary(summary.id)
                        try writer.remove(moved, ordinal: entry.ordinal)
                        moved.registeredAt = summary.registeredAt
                        moved.registrationSequence = sequence
                        try writer.insert(moved, ordinal: sequence, state: entry.state)
                        continue
                    }
                    try stateOf.bind([.text(summary.id.description)])
                    let state = try stateOf.step() ? try stateOf.row.text(0) : nil
                    try writer.insert(summary, ordinal: sequence, state: state)
                    meta.stamp.artifactCount += 1
                    meta.summaryCount += 1
                }
                for change in changes.stateChanges {
                    try stateOf.bind([.text(change.artifact.description)])
                    if try stateOf.step(), try stateOf.row.integer(1) >= change.sequence { continue }
                    try connection.prepare("INSERT OR REPLACE INTO states(id, state, sequence) VALUES (?, ?, ?)").run(
                        [.text(change.artifact.description), .text(change.state), .integer(change.sequence)])
                    try connection.prepare("UPDATE artifacts SET state = ? WHERE \(Self.idCondition)").run(
                        [.text(change.state)] + Self.idValues(change.artifact))
                }
                for change in changes.evaluations {
                    guard let entry = try held(change.artifact) else { continue }
                    var record = try SQLiteIndexRecord.decode(
                        entry.record, id: change.artifact.description, path: connection.path)
                    for (name, value) in change.metrics
                    where (record.evaluationMetrics[name]?.sequence ?? 0) < change.sequence {
                        record.evaluationMetrics[name] = ArtifactSummary.EvaluationMetric(
                            value: value, sequence: change.sequence)
                    }
                    try connection.prepare("UPDATE artifacts SET record = ? WHERE ordinal = ?").run([
                        .bytes(record.encoded()), .integer(entry.ordinal),
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
    }
#endif
