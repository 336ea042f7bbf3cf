import RegistryCore

/// Encodes ``RegistryIndex/Contents`` as `index.bin` (FORMAT.md §13.1): a pure function of the contents, so that a
/// rebuild of the same registry writes the same bytes.
enum BinaryIndexEncoder {
    private typealias Layout = BinaryIndexLayout

    /// The bytes of the index file for `contents`.
    ///
    /// - Throws: only what an output in memory cannot throw in practice (the builder's file errors).
    /// - Complexity: O(*s* log *s*) for *s* distinct strings, plus O(*p* log *p*) for *p* postings.
    static func encode(_ contents: RegistryIndex.Contents) throws -> [UInt8] {
        var builder = Builder(capacity: contents.summaries.count)
        for summary in contents.summaries { try builder.add(summary) }
        return try builder.finish(stamp: contents.stamp, states: contents.states)
    }

    /// Builds the file from summaries handed over one at a time, in id order (as ``RegistryIndex/Contents``
    /// holds them), without keeping them: what a rebuild of a large registry uses so that it never holds every
    /// summary at once. The result is the same bytes as ``encode(_:)`` of the same contents.
    ///
    /// Memory: the string pool (each distinct string once), 32 bytes per `sha256` id, 12 bytes per summary (its
    /// order key and recency position), 4 bytes per string (a count per key), at most a window of postings
    /// (``defaultPostingsWindow``, or one key's list when longer), and the key tables;
    /// the summaries' strings as numbers go to a scratch file when a spill directory is given, and the file is
    /// written section by section to its output instead of being assembled.
    struct Builder {
        // 1. The string pool: every string the file refers to, once, sorted by UTF-8 bytes at the end.
        private var pool = StringPool()
        // 2. The `sha256` ids, kept as digests.
        private var digests = IndexDigests()
        private var pending: PendingRecords
        /// Per summary, its order key: the registration sequence, or −(ordinal + 1).
        private var keys: [Int64] = []
        /// The summaries' ids of other algorithms than `sha256` (rare; strings of the pool).
        private var otherSummaryIDs: Set<ArtifactID> = []
        /// The most postings held at once while one kind of posting list is built.
        private let postingsWindow: Int
        /// The default for ``postingsWindow``: 2 Mi postings (8 MiB).
        static let defaultPostingsWindow = 1 << 21

        /// - Parameters:
        ///   - capacity: the expected number of summaries.
        ///   - spillDirectory: where the summaries' strings may spill to a scratch file (a rebuild's `indexes/`);
        ///     nil keeps them in memory.
        ///   - spillWords: how many 32-bit words of them to hold before spilling (tests use small numbers).
        ///   - postingsWindow: how many postings to hold at once while building one kind of posting list (tests
        ///     use small numbers; the file is the same for any window).
        init(
            capacity: Int, spillDirectory: String? = nil, spillWords: Int = PendingRecords.defaultSpillWords,
            postingsWindow: Int = defaultPostingsWindow
        ) {
            pending = PendingRecords(spillDirectory: spillDirectory, spillWords: spillWords)
            self.postingsWindow = max(1, postingsWindow)
            keys.reserveCapacity(capacity)
        }

        /// The bytes spilled to the scratch file so far.
        var spilledBytes: Int64 { pending.spilledBytes }

        /// Adds the next summary (ids ascending by bytes; its `stateName` already set).
        ///
        /// - Throws: ``RegistryError/Code/invalidArgument`` when a `sha256` id does not follow the previous one;
        ///   I/O errors writing the scratch file.
        mutating func add(_ summary: ArtifactSummary) throws {
            let id: UInt32
            if let key = SHA256Key(summary.id) {
                id = Layout.digestTag | UInt32(try digests.addSummaryID(key))
            } else {
                otherSummaryIDs.insert(summary.id)
                id = pool.add(summary.id.description)
            }
            keys.append(summary.registrationSequence ?? -Int64(keys.count) - 1)
            try pending.add(summary, id: id, to: &pool)
        }

        /// The file in memory, given the stamp and the states of the log (those of artifacts without a summary
        /// are kept in `absentStates`).
        ///
        /// - Throws: I/O errors reading the scratch file.
        consuming func finish(stamp: RegistryIndex.Stamp, states: [ArtifactID: String]) throws -> [UInt8] {
            let output = InMemoryIndexOutput()
            try finish(stamp: stamp, states: states, into: output)
            return output.take()
        }

        /// Writes the file to `output`, section by section.
        ///
        /// - Throws: I/O errors of the output or the scratch file.
        consuming func finish(
            stamp: RegistryIndex.Stamp, states: [ArtifactID: String], into output: any IndexFileOutput
        )
            throws
        {
            let implicit = pool.add(Layout.implicitState)
            var absent: [(id: PendingRecords.Record.Parent, state: UInt32)] = []
            for (id, state) in states {
                if let key = SHA256Key(id) {
                    guard !digests.isSummaryID(key) else { continue }
                    digests.addReferenced(key)
                    absent.append((.id(key), pool.add(state)))
                } else if !otherSummaryIDs.contains(id) {
                    absent.append((.string(pool.add(id.description)), pool.add(state)))
                }
            }
            otherSummaryIDs = []
            // Parents that are not summaries' ids are digests of their own (each once).
            try pending.forEach { _, record in
                for index in 0..<record.parentCount {
                    if case .id(let key) = record.parent(index) { digests.addReferenced(key) }
                }
            }
            digests.seal()
            let rank = pool.sortedRanks()  // provisional number → final (sorted) index
            var writer = try IndexSectionWriter(output: output)
            try writer.bytes(Array((stamp.auditTime ?? "").utf8))
            try writer.endSection()
            try pool.write(into: &writer)
            pool.releaseStrings()
            try digests.write(into: &writer)
            var sections = Sections(
                rank: rank, implicit: implicit, pending: pending, keys: keys, digests: digests,
                postingsWindow: postingsWindow)
            keys = []
            try sections.write(into: &writer, absent: absent)
            pending.release()
            try writer.finish(stamp: stamp)
        }
    }

    /// Sections 4–15, written from the pending summaries (read back once per section or kind of posting list).
    private struct Sections {
        let rank: [UInt32]
        let implicit: UInt32
        let pending: PendingRecords
        var keys: [Int64]
        let digests: IndexDigests
        /// The most postings (or label entries) held at once while one kind of list is built.
        let postingsWindow: Int

        func r(_ number: UInt32) -> UInt32 { rank[Int(number)] }

        /// The reference of a summary's id word.
        func idReference(_ word: UInt32) -> UInt32 {
            word & Layout.digestTag != 0
                ? digests.reference(ofSummary: Int(word & ~Layout.digestTag)) : rank[Int(word)]
        }

        /// The reference of a parent (or of an id with only a state).
        func r(_ parent: PendingRecords.Record.Parent) -> UInt32 {
            switch parent {
            case .string(let number): rank[Int(number)]
            case .id(let key): digests.reference(of: key)
            }
        }

        /// A record's `registeredAt` as stored.
        func time(_ value: UInt64) -> UInt64 {
            guard value != Layout.noTime, value & Layout.timeStringTag != 0 else { return value }
            return Layout.timeStringTag | UInt64(rank[Int(truncatingIfNeeded: value & 0xFFFF_FFFF)])
        }

        mutating func write(
            into writer: inout IndexSectionWriter, absent: [(id: PendingRecords.Record.Parent, state: UInt32)]
        ) throws {
            try writeRecords(into: &writer)
            try writeLists(into: &writer)
            try writeMetrics(into: &writer)

            // Recency: ordinals in ascending key order; a record's position there orders its posting lists.
            var recency = [UInt32](0..<UInt32(keys.count))
            recency.sort { keys[Int($0)] < keys[Int($1)] }
            keys = []
            for ordinal in recency { try writer.u32(ordinal) }
            try writer.endSection()
            var position = [UInt32](repeating: 0, count: recency.count)
            for (index, ordinal) in recency.enumerated() { position[Int(ordinal)] = UInt32(index) }

            // Postings, one kind of list at a time, each in ascending key order; the key tables follow.
            var written: UInt32 = 0
            var tables: [[UInt32]] = []
            /// Keys are dense numbers below `keyCount`; `tableKey` turns one into the key the table stores.
            func single(
                keyCount: Int? = nil, tableKey: (Int) -> UInt32 = { UInt32($0) }, byRecency: Bool = true,
                _ collect: (PendingRecords.Record, (UInt32) -> Void) -> Void
            ) throws -> [UInt32] {
                // A counting sort by key, one window of keys at a time: first a count per key (4 bytes per key),
                // then per window of keys whose lists hold at most `postingsWindow` members (or one key's),
                // another pass placing the members of just those keys. Memory stays bounded however many
                // postings there are, for one more sequential pass over the pending summaries per window.
                let keyCount = keyCount ?? rank.count
                var starts = [UInt32](repeating: 0, count: keyCount + 1)
                try pending.forEach { _, record in collect(record) { key in starts[Int(key) + 1] += 1 } }
                for key in 0..<keyCount { starts[key + 1] += starts[key] }
                var table: [UInt32] = []
                var first = 0
                while first < keyCount {
                    var end = first + 1
                    while end < keyCount, end - first < postingsWindow,
                        starts[end + 1] - starts[first] <= UInt32(postingsWindow)
                    {
                        end += 1
                    }
                    let base = starts[first]
                    var members = [UInt32](repeating: 0, count: Int(starts[end] - base))
                    var fill = Array(starts[first..<end])
                    if !members.isEmpty {
                        try pending.forEach { ordinal, record in
                            let member = byRecency ? position[ordinal] : UInt32(ordinal)
                            collect(record) { key in
                                let at = Int(key) - first
                                guard at >= 0, at < fill.count else { return }
                                members[Int(fill[at] - base)] = member
                                fill[at] += 1
                            }
                        }
                    }
                    fill = []
                    for key in first..<end {
                        let range = Int(starts[key] - base)..<Int(starts[key + 1] - base)
                        guard !range.isEmpty else { continue }
                        if byRecency { members[range].sort() }  // ordinals arrive ascending already
                        let listStart = written
                        var previous: UInt32?
                        for member in members[range] where member != previous {
                            try writer.u32(byRecency ? recency[Int(member)] : member)
                            written += 1
                            previous = member
                        }
                        table += [tableKey(key), listStart, written - listStart]
                    }
                    first = end
                }
                return table
            }
            tables.append(
                try single { record, add in
                    for index in 0..<record.capabilityCount { add(r(record.capability(index).key)) }
                })
            tables.append(try single { record, add in add(r(record.nameKey)) })
            tables.append(try single { record, add in for token in record.tokens { add(r(token)) } })
            tables.append(
                try single { record, add in
                    add(record.state == BinaryIndexLayout.none ? r(implicit) : r(record.state))
                })
            tables.append(try labelPostings(into: &writer, position: position, recency: recency, written: &written))
            // Children by parent reference: strings (ids of other algorithms) first, then digests, densely.
            let strings = rank.count
            tables.append(
                try single(
                    keyCount: strings + digests.count,
                    tableKey: { $0 < strings ? UInt32($0) : Layout.digestTag | UInt32($0 - strings) },
                    byRecency: false
                ) { record, add in
                    for index in 0..<record.parentCount {
                        let reference = r(record.parent(index))
                        add(
                            reference & Layout.digestTag != 0
                                ? UInt32(strings) + (reference & ~Layout.digestTag) : reference)
                    }
                })
            try writer.endSection()
            for index in tables.indices {
                for word in tables[index] { try writer.u32(word) }
                tables[index] = []
                try writer.endSection()
            }
            for (id, state) in absent.map({ (r($0.id), r($0.state)) }).sorted(by: { $0.0 < $1.0 }) {
                try writer.u32(id)
                try writer.u32(state)
            }
            try writer.endSection()
        }

        /// The label postings: keyed by (match key, match value), collected as (pair, member) entries of 16
        /// bytes one window of match keys at a time (at most a quarter of `postingsWindow` entries, the same
        /// bytes as a window of postings, or one key's entries), sorted and written.
        private func labelPostings(
            into writer: inout IndexSectionWriter, position: [UInt32], recency: [UInt32], written: inout UInt32
        ) throws -> [UInt32] {
            var counts = [UInt32](repeating: 0, count: rank.count + 1)
            try pending.forEach { _, record in
                for index in 0..<record.labelCount { counts[Int(r(record.label(index).matchKey)) + 1] += 1 }
            }
            for key in 0..<rank.count { counts[key + 1] += counts[key] }
            var table: [UInt32] = []
            var first = 0
            while first < rank.count {
                var end = first + 1
                while end < rank.count, counts[end + 1] - counts[first] <= UInt32(max(1, postingsWindow / 4)) {
                    end += 1
                }
                defer { first = end }
                guard counts[end] > counts[first] else { continue }
                var triples: [(key: UInt64, member: UInt32)] = []
                triples.reserveCapacity(Int(counts[end] - counts[first]))
                let window = UInt32(first)..<UInt32(end)
                try pending.forEach { ordinal, record in
                    for index in 0..<record.labelCount {
                        let label = record.label(index)
                        let key = r(label.matchKey)
                        guard window.contains(key) else { continue }
                        triples.append((UInt64(key) << 32 | UInt64(r(label.matchValue)), position[ordinal]))
                    }
                }
                triples.sort { $0.key != $1.key ? $0.key < $1.key : $0.member < $1.member }
                var index = 0
                while index < triples.count {
                    let key = triples[index].key
                    let start = written
                    var previous: UInt32?
                    while index < triples.count && triples[index].key == key {
                        if triples[index].member != previous {
                            try writer.u32(recency[Int(triples[index].member)])
                            written += 1
                            previous = triples[index].member
                        }
                        index += 1
                    }
                    table += [UInt32(key >> 32), UInt32(key & 0xFFFF_FFFF), start, written - start]
                }
            }
            return table
        }

        /// Section 4: one 72-byte record per summary.
        private func writeRecords(into writer: inout IndexSectionWriter) throws {
            var listStart: UInt32 = 0
            var metricStart: UInt32 = 0
            try pending.forEach { _, record in
                try writer.u32(idReference(record.id))
                try writer.u32(r(record.name))
                try writer.u32(record.state == BinaryIndexLayout.none ? BinaryIndexLayout.none : r(record.state))
                try writer.u32(listStart)
                try writer.u64(time(record.registeredAt))
                try writer.u64(UInt64(bitPattern: record.registrationSequence ?? 0))
                try writer.u64(record.fileCount)
                try writer.u64(record.totalSize)
                try writer.u32(UInt32(record.capabilityCount))
                try writer.u32(UInt32(record.labelCount))
                try writer.u32(UInt32(record.parentCount))
                try writer.u32(metricStart)
                try writer.u32(UInt32(record.cardMetricCount))
                try writer.u32(UInt32(record.evaluationMetricCount))
                listStart += UInt32(record.capabilityCount + record.labelCount * 2 + record.parentCount)
                metricStart += UInt32(record.cardMetricCount + record.evaluationMetricCount)
            }
            try writer.endSection()
        }

        /// Section 5: per record, its capabilities (ascending), labels (ascending by key) and parents (lineage
        /// order), one after another.
        private func writeLists(into writer: inout IndexSectionWriter) throws {
            try pending.forEach { _, record in
                let capabilities = (0..<record.capabilityCount).map { r(record.capability($0).raw) }.sorted()
                for capability in capabilities { try writer.u32(capability) }
                let labels = (0..<record.labelCount).map { index in
                    let label = record.label(index)
                    return (r(label.key), r(label.value))
                }
                for (key, value) in labels.sorted(by: { $0.0 < $1.0 }) {
                    try writer.u32(key)
                    try writer.u32(value)
                }
                for index in 0..<record.parentCount { try writer.u32(r(record.parent(index))) }
            }
            try writer.endSection()
        }

        /// Section 6: card metrics, then evaluation metrics, each ascending by name.
        private func writeMetrics(into writer: inout IndexSectionWriter) throws {
            try pending.forEach { _, record in
                let card = (0..<record.cardMetricCount).map { index in
                    let metric = record.cardMetric(index)
                    return (r(metric.name), metric.bits)
                }
                for (name, bits) in card.sorted(by: { $0.0 < $1.0 }) {
                    try writer.u32(name)
                    try writer.u32(0)
                    try writer.u64(0)
                    try writer.u64(bits)
                }
                let evaluations = (0..<record.evaluationMetricCount).map { index in
                    let metric = record.evaluationMetric(index)
                    return (r(metric.name), metric.sequence, metric.bits)
                }
                for (name, sequence, bits) in evaluations.sorted(by: { $0.0 < $1.0 }) {
                    try writer.u32(name)
                    try writer.u32(0)
                    try writer.u64(sequence)
                    try writer.u64(bits)
                }
            }
            try writer.endSection()
        }
    }
}

/// Little-endian output.
struct ByteBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ other: some Collection<UInt8>) { bytes.append(contentsOf: other) }

    /// The bytes, leaving the buffer empty (its capacity kept for reuse).
    mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }
}
