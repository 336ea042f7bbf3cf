import RegistryCore

/// The two facts a rebuild takes from each artifact's registration event — its time and sequence — for every
/// artifact of the log, held compactly: the log is as long as the registry is large, and a dictionary keyed by
/// ids with a string per time was most of a rebuild's memory at a million artifacts.
///
/// Registrations and collections are recorded in log order; ``seal()`` then applies FORMAT.md §13.1's rule per
/// artifact (the first registration wins, or the first after its last collection) and keeps one sorted entry per
/// registered `sha256` artifact (48 bytes), its time packed into the entry when it has the log's canonical form
/// (`YYYY-MM-DDTHH:MM:SS.sssZ`: 17 digits) and otherwise kept in a byte arena. Ids of other algorithms, rare, go
/// to a dictionary. Sealed entries are kept in chunks that a scan asking in id order releases as it passes them
/// (``release(through:)``).
struct RegistrationFacts {
    private struct Entry {
        var key: SHA256Key
        var sequence: Int64
        /// `collection` for a collection; ``packedFlag`` and the 17 digits of a canonical time; otherwise the
        /// index of the time in `starts`.
        var time: UInt64
    }

    private static let collection = UInt64.max
    private static let packedFlag: UInt64 = 1 << 63

    private var entries: [Entry] = []
    /// The entries once sealed.
    private var sealed = ChunkedArray<Entry>([])
    /// The highest key released, if any: facts of keys up to it may be gone.
    private var releasedThrough: SHA256Key?
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var others: [ArtifactID: (time: String, sequence: Int64)] = [:]
    private var isSealed = false

    /// Records an `artifact_registered` event (in log order).
    mutating func register(_ id: ArtifactID, time: String, sequence: Int64) {
        guard let key = SHA256Key(id) else {
            if others[id] == nil { others[id] = (time, sequence) }
            return
        }
        if let packed = Self.pack(time) {
            entries.append(Entry(key: key, sequence: sequence, time: packed))
            return
        }
        arena.append(contentsOf: time.utf8)
        starts.append(arena.count)
        entries.append(Entry(key: key, sequence: sequence, time: UInt64(starts.count - 2)))
    }

    /// Records an `artifact_collected` event (in log order): a later registration publishes the artifact again.
    mutating func collect(_ id: ArtifactID, sequence: Int64) {
        guard let key = SHA256Key(id) else {
            others[id] = nil
            return
        }
        entries.append(Entry(key: key, sequence: sequence, time: Self.collection))
    }

    /// Sorts the entries and keeps, per artifact, the registration that counts.
    ///
    /// - Parameter chunkSize: entries per chunk released at once (tests choose small ones).
    mutating func seal(chunkSize: Int = ChunkedArray<SHA256Key>.defaultChunkSize) {
        entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.sequence < $1.sequence }
        var kept = 0
        var index = 0
        while index < entries.count {
            let key = entries[index].key
            var current: Entry?
            while index < entries.count && entries[index].key == key {
                if entries[index].time == Self.collection {
                    current = nil
                } else if current == nil {
                    current = entries[index]
                }
                index += 1
            }
            if let current {
                entries[kept] = current
                kept += 1
            }
        }
        entries.removeLast(entries.count - kept)
        sealed = ChunkedArray(entries, chunkSize: chunkSize)
        entries = []
        isSealed = true
    }

    /// The time and sequence of the registration that counts for `id`, once sealed; `id` must not be at or below
    /// a key released (``release(through:)``).
    func fact(of id: ArtifactID) -> (time: String, sequence: Int64)? {
        guard let key = SHA256Key(id) else { return others[id] }
        precondition(isSealed, "RegistrationFacts.fact(of:) after seal()")
        precondition(releasedThrough.map { $0 < key } ?? true, "RegistrationFacts.fact(of:) of a released id")
        let index = sealed.partitioningIndex { $0.key < key }
        guard index < sealed.count else { return nil }
        let entry = sealed[index]
        guard entry.key == key else { return nil }
        if entry.time & Self.packedFlag != 0 { return (Self.unpack(entry.time), entry.sequence) }
        let start = Int(entry.time)
        return (String(decoding: arena[starts[start]..<starts[start + 1]], as: UTF8.self), entry.sequence)
    }

    /// Lets the facts of ids up to `key` go, once sealed: a scan that asks in id order calls it after each batch.
    mutating func release(through key: SHA256Key) {
        let index = sealed.partitioningIndex { $0.key <= key }
        sealed.release(below: index)
        if releasedThrough.map({ $0 < key }) ?? true { releasedThrough = key }
    }

    /// The 17 digits of a canonical time (``CanonicalTime``), with ``packedFlag``; nil for any other text.
    private static func pack(_ time: String) -> UInt64? {
        CanonicalTime.pack(time).map { packedFlag | $0 }
    }

    /// The text ``pack(_:)`` packed.
    private static func unpack(_ packed: UInt64) -> String {
        CanonicalTime.unpack(packed & ~packedFlag) ?? ""
    }
}
