import Foundation
import ModelRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The hidden subcommand `registry-bench __hash-file FILE`: hashes FILE once with `SHA256Algorithm().hash(fileAt:)`
/// and prints a ``HashFileReport`` as one JSON line. `sha256-debug` runs it from a debug and a release build of this
/// executable, so each build's hashing is timed inside the process, without process start-up in it.
enum HashFileChild {
    static let command = "__hash-file"

    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 1 else {
            FileHandle.standardError.write(Data("usage: registry-bench \(command) FILE\n".utf8))
            return 64
        }
        do {
            let url = URL(fileURLWithPath: arguments[0])
            let clock = ContinuousClock()
            let cpuBefore = cpuSeconds()
            let start = clock.now
            let result = try SHA256Algorithm().hash(fileAt: url)
            let seconds = (clock.now - start).seconds
            let report = HashFileReport(
                build: Environment.build, kernel: SHA256Algorithm.implementation, seconds: seconds,
                cpuSeconds: cpuSeconds() - cpuBefore, digest: result.digest.hex)
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
            return 0
        } catch {
            FileHandle.standardError.write(Data("registry-bench \(command): \(error)\n".utf8))
            return 1
        }
    }

    /// User plus system CPU seconds of this process so far (`getrusage`): unlike wall time, barely moved by other
    /// processes competing for the cores of a shared machine.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Darwin)
            guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        #else
            guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// What the `__hash-file` subcommand prints as its last line of stdout.
struct HashFileReport: Codable {
    /// `debug` or `release`: the build of the process that hashed.
    var build: String
    /// `SHA256Algorithm.implementation` in that process.
    var kernel: String
    /// Wall-clock seconds of the one `hash(fileAt:)` call.
    var seconds: Double
    /// User plus system CPU seconds the process spent meanwhile.
    var cpuSeconds: Double
    /// The digest, lowercase hex.
    var digest: String
}
