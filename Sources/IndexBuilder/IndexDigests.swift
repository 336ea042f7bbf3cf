import RegistryCore

/// The `sha256` ids `index.bin` refers to, as the 32-byte digests of its `digests` section (FORMAT.md §13.1),
/// while ``BinaryIndexEncoder`` builds it: the summaries' own ids (handed over in ascending order) and the
/// others the file names (parents without a summary, ids that only have a state), merged into one sorted
/// section at the end. A digest's position there, tagged with ``BinaryIndexLayout/digestTag``, is the id's
/// *reference* in records, lists and key tables.
struct IndexDigests {
    /// The summaries' `sha256` ids, ascending.
    private(set) var summaryIDs: [SHA256Key] = []
    /// The other ids, collected in any order until ``seal()``.
    private var collected: Set<SHA256Key> = []
    /// The other ids, ascending, once sealed.
    private var others: [SHA256Key] = []

    /// Adds the next summary's id; returns its index among the summaries' ids.
    ///
    /// - Throws: ``RegistryError/Code/invalidArgument`` when it does not sort after the previous one (summaries
    ///   must arrive in ascending id order, each once).
    mutating func addSummaryID(_ key: SHA256Key) throws -> Int {
        if let last = summaryIDs.last, !(last < key) {
            throw RegistryError(
                .invalidArgument,
                "index encoder: summary \(key.id) does not follow \(last.id) in ascending id order")
        }
        summaryIDs.append(key)
        return summaryIDs.count - 1
    }

    /// Whether `key` is one of the summaries' ids.
    func isSummaryID(_ key: SHA256Key) -> Bool {
        let index = Self.lowerBound(summaryIDs, key)
        return index < summaryIDs.count && summaryIDs[index] == key
    }

    /// Notes an id the file refers to that may not be a summary's.
    mutating func addReferenced(_ key: SHA256Key) {
        if !isSummaryID(key) { collected.insert(key) }
    }

    /// Sorts the other ids; no more may be added.
    mutating func seal() {
        others = collected.sorted()
        collected = []
    }

    /// The number of digests in the section.
    var count: Int { summaryIDs.count + others.count }

    /// The reference of an id the section holds: its position among all digests, tagged.
    func reference(of key: SHA256Key) -> UInt32 {
        BinaryIndexLayout.digestTag | UInt32(Self.lowerBound(summaryIDs, key) + Self.lowerBound(others, key))
    }

    /// The reference of summary id `index`.
    func reference(ofSummary index: Int) -> UInt32 {
        BinaryIndexLayout.digestTag | UInt32(index + Self.lowerBound(others, summaryIDs[index]))
    }

    /// Writes the `digests` section: every digest once, ascending.
    func write(into writer: inout IndexSectionWriter) throws {
        var next = 0
        for key in summaryIDs {
            while next < others.count && others[next] < key {
                try writer.bytes(others[next].bytes)
                next += 1
            }
            try writer.bytes(key.bytes)
        }
        for key in others[next...] { try writer.bytes(key.bytes) }
        try writer.endSection()
    }

    private static func lowerBound(_ keys: [SHA256Key], _ key: SHA256Key) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
