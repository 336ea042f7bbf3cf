#if SQLite
    import RegistryCore

    extension SQLiteIndexStore {
        /// The number of `additions` rows, counted only up to `limit`: what deciding whether to compact costs is
        /// bounded by `limit`, whatever the size of the table.
        func additionsCount(upTo limit: Int) throws -> Int {
            let statement = try connection.prepare("SELECT count(*) FROM (SELECT 1 FROM additions LIMIT ?)")
            try statement.bind([.integer(Int64(max(0, limit)))])
            guard try statement.step() else { throw damage("cannot count additions") }
            return Int(try statement.row.integer(0))
        }

        /// Folds at most `limit` rows of `additions` into the posting blobs of their terms, in one transaction
        /// (docs/FORMAT.md §16.4): the first rows in key order (term, then ordinal), so that successive calls work
        /// through every term. Each term's blob is decoded, united with its rows and written back, and exactly
        /// the folded rows are deleted (a term cut off by the limit keeps its later rows, which still count with
        /// the blob). Every query's answer stays the same; `meta.generation` is incremented like any stored
        /// write.
        ///
        /// - Parameters:
        ///   - limit: the most rows folded.
        ///   - crashPoint: the crash point just before the commit (crash tests).
        /// - Returns: the number of rows folded.
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the database and the term when a blob does not
        ///   decode (the caller rebuilds); I/O errors (nothing is committed then).
        /// - Complexity: `limit` rows read and deleted, plus the blobs of their terms decoded and rewritten.
        func foldAdditions(limit: Int, crashPoint: String?) throws -> Int {
            try connection.transaction(write: true) {
                var groups: [(term: [UInt8], ordinals: [Int64])] = []
                try connection.prepare("SELECT term, ordinal FROM additions ORDER BY term, ordinal LIMIT ?")
                    .forEachRow([.integer(Int64(max(0, limit)))]) { row in
                        let term = try row.blob(0)
                        let ordinal = try row.integer(1)
                        if groups.last?.term == term {
                            groups[groups.count - 1].ordinals.append(ordinal)
                        } else {
                            groups.append((term, [ordinal]))
                        }
                    }
                guard !groups.isEmpty else { return 0 }
                let read = try connection.prepare("SELECT ordinals FROM postings WHERE term = ?")
                let write = try connection.prepare("INSERT OR REPLACE INTO postings(term, ordinals) VALUES (?, ?)")
                let delete = try connection.prepare("DELETE FROM additions WHERE term = ? AND ordinal <= ?")
                var folded = 0
                for group in groups {
                    var ordinals: [Int64] = []
                    try read.forEachRow([.bytes(group.term)]) { row in
                        try SQLitePostings.decode(
                            try row.blob(0), term: group.term, path: connection.path, into: &ordinals)
                    }
                    // New registrations have the highest ordinals: usually an append, otherwise a sorted union.
                    if let last = ordinals.last, let first = group.ordinals.first, last >= first {
                        ordinals = SQLitePostings.union([ordinals, group.ordinals])
                    } else {
                        ordinals.append(contentsOf: group.ordinals)
                    }
                    try write.run([.bytes(group.term), .bytes(SQLitePostings.encode(ordinals))])
                    // The rows read for this term are exactly those up to the last one read (key order).
                    try delete.run([.bytes(group.term), group.ordinals.last.map { .integer($0) }])
                    folded += group.ordinals.count
                }
                try connection.execute("UPDATE meta SET generation = generation + 1")
                if let crashPoint { CrashPoint.hit(crashPoint) }
                return folded
            }
        }
    }
#endif
