import Foundation

/// Runs other programs (`openssl`, `dd`, this executable's child mode) with Foundation `Process`.
enum External {
    /// The full path of `name` on `PATH`, if it is there.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// What a child process left: how it ended and everything it wrote.
    struct Finished {
        /// Whether it exited with status 0 (not killed by a signal).
        var succeeded: Bool
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` with `arguments` (and `environment`, else this process's) to completion, with no
    /// standard input, and returns its status and output whatever it was.
    static func runCapturing(_ executable: String, _ arguments: [String], environment: [String: String]? = nil)
        throws -> Finished
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Both pipes are read to the end before waiting, so a chatty child can never block on a full pipe.
        let group = DispatchGroup()
        let errorBox = DataBox()
        DispatchQueue.global().async(group: group) { errorBox.data = errors.fileHandleForReading.readDataToEndOfFile() }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Finished(
            succeeded: process.terminationReason == .exit && process.terminationStatus == 0,
            status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
            stderr: String(decoding: errorBox.data, as: UTF8.self))
    }

    /// Runs `executable` with `arguments` to completion and returns its stdout; throws on a non-zero exit,
    /// quoting its stderr.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let finished = try runCapturing(executable, arguments)
        guard finished.succeeded else {
            let message = finished.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw BenchError(
                "\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) failed "
                    + "(status \(finished.status)): \(message)")
        }
        return finished.stdout
    }

    /// This executable, for re-invoking it as a child process.
    static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    private final class DataBox: @unchecked Sendable {
        var data = Data()
    }
}

/// `openssl dgst -sha256 FILE`: the reference every hash-bound target is measured against.
struct OpenSSL {
    let executable: String

    /// The OpenSSL version line, for the report header.
    var version: String {
        (try? External.run(executable, ["version"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    }

    /// Hashes `path` with `openssl dgst -sha256` and returns the lowercase hex digest.
    @discardableResult
    func sha256(_ path: String) throws -> String {
        let output = try External.run(executable, ["dgst", "-sha256", path])
        // "SHA2-256(path)= <hex>" (OpenSSL 3) or "SHA256(path)= <hex>" (1.1).
        guard let range = output.range(of: "= ", options: .backwards) else {
            throw BenchError("unexpected openssl output: \(output)")
        }
        return output[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension OpenSSL {
    /// `openssl speed -evp sha256 -bytes 1048576 -seconds 3`: the in-memory throughput of OpenSSL's own SHA-256
    /// kernel in bytes per second (no file I/O), as a ceiling for context; `nil` if the output is not understood.
    func kernelSpeed() -> Double? {
        guard
            let output = try? External.run(
                executable, ["speed", "-evp", "sha256", "-bytes", "1048576", "-seconds", "3"]),
            let line = output.split(separator: "\n").last(where: { $0.hasPrefix("sha256") }),
            let field = line.split(separator: " ").last, field.hasSuffix("k"), let kilobytes = Double(field.dropLast())
        else { return nil }
        return kilobytes * 1000  // OpenSSL's "k" is 1000 bytes.
    }
}

/// The disk-write floor of a copy: `dd if=SRC of=DST bs=1M conv=fsync` (read from cache, write, one fsync).
struct DiskFloor {
    let dd: String

    func copy(_ source: String, to destination: String) throws {
        try External.run(dd, ["if=\(source)", "of=\(destination)", "bs=1M", "conv=fsync", "status=none"])
    }
}
