import RegistryCore

/// The in-memory form of an index: the facts (summaries and states) plus posting lists that answer each kind of
/// query without a scan.
///
/// Artifacts are numbered by ordinal (their position in ``entries``). Every posting list holds ordinals in
/// ascending *recency key* order, so that walking it backwards yields the most recent artifacts first: the key of
/// a registered artifact is its registration sequence number; artifacts without a registration get negative keys
/// in id order (−1 for the smallest id), so they come after all registered ones, by id.
struct IndexTables {
    private(set) var stamp: RegistryIndex.Stamp
    /// One summary per artifact, state included.
    private(set) var entries: [ArtifactSummary] = []
    private var ordinalOf: [ArtifactID: Int32] = [:]
    private var key: [Int64] = []
    /// Every ordinal, ascending by key.
    private var recency: [Int32] = []
    private var byCapability: [String: [Int32]] = [:]
    private var byToken: [String: [Int32]] = [:]
    /// Exact names, and exact labels keyed `key + "\0" + value` (neither may contain NUL).
    private var byName: [String: [Int32]] = [:]
    private var byLabel: [String: [Int32]] = [:]
    /// The keys of ``byToken`` in UTF-8 byte order, for prefix search: most of them in ``sortedTokens``, those
    /// added since in the small ``recentTokens`` (inserting into a sorted array of 100,000 strings costs a
    /// memmove per token), merged in when it grows.
    private var sortedTokens: [String] = []
    private var recentTokens: [String] = []
    /// Present artifacts by state.
    private var byState: [String: [Int32]] = [:]
    /// The latest state of every artifact that has one (present or not) and the sequence of its event; states
    /// read from a stored index have sequence 0, older than any event an update can bring.
    private var states: [ArtifactID: (state: String, sequence: Int64)] = [:]
    /// The children of every artifact named as a parent (present or not).
    private var children: [ArtifactID: [ArtifactID]] = [:]
    /// Ordinals of artifacts an `artifact_collected` event removed: out of every posting list and of
    /// ``ordinalOf``, and left out of ``contents``.
    private var removedOrdinals = Set<Int32>()
    /// The sequence of the last removal of each artifact removed since the tables were built: a registration
    /// no later than it is not applied again.
    private var removedAt: [ArtifactID: Int64] = [:]

    /// Builds the tables for `contents`.
    ///
    /// - Complexity: O(*p* + *n* log *n*) for *n* summaries and *p* postings.
    init(_ contents: RegistryIndex.Contents) {
        stamp = contents.stamp
        entries = contents.summaries
        ordinalOf.reserveCapacity(entries.count)
        key.reserveCapacity(entries.count)
        var unregistered: Int64 = 0
        for (index, entry) in entries.enumerated() {
            ordinalOf[entry.id] = Int32(index)
            if let sequence = entry.registrationSequence {
                key.append(sequence)
            } else {
                unregistered += 1
                key.append(-unregistered)
            }
        }
        for (id, state) in contents.states { states[id] = (state, 0) }
        recency = (0..<Int32(entries.count)).sorted { key[Int($0)] < key[Int($1)] }
        for ordinal in recency {
            let entry = entries[Int(ordinal)]
            for capability in entry.capabilities { byCapability[capability, default: []].append(ordinal) }
            for token in SearchTokens.tokens(of: entry) { byToken[token, default: []].append(ordinal) }
            byName[entry.name, default: []].append(ordinal)
            for (key, value) in entry.labels { byLabel[Self.labelKey(key, value), default: []].append(ordinal) }
            byState[Self.stateKey(entry.stateName), default: []].append(ordinal)
        }
        for entry in entries {
            for parent in entry.parents { children[parent, default: []].append(entry.id) }
        }
        sortedTokens = byToken.keys.sorted { bytesPrecede($0, $1) }
    }

    /// The facts the tables hold, as ``RegistryIndex/Contents``.
    ///
    /// - Complexity: O(*n* log *n*).
    var contents: RegistryIndex.Contents {
        RegistryIndex.Contents(
            stamp: stamp,
            summaries: removedOrdinals.isEmpty
                ? entries : entries.indices.filter { !removedOrdinals.contains(Int32($0)) }.map { entries[$0] },
            states: states.mapValues(\.state))
    }

    // MARK: Updates

    /// Applies an incremental update, idempotently (see ``RegistryIndex/Changes``).
    ///
    /// - Complexity: O(*c* · *p*) for *c* changes and posting lists of length *p* (insertion into sorted arrays).
    mutating func apply(_ changes: RegistryIndex.Changes) {
        for removal in changes.removed {
            guard let ordinal = ordinalOf[removal.artifact],
                (entries[Int(ordinal)].registrationSequence ?? 0) < removal.sequence
            else { continue }
            removePostings(ordinal)
            ordinalOf[removal.artifact] = nil
            removedOrdinals.insert(ordinal)
            removedAt[removal.artifact] = removal.sequence
            stamp.artifactCount = max(0, stamp.artifactCount - 1)
        }
        for summary in changes.registered {
            guard let sequence = summary.registrationSequence else { continue }
            if let removal = removedAt[summary.id], removal >= sequence { continue }
            if let ordinal = ordinalOf[summary.id] {
                let existing = entries[Int(ordinal)]
                if let held = existing.registrationSequence, held <= sequence { continue }
                removePostings(ordinal)
                entries[Int(ordinal)].registeredAt = summary.registeredAt
                entries[Int(ordinal)].registrationSequence = sequence
                key[Int(ordinal)] = sequence
                insertPostings(ordinal)
            } else {
                let ordinal = Int32(entries.count)
                var entry = summary
                entry.stateName = states[entry.id]?.state
                entries.append(entry)
                ordinalOf[entry.id] = ordinal
                key.append(sequence)
                insertPostings(ordinal)
                for parent in entry.parents { children[parent, default: []].append(entry.id) }
                stamp.artifactCount += 1
            }
        }
        for change in changes.stateChanges {
            if let held = states[change.artifact], held.sequence >= change.sequence { continue }
            states[change.artifact] = (change.state, change.sequence)
            guard let ordinal = ordinalOf[change.artifact] else { continue }
            let old = Self.stateKey(entries[Int(ordinal)].stateName)
            if var list = byState[old] {
                Self.remove(ordinal, keys: key, from: &list)
                byState[old] = list.isEmpty ? nil : list
            }
            entries[Int(ordinal)].stateName = change.state
            Self.insert(ordinal, keys: key, into: &byState[change.state, default: []])
        }
        for change in changes.evaluations {
            guard let ordinal = ordinalOf[change.artifact] else { continue }
            entries[Int(ordinal)].merge(evaluationMetrics: change.metrics, sequence: change.sequence)
        }
        if changes.through.sequence > stamp.auditSequence {
            stamp.auditSequence = changes.through.sequence
            stamp.auditTime = changes.through.time
        }
    }

    private mutating func insertPostings(_ ordinal: Int32) {
        let entry = entries[Int(ordinal)]
        Self.insert(ordinal, keys: key, into: &recency)
        for capability in entry.capabilities {
            Self.insert(ordinal, keys: key, into: &byCapability[capability, default: []])
        }
        for token in SearchTokens.tokens(of: entry) {
            if byToken[token] == nil {
                let position = recentTokens.partitioningIndex { !bytesPrecede($0, token) }
                recentTokens.insert(token, at: position)
                if recentTokens.count > 4096 {
                    sortedTokens = (sortedTokens + recentTokens).sorted(by: bytesPrecede)
                    recentTokens = []
                }
            }
            Self.insert(ordinal, keys: key, into: &byToken[token, default: []])
        }
        Self.insert(ordinal, keys: key, into: &byName[entry.name, default: []])
        for (label, value) in entry.labels {
            Self.insert(ordinal, keys: key, into: &byLabel[Self.labelKey(label, value), default: []])
        }
        Self.insert(ordinal, keys: key, into: &byState[Self.stateKey(entry.stateName), default: []])
    }

    /// The state an artifact is listed under in memory: one that never had a `state_changed` event is
    /// `registered`, so queries for `registered` find it (the files record only explicit states).
    static func stateKey(_ state: String?) -> String { state ?? "registered" }

    private mutating func removePostings(_ ordinal: Int32) {
        let entry = entries[Int(ordinal)]
        Self.remove(ordinal, keys: key, from: &recency)
        for capability in entry.capabilities {
            Self.remove(ordinal, keys: key, from: &byCapability[capability, default: []])
        }
        for token in SearchTokens.tokens(of: entry) {
            Self.remove(ordinal, keys: key, from: &byToken[token, default: []])
        }
        Self.remove(ordinal, keys: key, from: &byName[entry.name, default: []])
        for (label, value) in entry.labels {
            Self.remove(ordinal, keys: key, from: &byLabel[Self.labelKey(label, value), default: []])
        }
        Self.remove(ordinal, keys: key, from: &byState[Self.stateKey(entry.stateName), default: []])
    }

    private static func labelKey(_ key: String, _ value: String) -> String {
        key + "\u{0}" + value
    }

    /// Inserts into a list sorted by ascending key.
    ///
    /// Static, with the keys passed in, so that `Self.insert(o, keys: key, into: &byToken[t])` reads only `key`
    /// while it modifies `byToken`: a method on `self` would copy `self` first and make the list's dictionary
    /// storage shared, so that every insertion copied the whole dictionary.
    private static func insert(_ ordinal: Int32, keys key: [Int64], into list: inout [Int32]) {
        let ordinalKey = key[Int(ordinal)]
        if let last = list.last, key[Int(last)] < ordinalKey {
            list.append(ordinal)  // the common case: a new registration is the most recent
            return
        }
        let position = list.partitioningIndex { key[Int($0)] >= ordinalKey }
        list.insert(ordinal, at: position)
    }

    private static func remove(_ ordinal: Int32, keys key: [Int64], from list: inout [Int32]) {
        let ordinalKey = key[Int(ordinal)]
        let position = list.partitioningIndex { key[Int($0)] >= ordinalKey }
        if position < list.count, list[position] == ordinal { list.remove(at: position) }
    }

    // MARK: Queries

    /// The summary of one artifact.
    func summary(of id: ArtifactID) -> ArtifactSummary? {
        ordinalOf[id].map(summary(at:))
    }

    private func summary(at ordinal: Int32) -> ArtifactSummary {
        entries[Int(ordinal)]
    }

    /// Answers a combined query. Every condition selects a posting list; the shortest one drives, and the
    /// others are checked either through a counter array (when they are not much longer than the driver) or by
    /// binary search (when they are).
    ///
    /// - Complexity: O(*d* + *c*) for a driver of length *d* and counted lists of total length *c*, plus
    ///   O(*d* log *s*) for searched lists of length *s*; text prefixes that match several tokens add a sort of
    ///   their union.
    func summaries(matching query: IndexQuery) -> [ArtifactSummary] {
        let limit = query.limit ?? Int.max
        guard limit > 0 else { return [] }
        var lists: [[Int32]] = []
        for capability in query.capabilities.sorted() {
            guard let list = byCapability[capability] else { return [] }
            lists.append(list)
        }
        if let state = query.state {
            guard let list = byState[state.rawValue] else { return [] }
            lists.append(list)
        }
        if let name = query.name {
            guard let list = byName[name] else { return [] }
            lists.append(list)
        }
        for (key, value) in query.labels {
            guard let list = byLabel[Self.labelKey(key, value)] else { return [] }
            lists.append(list)
        }
        if let text = query.text {
            for token in Set(SearchTokens.tokens(of: text)).sorted() {
                let list = postings(forPrefix: token)
                if list.isEmpty { return [] }
                lists.append(list)
            }
        }
        if let ancestor = query.ancestorsOf {
            lists.append(sortedByKey(lineageIDs(of: ancestor, direction: .ancestors).compactMap { ordinalOf[$0] }))
        }
        if let descendant = query.descendantsOf {
            lists.append(sortedByKey(lineageIDs(of: descendant, direction: .descendants).compactMap { ordinalOf[$0] }))
        }
        if lists.contains(where: \.isEmpty) { return [] }

        let driverIndex = lists.indices.min { lists[$0].count < lists[$1].count }
        let driver = driverIndex.map { lists[$0] } ?? recency
        var counted = 0
        var searched: [[Int32]] = []
        var hits: [UInt8] = []
        for (index, list) in lists.enumerated() where index != driverIndex {
            if driver.count * 16 < list.count {
                searched.append(list)
                continue
            }
            if hits.isEmpty { hits = [UInt8](repeating: 0, count: entries.count) }
            for ordinal in list { hits[Int(ordinal)] &+= 1 }
            counted += 1
        }
        var results: [ArtifactSummary] = []
        for ordinal in driver.reversed() {
            if counted > 0, Int(hits[Int(ordinal)]) != counted { continue }
            if !searched.allSatisfy({ contains(ordinal, in: $0) }) { continue }
            results.append(entries[Int(ordinal)])
            if results.count >= limit { break }
        }
        return results
    }

    /// Whether a list sorted by ascending key holds `ordinal` (binary search).
    private func contains(_ ordinal: Int32, in list: [Int32]) -> Bool {
        let ordinalKey = key[Int(ordinal)]
        let position = list.partitioningIndex { key[Int($0)] >= ordinalKey }
        return position < list.count && list[position] == ordinal
    }

    /// The ordinals of artifacts with a token that starts with `prefix`, ascending by key.
    private func postings(forPrefix prefix: String) -> [Int32] {
        var matches: [String] = []
        for tokens in [sortedTokens, recentTokens] {
            var index = tokens.partitioningIndex { !bytesPrecede($0, prefix) }
            while index < tokens.count, tokens[index].utf8.starts(with: prefix.utf8) {
                matches.append(tokens[index])
                index += 1
            }
        }
        if matches.isEmpty { return [] }
        if matches.count == 1 { return byToken[matches[0]] ?? [] }
        var union = Set<Int32>()
        for token in matches { union.formUnion(byToken[token] ?? []) }
        return sortedByKey(Array(union))
    }

    private func sortedByKey(_ ordinals: [Int32]) -> [Int32] {
        ordinals.sorted { key[Int($0)] < key[Int($1)] }
    }

    /// The transitive lineage of an artifact, nearest first and each generation sorted by id, or nil when the
    /// tables do not hold the artifact.
    func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) -> [ArtifactSummary]? {
        guard ordinalOf[id] != nil else { return nil }
        return lineageIDs(of: id, direction: direction).compactMap { ordinalOf[$0].map(summary(at:)) }
    }

    /// Breadth-first walk of the lineage graph, including ids the tables do not hold.
    private func lineageIDs(of id: ArtifactID, direction: RegistryIndex.LineageDirection) -> [ArtifactID] {
        var visited: Set<ArtifactID> = [id]
        var frontier = [id]
        var result: [ArtifactID] = []
        while !frontier.isEmpty {
            var next: [ArtifactID] = []
            for node in frontier {
                let neighbours: [ArtifactID]
                switch direction {
                case .ancestors: neighbours = ordinalOf[node].map { entries[Int($0)].parents } ?? []
                case .descendants: neighbours = children[node] ?? []
                }
                for neighbour in neighbours where visited.insert(neighbour).inserted { next.append(neighbour) }
            }
            next.sort { bytesPrecede($0.description, $1.description) }
            result.append(contentsOf: next)
            frontier = next
        }
        return result
    }
}

extension RandomAccessCollection {
    /// The first index whose element satisfies `belongsInSecondPartition`, for a collection already partitioned
    /// by it (binary search).
    func partitioningIndex(where belongsInSecondPartition: (Element) throws -> Bool) rethrows -> Index {
        var low = startIndex
        var count = distance(from: startIndex, to: endIndex)
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if try belongsInSecondPartition(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
