#if SQLite
    import RegistryCore

    /// A time of the log's canonical form, `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC, milliseconds), as milliseconds since
    /// 1970-01-01T00:00:00.000Z: six bytes as a varint instead of 24 as text (docs/FORMAT.md §16.2). Only a text
    /// that formats back to exactly itself is packed; any other text is stored as it is.
    enum SQLiteCanonicalTime {
        /// The milliseconds a canonical time stands for, or nil when `text` is not one (wrong shape, a field
        /// out of range, a day the month does not have).
        static func milliseconds(_ text: String) -> Int64? {
            let bytes = Array(text.utf8)
            guard bytes.count == 24, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A,
                bytes[16] == 0x3A, bytes[19] == 0x2E, bytes[23] == 0x5A
            else { return nil }
            func number(_ start: Int, _ count: Int) -> Int64? {
                var value: Int64 = 0
                for byte in bytes[start..<(start + count)] {
                    guard byte >= 0x30, byte <= 0x39 else { return nil }
                    value = value * 10 + Int64(byte - 0x30)
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                let millisecond = number(20, 3), (1...12).contains(month), day >= 1,
                day <= Timestamp.daysInMonth(year: year, month: month), hour < 24, minute < 60, second < 60
            else { return nil }
            let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
            return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1_000 + millisecond
        }

        /// The canonical text of `milliseconds`, or nil when it falls outside years 0000–9999.
        static func text(_ milliseconds: Int64) -> String? {
            let dayLength: Int64 = 86_400_000
            // Years 0000 through 9999.
            guard milliseconds >= -62_167_219_200_000, milliseconds < 253_402_300_800_000 else { return nil }
            var days = milliseconds / dayLength
            var rest = milliseconds % dayLength
            if rest < 0 {
                rest += dayLength
                days -= 1
            }
            let (year, month, day) = Timestamp.civil(fromDays: days)
            func pad(_ value: Int64, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(rest / 3_600_000, 2) + ":"
                + pad(rest / 60_000 % 60, 2) + ":" + pad(rest / 1_000 % 60, 2) + "." + pad(rest % 1_000, 3) + "Z"
        }
    }
#endif
