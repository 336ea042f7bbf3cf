import RegistryCore

/// Encodes ``RegistryIndex/Contents`` as `index.bin` (FORMAT.md §13.1): a pure function of the contents, so that a
/// rebuild of the same registry writes the same bytes.
enum BinaryIndexEncoder {
    private typealias Layout = BinaryIndexLayout

    /// The bytes of the index file for `contents`.
    ///
    /// - Complexity: O(*s* log *s*) for *s* distinct strings, plus O(*p* log *p*) for *p* postings.
    static func encode(_ contents: RegistryIndex.Contents) -> [UInt8] {
        var builder = Builder(capacity: contents.summaries.count)
        for summary in contents.summaries { builder.add(summary) }
        return builder.finish(stamp: contents.stamp, states: contents.states)
    }

    /// Builds the file from summaries handed over one at a time, in id order (as ``RegistryIndex/Contents``
    /// holds them), without keeping them: what a rebuild of a large registry uses so that it never holds every
    /// summary at once. The result is the same bytes as ``encode(_:)`` of the same contents.
    struct Builder {
        // 1. The string pool: every string the file refers to, once, sorted by UTF-8 bytes at the end.
        private var pool = StringPool()
        // Each summary's strings as provisional numbers, in flat arrays (one element per string, a start index
        // per summary) rather than a structure of small arrays per summary: a rebuild holds them for every
        // artifact.
        private var pending: PendingStrings
        private var facts: [(registrationSequence: Int64?, fileCount: Int, totalSize: Int64)] = []
        private var summaryIDs = Set<Int32>()

        init(capacity: Int) {
            pending = PendingStrings(capacity: capacity)
            facts.reserveCapacity(capacity)
        }

        /// Adds the next summary (ids ascending by bytes; its `stateName` already set).
        mutating func add(_ summary: ArtifactSummary) {
            pending.add(summary, to: &pool)
            summaryIDs.insert(pending.entries[pending.entries.count - 1].id)
            facts.append((summary.registrationSequence, summary.fileCount, summary.totalSize))
        }

        /// The file, given the stamp and the states of the log (those of artifacts without a summary are kept
        /// in `absentStates`).
        consuming func finish(stamp: RegistryIndex.Stamp, states: [ArtifactID: String]) -> [UInt8] {
            let implicit = pool.add(Layout.implicitState)
            var absent: [(id: Int, state: Int)] = []
            for (id, state) in states {
                let number = pool.add(id.description)
                if !summaryIDs.contains(Int32(number)) { absent.append((number, pool.add(state))) }
            }
            summaryIDs = []
            let rank = pool.sortedRanks()  // provisional number → final (sorted) index
            return BinaryIndexEncoder.encode(
                stamp: stamp, pool: pool, rank: rank, implicit: implicit, absent: absent, pending: pending,
                facts: facts)
        }
    }

    // swift-format-ignore: FunctionParameterCount
    private static func encode(
        stamp: RegistryIndex.Stamp, pool: consuming StringPool, rank: [UInt32], implicit: Int,
        absent: [(id: Int, state: Int)], pending: consuming PendingStrings,
        facts: [(registrationSequence: Int64?, fileCount: Int, totalSize: Int64)]
    ) -> [UInt8] {
        let count = facts.count
        // The pool's sections now, so that its arena and table are gone before the postings are built.
        var (stringOffsets, stringBytes) = pool.encode()
        pool = StringPool()
        // 2. Records and their lists.
        var records = ByteBuffer(capacity: count * Layout.recordSize)
        var lists = ByteBuffer(capacity: count * 32)
        var metrics = ByteBuffer(capacity: 0)
        var keys: [Int64] = []
        keys.reserveCapacity(count)
        for (ordinal, summary) in facts.enumerated() {
            let entry = pending.entries[ordinal]
            keys.append(summary.registrationSequence ?? -Int64(ordinal) - 1)
            records.u32(rank[Int(entry.id)])
            records.u32(rank[Int(entry.name)])
            records.u32(entry.registeredAt < 0 ? Layout.none : rank[Int(entry.registeredAt)])
            records.u32(entry.state < 0 ? Layout.none : rank[Int(entry.state)])
            records.u64(UInt64(bitPattern: summary.registrationSequence ?? 0))
            records.u64(UInt64(summary.fileCount))
            records.u64(UInt64(bitPattern: summary.totalSize))
            let capabilities = pending.capabilities(ordinal).map { rank[Int($0.raw)] }.sorted()
            records.u32(UInt32(lists.count / 4))
            records.u32(UInt32(capabilities.count))
            for index in capabilities { lists.u32(index) }
            var labels: [(UInt32, UInt32)] = pending.labels(ordinal).map { label in
                (rank[Int(label.key)], rank[Int(label.value)])
            }
            labels.sort { $0.0 < $1.0 }
            records.u32(UInt32(lists.count / 4))
            records.u32(UInt32(labels.count))
            for (key, value) in labels {
                lists.u32(key)
                lists.u32(value)
            }
            let parents = pending.parents(ordinal)
            records.u32(UInt32(lists.count / 4))
            records.u32(UInt32(parents.count))
            for parent in parents { lists.u32(rank[Int(parent)]) }
            let card: [(UInt32, Double)] = pending.cardMetrics(ordinal).map { (rank[Int($0.name)], $0.value) }
            let evaluations: [(UInt32, ArtifactSummary.EvaluationMetric)] = pending.evaluationMetrics(ordinal).map {
                (rank[Int($0.name)], $0.metric)
            }
            records.u32(UInt32(metrics.count / Layout.metricSize))
            records.u32(UInt32(card.count))
            records.u32(UInt32(evaluations.count))
            records.u32(0)
            for (name, value) in card.sorted(by: { $0.0 < $1.0 }) {
                metrics.u32(name)
                metrics.u32(0)
                metrics.u64(0)
                metrics.u64(value.bitPattern)
            }
            for (name, metric) in evaluations.sorted(by: { $0.0 < $1.0 }) {
                metrics.u32(name)
                metrics.u32(0)
                metrics.u64(UInt64(bitPattern: metric.sequence))
                metrics.u64(metric.value.bitPattern)
            }
        }

        // 3. Postings, in recency order (ascending key), so that walking a list backwards is most recent first.
        let recency = (0..<count).sorted { keys[$0] < keys[$1] }
        keys = []
        var byCapability: [UInt32: [UInt32]] = [:]
        var byName: [UInt32: [UInt32]] = [:]
        var byToken: [UInt32: [UInt32]] = [:]
        var byState: [UInt32: [UInt32]] = [:]
        var byLabel: [UInt64: [UInt32]] = [:]
        func add(_ ordinal: Int, to list: inout [UInt32]) {
            if list.last != UInt32(ordinal) { list.append(UInt32(ordinal)) }
        }
        for ordinal in recency {
            let entry = pending.entries[ordinal]
            for capability in pending.capabilities(ordinal) {
                add(ordinal, to: &byCapability[rank[Int(capability.key)], default: []])
            }
            add(ordinal, to: &byName[rank[Int(entry.nameKey)], default: []])
            for token in pending.tokens(ordinal) { add(ordinal, to: &byToken[rank[Int(token)], default: []]) }
            add(ordinal, to: &byState[rank[entry.state < 0 ? implicit : Int(entry.state)], default: []])
            for label in pending.labels(ordinal) {
                let key = UInt64(rank[Int(label.matchKey)]) << 32 | UInt64(rank[Int(label.matchValue)])
                add(ordinal, to: &byLabel[key, default: []])
            }
        }
        var children: [UInt32: [UInt32]] = [:]
        for ordinal in 0..<count {
            for parent in pending.parents(ordinal) { add(ordinal, to: &children[rank[Int(parent)], default: []]) }
        }
        pending = PendingStrings(capacity: 0)

        var postings = ByteBuffer(capacity: 0)
        func dictionary(_ map: [UInt32: [UInt32]]) -> ByteBuffer {
            var out = ByteBuffer(capacity: map.count * 12)
            for key in map.keys.sorted() {
                let list = map[key] ?? []
                out.u32(key)
                out.u32(UInt32(postings.count / 4))
                out.u32(UInt32(list.count))
                for ordinal in list { postings.u32(ordinal) }
            }
            return out
        }
        var capabilityKeys = dictionary(byCapability)
        var nameKeys = dictionary(byName)
        var tokenKeys = dictionary(byToken)
        var stateKeys = dictionary(byState)
        var labelKeys = ByteBuffer(capacity: byLabel.count * 16)
        for key in byLabel.keys.sorted() {
            let list = byLabel[key] ?? []
            labelKeys.u32(UInt32(key >> 32))
            labelKeys.u32(UInt32(key & 0xFFFF_FFFF))
            labelKeys.u32(UInt32(postings.count / 4))
            labelKeys.u32(UInt32(list.count))
            for ordinal in list { postings.u32(ordinal) }
        }
        var childrenKeys = dictionary(children)
        var absentStates = ByteBuffer(capacity: absent.count * 8)
        for (id, state) in absent.map({ (rank[$0.id], rank[$0.state]) }).sorted(by: { $0.0 < $1.0 }) {
            absentStates.u32(id)
            absentStates.u32(state)
        }
        var recencyBytes = ByteBuffer(capacity: recency.count * 4)
        for ordinal in recency { recencyBytes.u32(UInt32(ordinal)) }

        // 4. The file: header, section table, sections (each 8-aligned, zero-padded).
        var sections: [[UInt8]] = Array(repeating: [], count: Layout.Section.allCases.count)
        sections[Layout.Section.auditTime.rawValue] = Array((stamp.auditTime ?? "").utf8)
        sections[Layout.Section.stringOffsets.rawValue] = stringOffsets.take()
        sections[Layout.Section.stringBytes.rawValue] = stringBytes
        stringBytes = []
        sections[Layout.Section.records.rawValue] = records.take()
        sections[Layout.Section.lists.rawValue] = lists.take()
        sections[Layout.Section.metrics.rawValue] = metrics.take()
        sections[Layout.Section.recency.rawValue] = recencyBytes.take()
        sections[Layout.Section.postings.rawValue] = postings.take()
        sections[Layout.Section.capabilityKeys.rawValue] = capabilityKeys.take()
        sections[Layout.Section.nameKeys.rawValue] = nameKeys.take()
        sections[Layout.Section.tokenKeys.rawValue] = tokenKeys.take()
        sections[Layout.Section.stateKeys.rawValue] = stateKeys.take()
        sections[Layout.Section.labelKeys.rawValue] = labelKeys.take()
        sections[Layout.Section.childrenKeys.rawValue] = childrenKeys.take()
        sections[Layout.Section.absentStates.rawValue] = absentStates.take()

        // Assembled in one buffer of the final size: the sections are large at scale, and copying them into a
        // body and then a file would hold the index three times over.
        var table = ByteBuffer(capacity: sections.count * 16)
        var offset = Layout.dataStart
        for section in sections {
            table.u64(UInt64(offset))
            table.u64(UInt64(section.count))
            offset += (section.count + 7) & ~7
        }
        var header = ByteBuffer(capacity: Layout.headerSize)
        header.append(Layout.magic)
        header.u32(Layout.formatVersion)
        header.u32(UInt32(sections.count))
        header.u64(UInt64(stamp.artifactCount))
        header.u64(UInt64(bitPattern: stamp.auditSequence))
        header.u64(UInt64(offset))
        var file = header.bytes
        file.reserveCapacity(offset)
        file.append(contentsOf: repeatElement(0, count: Layout.headerSize - Layout.Header.bodyDigest))
        file.append(contentsOf: table.bytes)
        for index in sections.indices {
            file.append(contentsOf: sections[index])
            file.append(contentsOf: repeatElement(0, count: ((sections[index].count + 7) & ~7) - sections[index].count))
            sections[index] = []
        }
        var hasher = SHA256Algorithm().makeState()
        file.withUnsafeBytes { whole in
            hasher.update(UnsafeRawBufferPointer(rebasing: whole[0..<Layout.Header.bodyDigest]))
            hasher.update(UnsafeRawBufferPointer(rebasing: whole[Layout.Header.reservedStart...]))
        }
        let digest = hasher.finalize().bytes
        file.replaceSubrange(Layout.Header.bodyDigest..<Layout.Header.reservedStart, with: digest)
        return file
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

    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// The bytes, leaving the buffer empty: hands them over without a second reference, so that releasing them
    /// later frees them.
    mutating func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}
