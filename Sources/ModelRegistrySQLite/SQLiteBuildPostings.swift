#if SQLite
    /// A full build's postings, gathered in memory term by term and spilled, in term order, to a temporary table
    /// whenever they outgrow their budget, so that a small registry's build never touches the temporary table and
    /// a large one's memory stays bounded (docs/FORMAT.md §16.1).
    final class SQLiteBuildPostings {
        private let connection: SQLiteConnection
        private let budget: Int
        private var lists: [[UInt8]: [Int64]] = [:]
        /// An estimate of the memory `lists` takes.
        private var size = 0
        private var spill: SQLiteConnection.Statement?

        /// - Parameter budget: the bytes of postings held before a spill (an estimate: each term's bytes and
        ///   about 100 bytes of bookkeeping, eight bytes a posting).
        init(_ connection: SQLiteConnection, budget: Int = 48 << 20) {
            self.connection = connection
            self.budget = budget
        }

        /// Adds one posting.
        func add(_ term: [UInt8], _ ordinal: Int64) throws {
            if lists[term]?.append(ordinal) == nil {
                lists[term] = [ordinal]
                size += term.count + 100
            }
            size += 8
            if size > budget { try spillAll() }
        }

        private static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }

        /// Writes what is held to the temporary table in term order (so the B-tree takes them in order) and lets
        /// it go.
        private func spillAll() throws {
            if spill == nil {
                try connection.execute("PRAGMA temp.cache_size=-16384")
                try connection.execute(
                    "CREATE TEMP TABLE build_postings(term BLOB NOT NULL, ordinal INTEGER NOT NULL, "
                        + "PRIMARY KEY(term, ordinal)) WITHOUT ROWID")
                spill = try connection.prepare("INSERT OR IGNORE INTO temp.build_postings(term, ordinal) VALUES (?, ?)")
            }
            guard let spill else { return }
            for term in lists.keys.sorted(by: Self.precedes) {
                guard let ordinals = lists[term] else { continue }
                for ordinal in ordinals.sorted() { try spill.run([.bytes(term), .integer(ordinal)]) }
            }
            lists = [:]
            size = 0
        }

        /// Calls `body` with each term, in term order (bytes ascending), and its ordinals sorted without repeats;
        /// then drops the temporary table if there is one. Holds one term's ordinals beyond what is in memory.
        func forEachTerm(_ body: (_ term: [UInt8], _ ordinals: [Int64]) throws -> Void) throws {
            guard spill != nil else {
                for term in lists.keys.sorted(by: Self.precedes) {
                    try body(term, SQLitePostings.dedup((lists[term] ?? []).sorted()))
                }
                lists = [:]
                return
            }
            try spillAll()
            var term: [UInt8]?
            var ordinals: [Int64] = []
            try connection.prepare("SELECT term, ordinal FROM temp.build_postings ORDER BY term, ordinal").forEachRow {
                row in
                let next = try row.blob(0)
                if next != term {
                    if let term { try body(term, ordinals) }
                    term = next
                    ordinals.removeAll(keepingCapacity: true)
                }
                ordinals.append(try row.integer(1))
            }
            if let term { try body(term, ordinals) }
            spill = nil
            try connection.execute("DROP TABLE temp.build_postings")
        }
    }
#endif
