#if SQLite
    /// A full build's postings, gathered in memory and spilled as sorted runs to a temporary table whenever they
    /// outgrow their budget, then merged term by term at the end (docs/FORMAT.md §16.1): a small registry's build
    /// never touches the temporary table, and a large one's memory stays bounded while every write to the
    /// temporary table is an append (a run's terms in order, runs one after another) and every read a sequential
    /// one.
    ///
    /// In memory a term is a slot and its ordinals a chain through flat arrays (twelve bytes a posting, no
    /// allocation per term beyond its key), so a million terms of one posting each cost what they must and no more.
    /// Ordinals may come in any order; in registration order (the build order of ``SQLiteIndexBackend``) each
    /// term's ordinals come ascending and need no sorting.
    final class SQLiteBuildPostings {
        private let connection: SQLiteConnection
        private let budget: Int
        /// Term → its slot in `terms`, `heads`, `tails`.
        private var slots: [[UInt8]: Int32] = [:]
        private var terms: [[UInt8]] = []
        /// Per slot: the first and last posting of its chain (indexes into `ordinals` and `next`).
        private var heads: [Int32] = []
        private var tails: [Int32] = []
        /// Per posting: its ordinal, and the next posting of its term's chain (-1: the last).
        private var ordinals: [Int64] = []
        private var next: [Int32] = []
        /// An estimate of the memory the above take.
        private var size = 0
        /// The number of runs spilled so far.
        private var runs: Int64 = 0
        private var spill: SQLiteConnection.Statement?

        /// About what a slot costs beyond its term's bytes: the key's array, the dictionary's entry and the slot's
        /// three array elements.
        private static let slotCost = 80
        /// What a posting costs: an ordinal and a link.
        private static let postingCost = 12

        /// - Parameter budget: the bytes of postings held before a spill (an estimate: each term's bytes and about
        ///   80 bytes of bookkeeping, twelve bytes a posting).
        init(_ connection: SQLiteConnection, budget: Int = 24 << 20) {
            self.connection = connection
            self.budget = budget
            reserve()
        }

        /// Reserves what a run can hold at most, so that the arrays never grow by copying themselves (which would
        /// hold twice their size for a moment); the pages are touched only as postings come.
        private func reserve() {
            let postings = min(budget / Self.postingCost + 1, 1 << 26)
            ordinals.reserveCapacity(postings)
            next.reserveCapacity(postings)
            let terms = min(budget / Self.slotCost + 1, 1 << 22)
            slots.reserveCapacity(terms)
            self.terms.reserveCapacity(terms)
            heads.reserveCapacity(terms)
            tails.reserveCapacity(terms)
        }

        /// Adds one posting.
        func add(_ term: [UInt8], _ ordinal: Int64) throws {
            let posting = Int32(truncatingIfNeeded: ordinals.count)
            ordinals.append(ordinal)
            next.append(-1)
            if let slot = slots[term] {
                next[Int(tails[Int(slot)])] = posting
                tails[Int(slot)] = posting
            } else {
                slots[term] = Int32(truncatingIfNeeded: terms.count)
                terms.append(term)
                heads.append(posting)
                tails.append(posting)
                size += term.count + Self.slotCost
            }
            size += Self.postingCost
            // A chain is indexed by Int32: spill long before that runs out, whatever the budget.
            if size > budget || ordinals.count >= Int(Int32.max) { try spillRun() }
        }

        private static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }

        /// Calls `body` with each term held in memory, in term order, and its ordinals ascending without repeats;
        /// then lets them go.
        private func drain(_ body: (_ term: [UInt8], _ ordinals: [Int64]) throws -> Void) throws {
            let (terms, heads, ordinals, next) = (self.terms, self.heads, self.ordinals, self.next)
            slots = [:]  // not needed to drain: let it go first
            tails = []
            let order = (0..<terms.count).sorted { Self.precedes(terms[$0], terms[$1]) }
            var list: [Int64] = []
            for slot in order {
                list.removeAll(keepingCapacity: true)
                var ascending = true
                var posting = heads[slot]
                while posting >= 0 {
                    let ordinal = ordinals[Int(posting)]
                    if let last = list.last, last >= ordinal { ascending = false }
                    list.append(ordinal)
                    posting = next[Int(posting)]
                }
                try body(terms[slot], ascending ? list : SQLitePostings.dedup(list.sorted()))
            }
            self.terms = []
            self.heads = []
            self.ordinals = []
            self.next = []
            size = 0
        }

        /// Writes what is held to the temporary table as the next run, in term order (so the B-tree only appends),
        /// one row per term with its ordinals encoded as a posting blob, and lets it go.
        private func spillRun() throws {
            defer { reserve() }
            if spill == nil {
                // A run is appended and read back sequentially: a small page cache is enough (2 MiB).
                try connection.execute("PRAGMA temp.cache_size=-2048")
                try connection.execute(
                    "CREATE TEMP TABLE build_runs(run INTEGER NOT NULL, term BLOB NOT NULL, ordinals BLOB NOT NULL, "
                        + "PRIMARY KEY(run, term)) WITHOUT ROWID")
                spill = try connection.prepare("INSERT INTO temp.build_runs(run, term, ordinals) VALUES (?, ?, ?)")
            }
            guard let spill else { return }
            let run = runs
            runs += 1
            try drain { term, ordinals in
                try spill.run([.integer(run), .bytes(term), .bytes(SQLitePostings.encode(ordinals))])
            }
        }

        /// One run being read back, term by term.
        private final class RunCursor {
            let statement: SQLiteConnection.Statement
            var term: [UInt8]?
            var blob: [UInt8] = []

            init(_ statement: SQLiteConnection.Statement) { self.statement = statement }

            func advance() throws {
                if try statement.step() {
                    term = try statement.row.blob(0)
                    blob = try statement.row.blob(1)
                } else {
                    term = nil
                    blob = []
                }
            }
        }

        /// Calls `body` with each term, in term order (bytes ascending), and its ordinals sorted without repeats;
        /// then drops the temporary table if there is one. Beyond what is in memory, holds one term's ordinals and
        /// one row of each run.
        func forEachTerm(_ body: (_ term: [UInt8], _ ordinals: [Int64]) throws -> Void) throws {
            guard spill != nil else { return try drain(body) }
            try spillRun()
            var cursors: [RunCursor] = []
            for run in 0..<runs {
                let cursor = RunCursor(
                    try connection.prepare("SELECT term, ordinals FROM temp.build_runs WHERE run = ? ORDER BY term"))
                try cursor.statement.bind([.integer(run)])
                try cursor.advance()
                cursors.append(cursor)
            }
            var list: [Int64] = []
            while true {
                var smallest: [UInt8]?
                for cursor in cursors {
                    guard let term = cursor.term else { continue }
                    if let current = smallest, !Self.precedes(term, current) { continue }
                    smallest = term
                }
                guard let term = smallest else { break }
                list.removeAll(keepingCapacity: true)
                var ascending = true
                // Runs in the order they were written: in registration order their ordinals follow one another.
                for cursor in cursors where cursor.term == term {
                    let start = list.count
                    try SQLitePostings.decode(cursor.blob, term: term, path: connection.path, into: &list)
                    if start > 0, start < list.count, list[start - 1] >= list[start] { ascending = false }
                    try cursor.advance()
                }
                try body(term, ascending ? list : SQLitePostings.dedup(list.sorted()))
            }
            cursors = []
            spill = nil
            try connection.execute("DROP TABLE temp.build_runs")
        }
    }
#endif
