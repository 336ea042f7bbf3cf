import RegistryCore

/// What ``FileIndexBackend`` answers from: a base index read in place (``MappedIndex``) plus the incremental
/// changes applied on top of it — the lines of `updates.jsonl` and any in-memory catch-up — kept small, in
/// memory, and consulted alongside the base by every query.
///
/// Base records that a change touched are *shadowed*: queries skip them in the base and look at their changed
/// summary in ``changed`` instead. Changes follow the rules of ``RegistryIndex/Changes``, exactly as a full
/// rebuild would reach them.
struct IndexView {
    let base: MappedIndex
    private(set) var stamp: RegistryIndex.Stamp
    /// Summaries of present artifacts that changes touched or brought (state included).
    private var changed: [ArtifactID: ArtifactSummary] = [:]
    /// Artifacts a removal took out (of the base or of ``changed``).
    private var removed: Set<ArtifactID> = []
    /// The sequence of the last removal of each artifact: a registration no later than it is not applied again.
    private var removedAt: [ArtifactID: Int64] = [:]
    /// States set by changes (for any id, present or not), with their event's sequence.
    private var states: [ArtifactID: (state: String, sequence: Int64)] = [:]
    /// Base ordinals that queries must skip in the base.
    private var shadowed: Set<Int> = []
    /// Children brought by new registrations, by parent.
    private var newChildren: [ArtifactID: [ArtifactID]] = [:]

    init(base: MappedIndex) {
        self.base = base
        stamp = base.stamp
    }

    /// How many changed summaries the view holds on top of the base: what every query also scans.
    var overlaySize: Int { changed.count + removed.count }

    // MARK: Facts

    /// The current summary of an artifact, or nil when the index does not hold it.
    func summary(of id: ArtifactID) throws -> ArtifactSummary? {
        if let summary = changed[id] { return summary }
        if removed.contains(id) { return nil }
        return try base.ordinal(of: id).map { try base.summary($0) }
    }

    /// The latest state known for an id: set by a change, or recorded in the base.
    private func state(of id: ArtifactID) throws -> (state: String, sequence: Int64)? {
        if let held = states[id] { return held }
        if let ordinal = try base.ordinal(of: id) { return try base.stateName(ordinal).map { ($0, 0) } }
        return try base.absentState(of: id).map { ($0, 0) }
    }

    private mutating func shadow(_ id: ArtifactID) throws {
        if let ordinal = try base.ordinal(of: id) { shadowed.insert(ordinal) }
    }

    /// Applies an incremental update, idempotently (see ``RegistryIndex/Changes``).
    ///
    /// - Throws: ``RegistryError`` when the base is damaged where the changes touch it.
    mutating func apply(_ changes: RegistryIndex.Changes) throws {
        for removal in changes.removed {
            guard let current = try summary(of: removal.artifact),
                (current.registrationSequence ?? 0) < removal.sequence
            else { continue }
            try shadow(removal.artifact)
            changed[removal.artifact] = nil
            removed.insert(removal.artifact)
            removedAt[removal.artifact] = removal.sequence
            stamp.artifactCount = max(0, stamp.artifactCount - 1)
        }
        for registration in changes.registered {
            guard let sequence = registration.registrationSequence else { continue }
            if let removal = removedAt[registration.id], removal >= sequence { continue }
            if var existing = try summary(of: registration.id) {
                if let held = existing.registrationSequence, held <= sequence { continue }
                existing.registeredAt = registration.registeredAt
                existing.registrationSequence = sequence
                try shadow(registration.id)
                changed[registration.id] = existing
            } else {
                var entry = registration
                entry.stateName = try state(of: entry.id)?.state
                try shadow(entry.id)
                removed.remove(entry.id)
                changed[entry.id] = entry
                for parent in entry.parents { newChildren[parent, default: []].append(entry.id) }
                stamp.artifactCount += 1
            }
        }
        for change in changes.stateChanges {
            if let held = try state(of: change.artifact), held.sequence >= change.sequence { continue }
            states[change.artifact] = (change.state, change.sequence)
            guard var current = try summary(of: change.artifact) else { continue }
            current.stateName = change.state
            try shadow(change.artifact)
            changed[change.artifact] = current
        }
        for change in changes.evaluations {
            guard var current = try summary(of: change.artifact) else { continue }
            current.merge(evaluationMetrics: change.metrics, sequence: change.sequence)
            try shadow(change.artifact)
            changed[change.artifact] = current
        }
        if changes.through.sequence > stamp.auditSequence {
            stamp.auditSequence = changes.through.sequence
            stamp.auditTime = changes.through.time
        }
    }

    /// Everything the view holds.
    ///
    /// - Complexity: O(*n*) in the base plus O(*c* log *c*) in the changed summaries; reads the whole base.
    func contents() throws -> RegistryIndex.Contents {
        var summaries: [ArtifactSummary] = []
        summaries.reserveCapacity(base.recordCount + changed.count)
        let states = try forEachSummary { summaries.append($0) }
        return RegistryIndex.Contents(sortedStamp: stamp, summaries: summaries, states: states)
    }

    /// Everything the view holds, handed to `body` one summary at a time in id order
    /// (bytes ascending): a compaction at a million artifacts re-encodes the index without holding every summary.
    ///
    /// - Returns: the latest state of every artifact the view knows.
    /// - Complexity: O(*n*) in the base plus O(*c* log *c*) in the changed summaries; memory for those and the
    ///   states.
    func forEachSummary(_ body: (ArtifactSummary) throws -> Void) throws -> [ArtifactID: String] {
        var allStates = try base.absentStates()
        // Changed summaries (new registrations and shadowed base records) merge into the base's id order.
        let added = changed.values.map { (key: $0.id.description, summary: $0) }.sorted { bytesPrecede($0.key, $1.key) }
        var next = 0
        func emit(_ summary: ArtifactSummary) throws {
            if let state = summary.stateName { allStates[summary.id] = state }
            try body(summary)
        }
        for ordinal in 0..<base.recordCount {
            let summary = try base.summary(ordinal)
            if let state = summary.stateName { allStates[summary.id] = state }
            guard !shadowed.contains(ordinal) else { continue }
            let key = summary.id.description
            while next < added.count, bytesPrecede(added[next].key, key) {
                try emit(added[next].summary)
                next += 1
            }
            try body(summary)
        }
        while next < added.count {
            try emit(added[next].summary)
            next += 1
        }
        for (id, held) in states { allStates[id] = held.state }
        return allStates
    }

    // MARK: Lineage

    /// The transitive lineage of an artifact, nearest first and each generation sorted by id; nil when the
    /// view does not hold the artifact.
    func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactSummary]? {
        guard try summary(of: id) != nil else { return nil }
        return try lineageIDs(of: id, direction: direction).compactMap { try summary(of: $0) }
    }

    /// Breadth-first walk of the lineage graph, through ids the view does not hold.
    private func lineageIDs(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactID] {
        var visited: Set<ArtifactID> = [id]
        var frontier = [id]
        var result: [ArtifactID] = []
        while !frontier.isEmpty {
            var next: [ArtifactID] = []
            for node in frontier {
                var neighbours: [ArtifactID] = []
                switch direction {
                case .ancestors:
                    neighbours = try summary(of: node)?.parents ?? []
                case .descendants:
                    // A removed child's edge goes with it, as in a rebuild (only indexed artifacts name parents).
                    neighbours = try base.children(of: node).map { try base.id($0) }
                        .filter { !removed.contains($0) }
                    neighbours += (newChildren[node] ?? []).filter { !removed.contains($0) }
                }
                for neighbour in neighbours where visited.insert(neighbour).inserted { next.append(neighbour) }
            }
            next.sort { bytesPrecede($0.description, $1.description) }
            result.append(contentsOf: next)
            frontier = next
        }
        return result
    }

    // MARK: Queries

    /// The summaries that match `query`, most recent first (see ``IndexQuery``).
    ///
    /// Every condition selects a posting list of the base; the shortest drives and the others are checked by a
    /// counter array (when not much longer) or binary search. Shadowed base records are skipped, and the changed
    /// summaries are checked directly and merged in.
    ///
    /// - Complexity: O(*d* + *c*) for a driver of length *d* and counted lists of total length *c*, plus
    ///   O(*d* log *s*) for searched lists of length *s* and O(*o*) for *o* changed summaries.
    func summaries(matching query: IndexQuery, after cursor: IndexQuery.Cursor? = nil) throws -> [ArtifactSummary] {
        let limit = query.limit ?? Int.max
        guard limit > 0 else { return [] }
        var lineageSets: [Set<ArtifactID>] = []
        if let ancestor = query.ancestorsOf {
            lineageSets.append(Set(try lineageIDs(of: ancestor, direction: .ancestors)))
        }
        if let descendant = query.descendantsOf {
            lineageSets.append(Set(try lineageIDs(of: descendant, direction: .descendants)))
        }
        var overlay = changed.values.filter { summary in
            query.matchesIgnoringLineage(summary) && lineageSets.allSatisfy { $0.contains(summary.id) }
                && cursor?.precedes(summary) ?? true
        }
        overlay.sort(by: Self.isMoreRecent)
        let fromBase = try baseOrdinals(
            matching: query, lineageSets: lineageSets, below: try cursor.map(baseKey(of:)), limit: limit)
        var results: [ArtifactSummary] = []
        results.reserveCapacity(min(limit, fromBase.count + overlay.count))
        var nextOverlay = 0
        var nextBase = 0
        var baseSummary: ArtifactSummary?
        while results.count < limit {
            if baseSummary == nil, nextBase < fromBase.count {
                baseSummary = try base.summary(fromBase[nextBase])
                nextBase += 1
            }
            switch (baseSummary, nextOverlay < overlay.count ? overlay[nextOverlay] : nil) {
            case (let fromFile?, let fromChanges?):
                if Self.isMoreRecent(fromChanges, fromFile) {
                    results.append(fromChanges)
                    nextOverlay += 1
                } else {
                    results.append(fromFile)
                    baseSummary = nil
                }
            case (let fromFile?, nil):
                results.append(fromFile)
                baseSummary = nil
            case (nil, let fromChanges?):
                results.append(fromChanges)
                nextOverlay += 1
            case (nil, nil):
                return results
            }
        }
        return results
    }

    /// The result order: registered artifacts by registration sequence, highest first, then the others by id.
    static func isMoreRecent(_ lhs: ArtifactSummary, _ rhs: ArtifactSummary) -> Bool {
        switch (lhs.registrationSequence, rhs.registrationSequence) {
        case (let left?, let right?): left > right
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): bytesPrecede(lhs.id.description, rhs.id.description)
        }
    }

    /// The recency key a cursor stands for in the base: the results after it are the keys below it.
    private func baseKey(of cursor: IndexQuery.Cursor) throws -> Int64 {
        switch cursor {
        case .registration(let sequence):
            return sequence
        case .unregistered(let id):
            // Unregistered records have key -ordinal-1; those after the cursor are the ones whose id sorts after it.
            let wanted = Array(id.description.utf8)
            var low = 0
            var high = base.recordCount
            while low < high {
                let middle = (low + high) / 2
                if wanted.lexicographicallyPrecedes(try base.id(middle).description.utf8) {
                    high = middle
                } else {
                    low = middle + 1
                }
            }
            return -Int64(low)
        }
    }

    /// The base ordinals that match, most recent first, at most `limit`, skipping shadowed records and, with a
    /// cursor, records whose key is not below `cursorKey`.
    private func baseOrdinals(
        matching query: IndexQuery, lineageSets: [Set<ArtifactID>], below cursorKey: Int64?, limit: Int
    ) throws -> [Int] {
        enum List {
            case stored(MappedIndex.Postings)
            case built([Int])

            var count: Int {
                switch self {
                case .stored(let postings): postings.count
                case .built(let ordinals): ordinals.count
                }
            }
        }
        var lists: [List] = []
        for capability in query.capabilities.sorted() {
            guard let list = try base.postings(.capabilityKeys, text: BinaryIndexLayout.matchKey(capability)) else {
                return []
            }
            lists.append(.stored(list))
        }
        if let state = query.state {
            guard let list = try base.postings(.stateKeys, text: state.rawValue) else { return [] }
            lists.append(.stored(list))
        }
        if let name = query.name {
            guard let list = try base.postings(.nameKeys, text: BinaryIndexLayout.matchKey(name)) else { return [] }
            lists.append(.stored(list))
        }
        for (key, value) in query.labels {
            guard let list = try base.labelPostings(key: key, value: value) else { return [] }
            lists.append(.stored(list))
        }
        if let text = query.text {
            for token in Set(SearchTokens.tokens(of: text)).sorted() {
                lists.append(.built(try base.tokenPostings(prefix: token)))
            }
        }
        for set in lineageSets {
            lists.append(.built(try base.sortedByKey(try set.compactMap { try base.ordinal(of: $0) })))
        }
        if lists.contains(where: { $0.count == 0 }) { return [] }

        func element(_ list: List, _ index: Int) throws -> Int {
            switch list {
            case .stored(let postings): try base.ordinal(in: postings, at: index)
            case .built(let ordinals): ordinals[index]
            }
        }
        let driverIndex = lists.indices.min { lists[$0].count < lists[$1].count }
        let driver = driverIndex.map { lists[$0] } ?? .stored(base.recency)
        var counted = 0
        var searched: [List] = []
        var hits: [UInt8] = []
        for (index, list) in lists.enumerated() where index != driverIndex {
            if driver.count * 16 < list.count {
                searched.append(list)
                continue
            }
            if hits.isEmpty { hits = [UInt8](repeating: 0, count: base.recordCount) }
            for position in 0..<list.count { hits[try element(list, position)] &+= 1 }
            counted += 1
        }
        func contains(_ ordinal: Int, in list: List) throws -> Bool {
            let key = try base.key(ordinal)
            var low = 0
            var high = list.count
            while low < high {
                let middle = (low + high) / 2
                if try base.key(try element(list, middle)) < key { low = middle + 1 } else { high = middle }
            }
            return try low < list.count && element(list, low) == ordinal
        }
        var results: [Int] = []
        var position = driver.count - 1
        if let cursorKey {
            var low = 0
            var high = driver.count
            while low < high {
                let middle = (low + high) / 2
                if try base.key(try element(driver, middle)) < cursorKey { low = middle + 1 } else { high = middle }
            }
            position = low - 1
        }
        while position >= 0, results.count < limit {
            let ordinal = try element(driver, position)
            position -= 1
            if counted > 0, Int(hits[ordinal]) != counted { continue }
            if shadowed.contains(ordinal) { continue }
            if try !searched.allSatisfy({ try contains(ordinal, in: $0) }) { continue }
            results.append(ordinal)
        }
        return results
    }
}
