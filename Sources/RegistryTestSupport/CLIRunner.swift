import Foundation
import ModelRegistry

/// Runs the built `modelreg` binary as a real, separate process, for tests of the command-line tool.
public enum CLIRunner {
    /// What a run of the binary produced.
    public struct Outcome: Sendable {
        /// The exit status, or the signal number when ``wasKilled``.
        public var status: Int32
        /// Everything written to standard output.
        public var stdout: String
        /// Everything written to standard error.
        public var stderr: String
        /// True when the process died from a signal (`status` is then the signal number).
        public var wasKilled: Bool
    }

    /// The `modelreg` binary built next to the test bundle, if any.
    public static let binary: URL? = executable(named: "modelreg")

    /// The executable product `name` of this package built next to the test bundle, if any.
    public static func executable(named name: String) -> URL? {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            besideTests.appendingPathComponent(name),
            besideTests.deletingLastPathComponent().appendingPathComponent(name),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                // Sources/RegistryTestSupport → root
                .deletingLastPathComponent().appendingPathComponent(".build/debug/" + name),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `modelreg` (or the product named `executable`) with `arguments`; `MODELREG_REGISTRY` is cleared and
    /// Swift's backtracer disabled (a child that is meant to crash must not hang the test on its output pipe).
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
        executable: String = "modelreg"
    ) throws -> Outcome {
        guard let binary = executable == "modelreg" ? Self.binary : Self.executable(named: executable) else {
            throw RegistryError(
                .notFound, "the \(executable) binary was not found next to the tests; run 'swift build' first")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = childEnvironment(environment)
        if let directory { process.currentDirectoryURL = directory }
        return try capture(process)
    }

    /// The environment a `modelreg` child of a test runs with: this process's, without `MODELREG_REGISTRY` (a
    /// registry the developer set must never be written by a test) and with Swift's backtracer off (a child meant
    /// to crash must not hang holding the test's output pipe), then `extra` on top. For tests that start
    /// `modelreg` themselves, directly or under `sh`, `timeout` or `flock`.
    public static func childEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MODELREG_REGISTRY"] = nil
        environment["SWIFT_BACKTRACE"] = "enable=no"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Runs a configured, not yet started process to its end, capturing its standard output and error: for
    /// tests that start other tools (`setpriv`, `unshare`, `openssl`) the way ``run(_:environment:in:executable:)``
    /// starts `modelreg`.
    public static func capture(_ process: Process) throws -> Outcome {
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self), wasKilled: process.terminationReason == .uncaughtSignal)
    }

    /// Whether `tool arguments…` runs and exits 0 — a probe for what the machine allows (root, namespaces,
    /// mounts), so that a test can skip with a reason instead of failing.
    public static func succeeds(_ tool: String, _ arguments: [String]) -> Bool {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: tool)
        probe.arguments = arguments
        probe.standardError = FileHandle.nullDevice
        probe.standardOutput = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }
}
