import Foundation

/// Parsing of the sizes and durations the space commands take (`gc --max-size 10G`, `gc --grace 7d`).
enum SpaceArguments {
    /// Bytes from `512`, `512B`, `10K`, `512M`, `10G`, `2T` (powers of 1024; `KiB`, `MiB`, `GiB`, `TiB` too).
    ///
    /// - Throws: ``UsageError`` naming `option` for anything else, a negative value, or one beyond 2^63 − 1.
    static func size(_ text: String, option: String) throws -> Int64 {
        let units: [(String, Int64)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40), ("B", 1),
        ]
        var number = Substring(text)
        var multiplier: Int64 = 1
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            multiplier = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(number) else {
            throw UsageError(
                "'\(text)' is not a size: \(option) takes a whole number of bytes with an optional unit "
                    + "B, K, M, G or T (powers of 1024), for example 512M or 10G")
        }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw UsageError("'\(text)' is too large a size for \(option)") }
        return bytes
    }

    /// A duration from `0`, `45s`, `30m`, `12h`, `7d` or `2w`.
    ///
    /// - Throws: ``UsageError`` naming `option` for anything else, or a value beyond 100 years.
    static func duration(_ text: String, option: String) throws -> Duration {
        let units: [(Character, Int64)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        var number = Substring(text)
        var multiplier: Int64 = 1
        if let last = text.last, let unit = units.first(where: { $0.0 == last }) {
            number = text.dropLast()
            multiplier = unit.1
        } else if text != "0" {
            number = ""  // only 0 may go without a unit
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(number) else {
            throw UsageError(
                "'\(text)' is not a duration: \(option) takes a whole number with a unit s, m, h, d or w "
                    + "(for example 7d or 12h), or 0")
        }
        let (seconds, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow, seconds <= 100 * 365 * 86_400 else {
            throw UsageError("'\(text)' is too long a duration for \(option) (at most 100 years)")
        }
        return .seconds(seconds)
    }
}
