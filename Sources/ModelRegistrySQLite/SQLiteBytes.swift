#if SQLite
    /// The byte-level encoding of the SQLite index's blobs (docs/FORMAT.md §16.2): unsigned LEB128 varints,
    /// zig-zag for signed numbers, and length-prefixed byte strings.
    enum SQLiteBytes {
        /// Appends `value` as an unsigned LEB128 varint: seven bits a byte, low bits first, the high bit set on
        /// every byte but the last.
        static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
            var rest = value
            while rest >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
                rest >>= 7
            }
            bytes.append(UInt8(rest))
        }

        /// Appends a signed number zig-zag encoded (0, -1, 1, -2 … as 0, 1, 2, 3 …), so small magnitudes of
        /// either sign take one byte.
        static func appendSigned(_ value: Int64, to bytes: inout [UInt8]) {
            appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &bytes)
        }

        /// Appends a text as its UTF-8 byte count (a varint) and its bytes.
        static func appendText(_ text: String, to bytes: inout [UInt8]) {
            appendVarint(UInt64(text.utf8.count), to: &bytes)
            bytes.append(contentsOf: text.utf8)
        }

        /// Appends the eight bytes of a `Double`'s IEEE 754 bit pattern, little-endian: every value (`-0.0` and
        /// NaN payloads included) comes back exactly.
        static func appendDouble(_ value: Double, to bytes: inout [UInt8]) {
            var pattern = value.bitPattern
            for _ in 0..<8 {
                bytes.append(UInt8(truncatingIfNeeded: pattern))
                pattern >>= 8
            }
        }

        /// Reads what the `append` functions wrote, refusing anything that runs past the end or is not
        /// well formed with `nil` (the caller turns it into a typed error naming what it was reading).
        struct Reader {
            let bytes: [UInt8]
            private(set) var offset = 0

            init(_ bytes: [UInt8]) { self.bytes = bytes }

            var isAtEnd: Bool { offset == bytes.count }

            mutating func byte() -> UInt8? {
                guard offset < bytes.count else { return nil }
                defer { offset += 1 }
                return bytes[offset]
            }

            /// A varint of at most ten bytes whose value fits 64 bits.
            mutating func varint() -> UInt64? {
                var value: UInt64 = 0
                var shift: UInt64 = 0
                while let byte = byte() {
                    let bits = UInt64(byte & 0x7F)
                    if shift == 63 && bits > 1 { return nil }
                    value |= bits << shift
                    if byte < 0x80 { return value }
                    shift += 7
                    if shift > 63 { return nil }
                }
                return nil
            }

            mutating func signed() -> Int64? {
                guard let raw = varint() else { return nil }
                return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
            }

            /// A count of items each taking at least one byte: never more than the bytes left, so a hostile count
            /// cannot make a reader reserve memory.
            mutating func count() -> Int? {
                guard let value = varint(), value <= UInt64(bytes.count - offset) else { return nil }
                return Int(value)
            }

            mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
                guard count >= 0, count <= bytes.count - offset else { return nil }
                defer { offset += count }
                return bytes[offset..<(offset + count)]
            }

            /// A length-prefixed text that is valid UTF-8.
            mutating func text() -> String? {
                guard let length = count(), let slice = take(length) else { return nil }
                return String(validating: slice, as: UTF8.self)
            }

            mutating func double() -> Double? {
                guard let slice = take(8) else { return nil }
                var pattern: UInt64 = 0
                for (shift, byte) in zip(stride(from: 0, to: 64, by: 8), slice) {
                    pattern |= UInt64(byte) << UInt64(shift)
                }
                return Double(bitPattern: pattern)
            }
        }
    }
#endif
