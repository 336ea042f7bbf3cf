import Foundation

/// Number formatting for the tables and progress lines.
enum Format {
    /// `0.532 s`, or `87.1 ms` below one second.
    static func duration(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.3f s", seconds)
    }

    /// Decimal megabytes (10^6 bytes) per second, as `openssl speed` and `dd` print them.
    static func megabytesPerSecond(bytes: Int64, seconds: Double) -> Double { Double(bytes) / seconds / 1e6 }

    static func fixed(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }

    /// `1.23×`.
    static func ratio(_ value: Double) -> String { String(format: "%.2f×", value) }

    /// `1 GiB`, `128 MiB`.
    static func size(_ bytes: Int64) -> String {
        bytes >= 1 << 30 && bytes % (1 << 30) == 0 ? "\(bytes >> 30) GiB" : "\(bytes >> 20) MiB"
    }

    /// `12.3 MiB`.
    static func mebibytes(kibibytes: Int) -> String { String(format: "%.1f MiB", Double(kibibytes) / 1024) }
}

/// Progress lines go to stderr so that stdout holds only the tables and JSON lines.
enum Progress {
    static func say(_ line: String) {
        FileHandle.standardError.write(Data(("  " + line + "\n").utf8))
    }
}
