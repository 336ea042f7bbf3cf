import RegistryCore

#if canImport(Darwin)
    import Darwin
#else
    import Glibc
#endif

/// Strings collected in any order, numbered provisionally, then sorted by UTF-8 bytes: the string pool of
/// `index.bin` (FORMAT.md §13.1) while ``BinaryIndexEncoder`` builds it.
///
/// Compact because a rebuild holds one entry per id, name, token and time of the whole registry: the bytes of all
/// strings live in one arena (with 32-bit starts: the file's string offsets are 32-bit too), and an
/// open-addressing table of provisional numbers finds a string again, instead of a dictionary keyed by one heap
/// array per string. The ids of the summaries, which arrive in ascending order and are most of the bytes, are
/// kept apart as 32-byte digests (``addSummaryID(_:)``, numbers with the high bit set) and merged into the sorted
/// order at the end; a string that is both (a parent that is also a summary) is one entry of the pool. Strings
/// are compared as bytes, not as `String`s: Swift compares strings by canonical equivalence, but the pool must
/// keep every spelling.
struct StringPool {
    /// The high bit of a number that is an index into ``ids``.
    static let idTag: UInt32 = 1 << 31

    /// The bytes of every string, in provisional order.
    private var arena: [UInt8] = []
    /// Where each string starts in `arena`; one more element than strings (the end of the last).
    private var starts: [UInt32] = [0]
    /// Open addressing: a provisional number + 1, or 0 for an empty slot. Its size is a power of two.
    private var slots: [UInt32] = Array(repeating: 0, count: 1024)
    /// Provisional numbers in sorted order, once ``sortedRanks()`` ran.
    private var sorted: [UInt32] = []
    /// The summaries' `sha256` ids, ascending.
    private(set) var ids: [SHA256Key] = []

    private var count: Int { starts.count - 1 }

    private func bytes(_ number: Int) -> ArraySlice<UInt8> {
        arena[Int(starts[number])..<Int(starts[number + 1])]
    }

    private static func hash(_ bytes: some Sequence<UInt8>) -> Int {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: value ^ (value >> 29))
    }

    /// The provisional number of `text`, adding it when new.
    mutating func add(_ text: String) -> UInt32 {
        var text = text
        return text.withUTF8 { add(utf8: $0) }
    }

    /// The number of a summary's id: kept apart when it is a `sha256` id greater than the previous one (as a
    /// rebuild hands them over), otherwise as any string.
    mutating func addSummaryID(_ id: ArtifactID) -> UInt32 {
        if let key = SHA256Key(id), ids.last.map({ $0 < key }) ?? true, UInt32(ids.count) < Self.idTag {
            ids.append(key)
            return Self.idTag | UInt32(ids.count - 1)
        }
        return add(id.description)
    }

    /// The index in ``ids`` of a summary id kept apart, or nil.
    func summaryIDIndex(of id: ArtifactID) -> Int? {
        SHA256Key(id).flatMap(summaryIDIndex(of:))
    }

    /// The index in ``ids`` of a summary id kept apart, or nil.
    func summaryIDIndex(of key: SHA256Key) -> Int? {
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == key ? low : nil
    }

    private mutating func add(utf8 text: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let mask = slots.count - 1
        var slot = Self.hash(text) & mask
        while slots[slot] != 0 {
            let number = Int(slots[slot]) - 1
            if bytes(number).elementsEqual(text) { return UInt32(number) }
            slot = (slot + 1) & mask
        }
        let number = count
        arena.append(contentsOf: text)
        starts.append(UInt32(arena.count))
        slots[slot] = UInt32(number + 1)
        if count * 4 > slots.count * 3 { grow() }
        return UInt32(number)
    }

    /// Doubles the table (kept at most three quarters full).
    private mutating func grow() {
        let size = slots.count * 2
        slots = []  // the old table is freed before the new one is made
        slots = Array(repeating: 0, count: size)
        let mask = slots.count - 1
        for number in 0..<count {
            var slot = Self.hash(bytes(number)) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(number + 1)
        }
    }

    /// The final index of every provisional number, once the pool is sorted.
    struct Ranks {
        fileprivate var strings: [UInt32]
        fileprivate var ids: [UInt32]
        /// The number of strings in the sorted pool.
        fileprivate(set) var count = 0

        subscript(number: UInt32) -> UInt32 {
            number & StringPool.idTag != 0 ? ids[Int(number & ~StringPool.idTag)] : strings[Int(number)]
        }
    }

    /// Sorts the pool; returns, for each provisional number, the string's index in the sorted pool.
    mutating func sortedRanks() -> Ranks {
        slots = []  // no more additions
        var order = Array(0..<UInt32(count))
        arena.withUnsafeBufferPointer { arena in
            starts.withUnsafeBufferPointer { starts in
                order.sort { left, right in
                    let a = arena[Int(starts[Int(left)])..<Int(starts[Int(left) + 1])]
                    let b = arena[Int(starts[Int(right)])..<Int(starts[Int(right) + 1])]
                    let common = min(a.count, b.count)
                    if common > 0, let first = arena.baseAddress {
                        let order = memcmp(first + a.startIndex, first + b.startIndex, common)
                        if order != 0 { return order < 0 }
                    }
                    return a.count < b.count
                }
            }
        }
        sorted = order
        var ranks = Ranks(
            strings: [UInt32](repeating: 0, count: count), ids: [UInt32](repeating: 0, count: ids.count))
        var position: UInt32 = 0
        forEachMerged { string, id, _ in
            if let string { ranks.strings[Int(string)] = position }
            if let id { ranks.ids[id] = position }
            position += 1
        }
        ranks.count = Int(position)
        return ranks
    }

    /// Walks the sorted strings and the ids kept apart in merged order, once per distinct string: the string's
    /// provisional number, the id's index, or both when they are the same string, and its bytes.
    private func forEachMerged(_ body: (UInt32?, Int?, UnsafeRawBufferPointer) throws -> Void) rethrows {
        var text = [UInt8](repeating: 0, count: 71)
        for (index, byte) in "sha256-".utf8.enumerated() { text[index] = byte }
        let hex = Array("0123456789abcdef".utf8)
        func spell(_ key: SHA256Key) {
            var at = 7
            for word in [key.words.0, key.words.1, key.words.2, key.words.3] {
                for shift in stride(from: 60, through: 0, by: -4) {
                    text[at] = hex[Int((word >> UInt64(shift)) & 0xF)]
                    at += 1
                }
            }
        }
        var next = 0  // the next id
        if !ids.isEmpty { spell(ids[0]) }
        try arena.withUnsafeBytes { arena in
            for number in sorted {
                let own = UnsafeRawBufferPointer(
                    rebasing: arena[Int(starts[Int(number)])..<Int(starts[Int(number) + 1])])
                var matched = false
                while next < ids.count {
                    let order = Self.compare(text, own)
                    if order > 0 { break }
                    if order == 0 {
                        try body(number, next, own)
                        matched = true
                    } else {
                        try text.withUnsafeBytes { try body(nil, next, $0) }
                    }
                    next += 1
                    if next < ids.count { spell(ids[next]) }
                    if matched { break }
                }
                if !matched { try body(number, nil, own) }
            }
        }
        while next < ids.count {
            try text.withUnsafeBytes { try body(nil, next, $0) }
            next += 1
            if next < ids.count { spell(ids[next]) }
        }
    }

    private static func compare(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Int {
        a.withUnsafeBytes { a in
            let common = min(a.count, b.count)
            if common > 0, let left = a.baseAddress, let right = b.baseAddress {
                let order = memcmp(left, right, common)
                if order != 0 { return Int(order) }
            }
            return a.count - b.count
        }
    }

    /// Frees the strings once their sections are written, keeping the ids (which parents are looked up in).
    mutating func releaseStrings() {
        arena = []
        starts = []
        sorted = []
    }

    /// Writes the `stringOffsets` and `stringBytes` sections, in sorted order.
    func write(into writer: inout IndexSectionWriter) throws {
        var offset: UInt32 = 0
        try writer.u32(0)
        try forEachMerged { _, _, bytes in
            offset += UInt32(bytes.count)
            try writer.u32(offset)
        }
        try writer.endSection()
        try forEachMerged { _, _, bytes in try writer.bytes(bytes) }
        try writer.endSection()
    }
}
