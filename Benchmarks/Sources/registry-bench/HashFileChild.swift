import Foundation
import ModelRegistry

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
            let start = clock.now
            let result = try SHA256Algorithm().hash(fileAt: url)
            let seconds = (clock.now - start).seconds
            let report = HashFileReport(
                build: Environment.build, kernel: SHA256Algorithm.implementation, seconds: seconds,
                digest: result.digest.hex)
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
            return 0
        } catch {
            FileHandle.standardError.write(Data("registry-bench \(command): \(error)\n".utf8))
            return 1
        }
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
    /// The digest, lowercase hex.
    var digest: String
}
