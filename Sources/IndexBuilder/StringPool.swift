import RegistryCore

#if canImport(Darwin)
    import Darwin
#else
    import Glibc
#endif

/// Strings collected in any order, numbered provisionally, then sorted by UTF-8 bytes: the string pool of
/// `index.bin` (FORMAT.md §13.1) while ``BinaryIndexEncoder`` builds it.
///
/// Compact because a rebuild holds one entry per name, token and odd time of the whole registry: the bytes of all
/// strings live in one arena (with 32-bit starts: the file's string offsets are 32-bit too), and an
/// open-addressing table of provisional numbers finds a string again, instead of a dictionary keyed by one heap
/// array per string. `sha256` ids and canonical times are not strings of the pool (they are digests and
/// numbers, ``IndexDigests`` and ``CanonicalTime``). Strings are compared as bytes, not as `String`s: Swift
/// compares strings by canonical equivalence, but the pool must keep every spelling.
struct StringPool {
    /// The bytes of every string, in provisional order.
    private var arena: [UInt8] = []
    /// Where each string starts in `arena`; one more element than strings (the end of the last).
    private var starts: [UInt32] = [0]
    /// Open addressing: a provisional number + 1, or 0 for an empty slot. Its size is a power of two.
    private var slots: [UInt32] = Array(repeating: 0, count: 1024)
    /// Provisional numbers in sorted order, once ``sortedRanks()`` ran.
    private var sorted: [UInt32] = []

    /// The number of distinct strings.
    var count: Int { starts.count - 1 }

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

    /// Sorts the pool; returns, for each provisional number, the string's index in the sorted pool.
    mutating func sortedRanks() -> [UInt32] {
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
        var ranks = [UInt32](repeating: 0, count: count)
        for (position, number) in order.enumerated() { ranks[Int(number)] = UInt32(position) }
        return ranks
    }

    /// Frees the strings once their sections are written.
    mutating func releaseStrings() {
        arena = []
        starts = []
        sorted = []
    }

    /// Writes the `stringOffsets` and `stringBytes` sections, in sorted order.
    func write(into writer: inout IndexSectionWriter) throws {
        var offset: UInt32 = 0
        try writer.u32(0)
        for number in sorted {
            offset += starts[Int(number) + 1] - starts[Int(number)]
            try writer.u32(offset)
        }
        try writer.endSection()
        try arena.withUnsafeBytes { arena in
            for number in sorted {
                try writer.bytes(
                    UnsafeRawBufferPointer(rebasing: arena[Int(starts[Int(number)])..<Int(starts[Int(number) + 1])]))
            }
        }
        try writer.endSection()
    }
}
