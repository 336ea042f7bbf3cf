import Foundation
import ModelRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Facts about the build and the machine, printed above the tables.
enum Environment {
    #if DEBUG
        static let build = "debug"
    #else
        static let build = "release"
    #endif

    static let debugBanner = """
        ************************************************************
        *  DEBUG BUILD — numbers are meaningless.                  *
        *  swift run -c release --package-path Benchmarks registry-bench
        ************************************************************
        """

    /// `Thu Jan  1 00:00:00 UTC 2026`-like, in UTC.
    static var date: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return formatter.string(from: Date())
    }

    static var kernel: String {
        var name = utsname()
        guard uname(&name) == 0 else { return "?" }
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(text(name.sysname)) \(text(name.release)) \(text(name.machine))"
    }

    static var cpuModel: String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "?" }
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "?"
        }
        return "?"
    }

    /// The 1, 5 and 15 minute load averages from `/proc/loadavg`: the machine is shared, so say how busy it was.
    static var loadAverage: String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    static func header(_ context: BenchContext) -> String {
        let memory = ProcessInfo.processInfo.physicalMemory >> 30
        return """
            registry-bench \(ModelRegistryVersion.string), \(build) build, \(date)
            machine: \(cpuModel), \(context.cores) active cores, \(memory) GiB RAM, \(kernel); load average at start \(loadAverage)
            sha256 kernel: \(SHA256Algorithm.implementation); reference: \(context.openssl.version)
            work dir: \(context.disk.root) (\(context.disk.fileSystem)); runs: 1 warm-up + \(context.options.runs) timed\
            \(context.options.quick ? "; QUICK MODE: small inputs, not the spec" : "")
            """
    }
}
