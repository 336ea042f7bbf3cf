import RegistryCore

/// Encodes ``RegistryIndex/Contents`` as `index.bin` (FORMAT.md §13.1): a pure function of the contents, so that a
/// rebuild of the same registry writes the same bytes.
enum BinaryIndexEncoder {
    private typealias Layout = BinaryIndexLayout

    /// The bytes of the index file for `contents`.
    ///
    /// - Complexity: O(*s* log *s*) for *s* distinct strings, plus O(*p* log *p*) for *p* postings.
    static func encode(_ contents: RegistryIndex.Contents) -> [UInt8] {
        let summaries = contents.summaries
        // 1. The string pool: every string the file refers to, once, sorted by UTF-8 bytes.
        var pool = StringPool()
        let implicit = pool.add(Layout.implicitState)
        var absent: [(id: Int, state: Int)] = []
        let present = Set(summaries.map(\.id))
        for (id, state) in contents.states where !present.contains(id) {
            absent.append((pool.add(id.description), pool.add(state)))
        }
        struct Pending {
            var id = 0, name = 0, nameKey = 0, registeredAt: Int?, state: Int?
            var capabilities: [(raw: Int, key: Int)] = []
            var labels: [(key: Int, value: Int, matchKey: Int, matchValue: Int)] = []
            var parents: [Int] = []
            var tokens: [Int] = []
            var card: [(name: Int, value: Double)] = []
            var evaluations: [(name: Int, metric: ArtifactSummary.EvaluationMetric)] = []
        }
        var pending: [Pending] = []
        pending.reserveCapacity(summaries.count)
        for summary in summaries {
            var entry = Pending()
            entry.id = pool.add(summary.id.description)
            entry.name = pool.add(summary.name)
            entry.nameKey = pool.add(Layout.matchKey(summary.name))
            entry.registeredAt = summary.registeredAt.map { pool.add($0) }
            entry.state = summary.stateName.map { pool.add($0) }
            entry.capabilities = summary.capabilities.map { (pool.add($0), pool.add(Layout.matchKey($0))) }
            entry.labels = summary.labels.map {
                (
                    pool.add($0.key), pool.add($0.value), pool.add(Layout.matchKey($0.key)),
                    pool.add(Layout.matchKey($0.value))
                )
            }
            entry.parents = summary.parents.map { pool.add($0.description) }
            entry.tokens = SearchTokens.tokens(of: summary).map { pool.add($0) }
            entry.card = summary.cardMetrics.map { (pool.add($0.key), $0.value) }
            entry.evaluations = summary.evaluationMetrics.map { (pool.add($0.key), $0.value) }
            pending.append(entry)
        }
        let rank = pool.sortedRanks()  // provisional number → final (sorted) index

        // 2. Records and their lists.
        var records = ByteBuffer(capacity: summaries.count * Layout.recordSize)
        var lists = ByteBuffer(capacity: summaries.count * 32)
        var metrics = ByteBuffer(capacity: 0)
        var keys: [Int64] = []
        keys.reserveCapacity(summaries.count)
        for (ordinal, (summary, entry)) in zip(summaries, pending).enumerated() {
            keys.append(summary.registrationSequence ?? -Int64(ordinal) - 1)
            records.u32(rank[entry.id])
            records.u32(rank[entry.name])
            records.u32(entry.registeredAt.map { rank[$0] } ?? Layout.none)
            records.u32(entry.state.map { rank[$0] } ?? Layout.none)
            records.u64(UInt64(bitPattern: summary.registrationSequence ?? 0))
            records.u64(UInt64(summary.fileCount))
            records.u64(UInt64(bitPattern: summary.totalSize))
            let capabilities = entry.capabilities.map { rank[$0.raw] }.sorted()
            records.u32(UInt32(lists.count / 4))
            records.u32(UInt32(capabilities.count))
            for index in capabilities { lists.u32(index) }
            let labels = entry.labels.map { (rank[$0.key], rank[$0.value]) }.sorted { $0.0 < $1.0 }
            records.u32(UInt32(lists.count / 4))
            records.u32(UInt32(labels.count))
            for (key, value) in labels {
                lists.u32(key)
                lists.u32(value)
            }
            records.u32(UInt32(lists.count / 4))
            records.u32(UInt32(entry.parents.count))
            for parent in entry.parents { lists.u32(rank[parent]) }
            records.u32(UInt32(metrics.count / Layout.metricSize))
            records.u32(UInt32(entry.card.count))
            records.u32(UInt32(entry.evaluations.count))
            records.u32(0)
            for (name, value) in entry.card.map({ (rank[$0.name], $0.value) }).sorted(by: { $0.0 < $1.0 }) {
                metrics.u32(name)
                metrics.u32(0)
                metrics.u64(0)
                metrics.u64(value.bitPattern)
            }
            for (name, metric) in entry.evaluations.map({ (rank[$0.name], $0.metric) }).sorted(by: { $0.0 < $1.0 }) {
                metrics.u32(name)
                metrics.u32(0)
                metrics.u64(UInt64(bitPattern: metric.sequence))
                metrics.u64(metric.value.bitPattern)
            }
        }

        // 3. Postings, in recency order (ascending key), so that walking a list backwards is most recent first.
        let recency = (0..<summaries.count).sorted { keys[$0] < keys[$1] }
        var byCapability: [UInt32: [UInt32]] = [:]
        var byName: [UInt32: [UInt32]] = [:]
        var byToken: [UInt32: [UInt32]] = [:]
        var byState: [UInt32: [UInt32]] = [:]
        var byLabel: [UInt64: [UInt32]] = [:]
        func add(_ ordinal: Int, to list: inout [UInt32]) {
            if list.last != UInt32(ordinal) { list.append(UInt32(ordinal)) }
        }
        for ordinal in recency {
            let entry = pending[ordinal]
            for capability in entry.capabilities { add(ordinal, to: &byCapability[rank[capability.key], default: []]) }
            add(ordinal, to: &byName[rank[entry.nameKey], default: []])
            for token in entry.tokens { add(ordinal, to: &byToken[rank[token], default: []]) }
            add(ordinal, to: &byState[rank[entry.state ?? implicit], default: []])
            for label in entry.labels {
                let key = UInt64(rank[label.matchKey]) << 32 | UInt64(rank[label.matchValue])
                add(ordinal, to: &byLabel[key, default: []])
            }
        }
        var children: [UInt32: [UInt32]] = [:]
        for (ordinal, entry) in pending.enumerated() {
            for parent in entry.parents { add(ordinal, to: &children[rank[parent], default: []]) }
        }

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
        let capabilityKeys = dictionary(byCapability)
        let nameKeys = dictionary(byName)
        let tokenKeys = dictionary(byToken)
        let stateKeys = dictionary(byState)
        var labelKeys = ByteBuffer(capacity: byLabel.count * 16)
        for key in byLabel.keys.sorted() {
            let list = byLabel[key] ?? []
            labelKeys.u32(UInt32(key >> 32))
            labelKeys.u32(UInt32(key & 0xFFFF_FFFF))
            labelKeys.u32(UInt32(postings.count / 4))
            labelKeys.u32(UInt32(list.count))
            for ordinal in list { postings.u32(ordinal) }
        }
        let childrenKeys = dictionary(children)
        var absentStates = ByteBuffer(capacity: absent.count * 8)
        for (id, state) in absent.map({ (rank[$0.id], rank[$0.state]) }).sorted(by: { $0.0 < $1.0 }) {
            absentStates.u32(id)
            absentStates.u32(state)
        }
        var recencyBytes = ByteBuffer(capacity: recency.count * 4)
        for ordinal in recency { recencyBytes.u32(UInt32(ordinal)) }
        let (stringOffsets, stringBytes) = pool.encode()

        // 4. The file: header, section table, sections (each 8-aligned, zero-padded).
        var sections: [[UInt8]] = Array(repeating: [], count: Layout.Section.allCases.count)
        sections[Layout.Section.auditTime.rawValue] = Array((contents.stamp.auditTime ?? "").utf8)
        sections[Layout.Section.stringOffsets.rawValue] = stringOffsets.bytes
        sections[Layout.Section.stringBytes.rawValue] = stringBytes
        sections[Layout.Section.records.rawValue] = records.bytes
        sections[Layout.Section.lists.rawValue] = lists.bytes
        sections[Layout.Section.metrics.rawValue] = metrics.bytes
        sections[Layout.Section.recency.rawValue] = recencyBytes.bytes
        sections[Layout.Section.postings.rawValue] = postings.bytes
        sections[Layout.Section.capabilityKeys.rawValue] = capabilityKeys.bytes
        sections[Layout.Section.nameKeys.rawValue] = nameKeys.bytes
        sections[Layout.Section.tokenKeys.rawValue] = tokenKeys.bytes
        sections[Layout.Section.stateKeys.rawValue] = stateKeys.bytes
        sections[Layout.Section.labelKeys.rawValue] = labelKeys.bytes
        sections[Layout.Section.childrenKeys.rawValue] = childrenKeys.bytes
        sections[Layout.Section.absentStates.rawValue] = absentStates.bytes

        var table = ByteBuffer(capacity: sections.count * 16)
        var offset = Layout.dataStart
        for section in sections {
            table.u64(UInt64(offset))
            table.u64(UInt64(section.count))
            offset += (section.count + 7) & ~7
        }
        var body = table.bytes
        body.reserveCapacity(offset - Layout.headerSize)
        for section in sections {
            body.append(contentsOf: section)
            body.append(contentsOf: repeatElement(0, count: ((section.count + 7) & ~7) - section.count))
        }
        var header = ByteBuffer(capacity: Layout.headerSize)
        header.append(Layout.magic)
        header.u32(Layout.formatVersion)
        header.u32(UInt32(sections.count))
        header.u64(UInt64(contents.stamp.artifactCount))
        header.u64(UInt64(bitPattern: contents.stamp.auditSequence))
        header.u64(UInt64(offset))
        let reserved = [UInt8](repeating: 0, count: Layout.headerSize - Layout.Header.reservedStart)
        var hasher = SHA256Algorithm().makeState()
        hasher.update(header.bytes)
        hasher.update(reserved)
        hasher.update(body)
        var file = header.bytes
        file.reserveCapacity(Layout.headerSize + body.count)
        file.append(contentsOf: hasher.finalize().bytes)
        file.append(contentsOf: reserved)
        file.append(contentsOf: body)
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
}

/// Strings collected in any order, numbered provisionally, then sorted by UTF-8 bytes. Keys are byte arrays, not
/// `String`s: Swift compares strings by canonical equivalence, but the pool must keep every spelling.
private struct StringPool {
    private var numbers: [[UInt8]: Int] = [:]
    private var strings: [[UInt8]] = []
    private var sorted: [Int] = []

    /// The provisional number of `text`, adding it when new.
    mutating func add(_ text: String) -> Int {
        let bytes = Array(text.utf8)
        if let number = numbers[bytes] { return number }
        numbers[bytes] = strings.count
        strings.append(bytes)
        return strings.count - 1
    }

    /// Sorts the pool; returns, for each provisional number, the string's index in the sorted pool.
    mutating func sortedRanks() -> [UInt32] {
        sorted = strings.indices.sorted { strings[$0].lexicographicallyPrecedes(strings[$1]) }
        numbers = [:]
        var rank = [UInt32](repeating: 0, count: strings.count)
        for (position, number) in sorted.enumerated() { rank[number] = UInt32(position) }
        return rank
    }

    /// The `stringOffsets` and `stringBytes` sections.
    func encode() -> (ByteBuffer, [UInt8]) {
        var offsets = ByteBuffer(capacity: (sorted.count + 1) * 4)
        var blob: [UInt8] = []
        blob.reserveCapacity(strings.reduce(0) { $0 + $1.count })
        offsets.u32(0)
        for number in sorted {
            blob.append(contentsOf: strings[number])
            offsets.u32(UInt32(blob.count))
        }
        return (offsets, blob)
    }
}
