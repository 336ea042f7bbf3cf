/// The log's canonical time form, `YYYY-MM-DDTHH:MM:SS.sssZ`, as the number its 17 digits spell: how the index
/// stores a time in 8 bytes instead of a 24-byte string (FORMAT.md §13.1), and how a rebuild holds the
/// registration times of the whole log. Any other text is not packed, so every time round-trips exactly.
enum CanonicalTime {
    /// Where a canonical time has its separators, and which.
    private static let separators: [(Int, UInt8)] = [
        (4, 0x2D), (7, 0x2D), (10, 0x54), (13, 0x3A), (16, 0x3A), (19, 0x2E), (23, 0x5A),
    ]
    /// The byte length of a canonical time.
    static let length = 24
    /// One more than the largest packed value: 17 decimal digits.
    static let limit: UInt64 = 100_000_000_000_000_000

    /// The 17 digits of a canonical time as one decimal number (below ``limit``); nil for any other text.
    static func pack(_ time: String) -> UInt64? {
        var time = time
        return time.withUTF8 { bytes -> UInt64? in
            guard bytes.count == length else { return nil }
            var digits: UInt64 = 0
            var next = 0
            for (index, byte) in bytes.enumerated() {
                if next < separators.count && separators[next].0 == index {
                    guard byte == separators[next].1 else { return nil }
                    next += 1
                } else {
                    guard byte >= 0x30 && byte <= 0x39 else { return nil }
                    digits = digits * 10 + UInt64(byte - 0x30)
                }
            }
            return digits
        }
    }

    /// The text ``pack(_:)`` packed; nil when `packed` is not below ``limit``.
    static func unpack(_ packed: UInt64) -> String? {
        guard packed < limit else { return nil }
        var digits = packed
        var bytes = [UInt8](repeating: 0, count: length)
        for (index, separator) in separators { bytes[index] = separator }
        for index in (0..<length).reversed() where bytes[index] == 0 {
            bytes[index] = 0x30 + UInt8(digits % 10)
            digits /= 10
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
