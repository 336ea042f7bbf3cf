#if SQLite
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
                day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
            else { return nil }
            let days = daysFromCivil(year: year, month: month, day: day)
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
            let (year, month, day) = civilFromDays(days)
            func pad(_ value: Int64, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(rest / 3_600_000, 2) + ":"
                + pad(rest / 60_000 % 60, 2) + ":" + pad(rest / 1_000 % 60, 2) + "." + pad(rest % 1_000, 3) + "Z"
        }

        private static func daysIn(month: Int64, year: Int64) -> Int64 {
            switch month {
            case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
        private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }

        /// The date of a day number (Howard Hinnant's `civil_from_days`).
        private static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let shifted = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * shifted + 2) / 5 + 1
            let month = shifted < 10 ? shifted + 3 : shifted - 9
            return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
        }
    }
#endif
