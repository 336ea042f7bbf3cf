#if SQLite
    import IndexBuilder
    import RegistryCore

    extension SQLiteIndexStore {
        /// The summaries matching `query`, most recent first (registration sequence descending, then artifacts
        /// without a registration by id), after `cursor` when one is given.
        ///
        /// The conditions on terms (capabilities, labels, text prefixes), the name, a lifecycle state other than
        /// `registered` and lineage each give a sorted list of ordinals (a term's blob in `postings` with its
        /// `additions` rows; an index range of `artifacts`), intersected here, shortest first; the rows are then
        /// read by ordinal from the highest down, below the cursor, until the limit is reached (ordinals whose row
        /// is gone are skipped). A query with no such condition walks `artifacts` by ordinal, highest first.
        func summaries(matching query: IndexQuery, after cursor: IndexQuery.Cursor? = nil) throws -> [ArtifactSummary] {
            let limit = query.limit ?? Int.max
            guard limit > 0 else { return [] }
            return try connection.transaction(write: false) {
                let strings = try StringReader(connection)
                var lists: [[Int64]] = []
                for capability in query.capabilities.sorted() {
                    guard let string = try stringID(capability) else { return [] }
                    lists.append(try ordinals(of: SQLitePostings.capabilityTerm(string)))
                    if lists.last?.isEmpty == true { return [] }
                }
                for (key, value) in query.labels.sorted(by: { $0.key < $1.key }) {
                    guard let keyID = try stringID(key), let valueID = try stringID(value) else { return [] }
                    lists.append(try ordinals(of: SQLitePostings.labelTerm(key: keyID, value: valueID)))
                    if lists.last?.isEmpty == true { return [] }
                }
                if let text = query.text {
                    for token in Set(SearchTokens.tokens(of: text)).sorted() {
                        lists.append(try ordinals(ofTokensStartingWith: token))
                        if lists.last?.isEmpty == true { return [] }
                    }
                }
                if let name = query.name {
                    lists.append(try ordinalList("SELECT ordinal FROM artifacts WHERE name = ?", [.text(name)]))
                }
                if let state = query.state, state.rawValue != "registered" {
                    lists.append(
                        try ordinalList("SELECT ordinal FROM artifacts WHERE state = ?", [.text(state.rawValue)]))
                }
                for (id, direction) in [
                    (query.ancestorsOf, RegistryIndex.LineageDirection.ancestors),
                    (query.descendantsOf, .descendants),
                ] {
                    guard let id else { continue }
                    lists.append(try lineage(of: id, direction: direction).map(\.ordinal).sorted())
                }
                // What a row must still satisfy when read.
                func accepts(_ summary: ArtifactSummary, stored state: String?) -> Bool {
                    if query.state?.rawValue == "registered", let state, state != "registered" { return false }
                    if case .unregistered(let after)? = cursor {
                        return summary.registrationSequence == nil
                            && bytesPrecede(after.description, summary.id.description)
                    }
                    return true
                }
                // Ordinals below the cursor: below its sequence, or (an id cursor) below zero.
                let bound: Int64? =
                    switch cursor {
                    case .registration(let sequence)?: sequence
                    case .unregistered?: 0
                    case nil: nil
                    }
                var results: [ArtifactSummary] = []
                if lists.isEmpty {
                    var sql = "SELECT \(Self.summaryColumns) FROM artifacts"
                    var values: [SQLiteConnection.Value?] = []
                    if let bound {
                        sql += " WHERE ordinal < ?"
                        values.append(.integer(bound))
                    }
                    let statement = try connection.prepare(sql + " ORDER BY ordinal DESC")
                    try statement.bind(values)
                    while results.count < limit, try statement.step() {
                        let summary = try summary(from: statement.row, strings: strings)
                        if accepts(summary, stored: try statement.row.optionalText(3)) { results.append(summary) }
                    }
                    return results
                }
                let candidates = SQLitePostings.intersection(lists)
                let read = try connection.prepare("SELECT \(Self.summaryColumns) FROM artifacts WHERE ordinal = ?")
                for ordinal in candidates.reversed() where results.count < limit {
                    if let bound, ordinal >= bound { continue }
                    try read.bind([.integer(ordinal)])
                    guard try read.step() else { continue }  // removed or moved since the last full build
                    let summary = try summary(from: read.row, strings: strings)
                    if accepts(summary, stored: try read.row.optionalText(3)) { results.append(summary) }
                }
                return results
            }
        }

        /// The sorted ordinals of a term: its blob in `postings` and its rows in `additions`.
        private func ordinals(of term: [UInt8]) throws -> [Int64] {
            var lists: [[Int64]] = []
            try connection.prepare("SELECT ordinals FROM postings WHERE term = ?").forEachRow([.bytes(term)]) { row in
                var list: [Int64] = []
                try SQLitePostings.decode(try row.blob(0), term: term, path: connection.path, into: &list)
                lists.append(list)
            }
            lists.append(try ordinalList("SELECT ordinal FROM additions WHERE term = ?", [.bytes(term)]))
            return SQLitePostings.union(lists)
        }

        /// The sorted ordinals of every token starting with `prefix`: the terms in
        /// [`t` ‖ prefix, `t` ‖ prefix ‖ 0xFF), in `postings` and `additions`.
        private func ordinals(ofTokensStartingWith prefix: String) throws -> [Int64] {
            let lower = SQLitePostings.tokenTerm(prefix)
            let range: [SQLiteConnection.Value?] = [.bytes(lower), .bytes(lower + [0xFF])]
            var lists: [[Int64]] = []
            try connection.prepare("SELECT term, ordinals FROM postings WHERE term >= ? AND term < ?").forEachRow(
                range
            ) { row in
                var list: [Int64] = []
                try SQLitePostings.decode(try row.blob(1), term: try row.blob(0), path: connection.path, into: &list)
                lists.append(list)
            }
            lists.append(try ordinalList("SELECT ordinal FROM additions WHERE term >= ? AND term < ?", range).sorted())
            return SQLitePostings.union(lists)
        }

        /// The ordinals a statement selects, sorted.
        private func ordinalList(_ sql: String, _ values: [SQLiteConnection.Value?]) throws -> [Int64] {
            var result: [Int64] = []
            try connection.prepare(sql).forEachRow(values) { result.append(try $0.integer(0)) }
            return SQLitePostings.dedup(result.sorted())
        }

        /// The summary of one artifact, or nil.
        func summary(of id: ArtifactID) throws -> ArtifactSummary? {
            let strings = try StringReader(connection)
            var result: ArtifactSummary?
            try connection.prepare("SELECT \(Self.summaryColumns) FROM artifacts WHERE \(Self.idCondition)")
                .forEachRow(Self.idValues(id)) { result = try summary(from: $0, strings: strings) }
            return result
        }

        /// The transitive lineage, nearest first, or nil when the artifact is not held.
        func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactSummary]? {
            try connection.transaction(write: false) {
                guard try ordinal(of: id) != nil else { return nil }
                let strings = try StringReader(connection)
                let read = try connection.prepare("SELECT \(Self.summaryColumns) FROM artifacts WHERE ordinal = ?")
                var result: [ArtifactSummary] = []
                for entry in try lineage(of: id, direction: direction) {
                    try read.bind([.integer(entry.ordinal)])
                    if try read.step() { result.append(try summary(from: read.row, strings: strings)) }
                }
                return result
            }
        }

        /// Everything held, as contents (summaries sorted by id; every state, held artifact or not).
        func contents() throws -> RegistryIndex.Contents {
            try connection.transaction(write: false) {
                let meta = try self.meta()
                let strings = try StringReader(connection)
                var summaries: [ArtifactSummary] = []
                try connection.prepare("SELECT \(Self.summaryColumns) FROM artifacts").forEachRow {
                    summaries.append(try summary(from: $0, strings: strings))
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
            try connection.prepare("SELECT ordinal FROM artifacts WHERE \(Self.idCondition)")
                .forEachRow(Self.idValues(id)) { result = try $0.integer(0) }
            return result
        }

        /// Breadth-first walk over every id the lineage names, held or not; each generation sorted by id.
        /// Returns the held artifacts reached, nearest first, with their ordinals. Ancestors come from held
        /// artifacts' parents; descendants from `children` (keyed by a hash of the parent id), each candidate
        /// confirmed by its own parents naming the parent.
        private func lineage(
            of id: ArtifactID, direction: RegistryIndex.LineageDirection
        ) throws -> [(id: ArtifactID, ordinal: Int64)] {
            let parentsOf = try connection.prepare(
                "SELECT ordinal, record FROM artifacts WHERE \(Self.idCondition)")
            let childrenOf = try connection.prepare(
                "SELECT a.ordinal, a.id, a.record FROM children c JOIN artifacts a ON a.ordinal = c.child "
                    + "WHERE c.parent_key = ?")
            func parents(_ record: [UInt8], of node: String) throws -> [ArtifactID] {
                try SQLiteIndexRecord.decode(record, id: node, path: connection.path, parentsOnly: true).parents
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
                            for parent in try parents(try row.blob(1), of: node.description)
                            where visited.insert(parent).inserted {
                                next.append(parent)
                            }
                        }
                    case .descendants:
                        try childrenOf.forEachRow([.integer(SQLiteIndexRecord.key(node.description))]) { row in
                            let child = try SQLiteIndexRecord.id(from: row, column: 1, path: connection.path)
                            guard try parents(try row.blob(2), of: child.description).contains(node) else { return }
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
    }
#endif
