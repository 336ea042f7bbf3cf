import Foundation
import ModelRegistry

/// `sha256-debug`: `hash(fileAt:)` of the 1 GiB model in a debug build and in a release build of this executable
/// (each a child process running `__hash-file`, timed inside the child) and `openssl dgst -sha256`, interleaved.
///
/// Target (#13): the debug build hashes at ≥ 0.90× the release build's speed, because `swift run`, which training
/// scripts use, is a debug build. Both builds must exist: `swift build --package-path Benchmarks` and
/// `swift build -c release --package-path Benchmarks` (or `--debug-binary` / `--release-binary`). A full run
/// without one of them skips this benchmark with a note; naming it on the command line makes that an error.
enum SHA256DebugBenchmark {
    static let name = "sha256-debug"
    static let target = Target(bound: 0.90, atLeast: true)

    static func run(_ context: BenchContext) throws {
        let debug: String
        let release: String
        do {
            debug = try binary(for: "debug", context)
            release = try binary(for: "release", context)
        } catch let error as BenchError where context.options.names.isEmpty {
            // A full run should not fail for want of a second build; naming the benchmark asks for it.
            context.note("\(name) skipped: \(error)")
            Progress.say("[\(name)] skipped: \(error)")
            return
        }
        let workspace = context.disk
        let path = try context.model(in: workspace)

        var reported: [String: [Double]] = ["debug": [], "release": []]
        var reportedCPU: [String: [Double]] = ["debug": [], "release": []]
        var digests: Set<String> = []
        var kernels: Set<String> = []
        func child(_ build: String, _ executable: String) -> Subject {
            Subject(
                name: "\(build) build",
                body: { run in
                    let output = try External.run(executable, [HashFileChild.command, path])
                    guard let line = output.split(separator: "\n").last,
                        let report = try? JSONDecoder().decode(HashFileReport.self, from: Data(line.utf8))
                    else { throw BenchError("\(executable) \(HashFileChild.command) printed no report: \(output)") }
                    guard report.build == build else {
                        throw BenchError("\(executable) is a \(report.build) build, not a \(build) build")
                    }
                    if run > 0 {
                        reported[build, default: []].append(report.seconds)
                        reportedCPU[build, default: []].append(report.cpuSeconds)
                    }
                    digests.insert(report.digest)
                    kernels.insert(report.kernel)
                })
        }
        let samples = try Harness.interleave(
            name,
            [
                child("debug", debug), child("release", release),
                Subject(name: "openssl", body: { _ in digests.insert(try context.openssl.sha256(path)) }),
            ], runs: context.options.runs)
        guard digests.count == 1 else {
            throw BenchError("digest mismatch on \(path): \(digests.sorted().joined(separator: ", "))")
        }

        let location = context.location(workspace)
        let size = context.sizes.model
        let kernel = kernels.sorted().joined(separator: "/")
        let debugSamples = Samples(reported["debug"] ?? [])
        let releaseSamples = Samples(reported["release"] ?? [])
        let openssl = samples[2]
        context.add(
            TimingResult(
                benchmark: name, subject: "openssl dgst -sha256", location: location, samples: openssl, bytes: size))
        var releaseResult = TimingResult(
            benchmark: name, subject: "hash(fileAt:) release [\(kernel)]", location: location,
            samples: releaseSamples, bytes: size,
            comparison: Comparison(reference: "openssl", referenceSamples: openssl, kind: .throughput, target: nil))
        releaseResult.note = "release: \(gibPerSecond(size, releaseSamples)) GiB/s median (timed inside the process)"
        context.add(releaseResult)
        var debugResult = TimingResult(
            benchmark: name, subject: "hash(fileAt:) debug [\(kernel)]", location: location, samples: debugSamples,
            bytes: size,
            comparison: Comparison(
                reference: "release build", referenceSamples: releaseSamples, kind: .throughput, target: target))
        let versusOpenSSL = openssl.median / debugSamples.median
        debugResult.note =
            "debug: \(gibPerSecond(size, debugSamples)) GiB/s median, "
            + "\(Format.fixed(versusOpenSSL, 2))× openssl dgst's throughput; "
            + "openssl: \(gibPerSecond(size, openssl)) GiB/s (timed from outside, process start-up included)"
        context.add(debugResult)

        // CPU time of the same calls: on a shared machine the wall times above carry other processes' load, the
        // CPU seconds much less of it. Same target.
        let releaseCPU = Samples(reportedCPU["release"] ?? [])
        let debugCPU = Samples(reportedCPU["debug"] ?? [])
        context.add(
            TimingResult(
                benchmark: name, subject: "CPU time: release [\(kernel)]", location: location, samples: releaseCPU,
                bytes: size))
        var debugCPUResult = TimingResult(
            benchmark: name, subject: "CPU time: debug [\(kernel)]", location: location, samples: debugCPU,
            bytes: size,
            comparison: Comparison(
                reference: "release CPU time", referenceSamples: releaseCPU, kind: .throughput, target: target))
        debugCPUResult.note =
            "CPU-time rows: user + system seconds of the hashing process during the call (getrusage), in the "
            + "time columns; debug \(gibPerSecond(size, debugCPU)), release \(gibPerSecond(size, releaseCPU)) "
            + "GiB per CPU-second"
        context.add(debugCPUResult)
    }

    /// The registry-bench executable of `build`: this process when it is that build, else `--debug-binary` /
    /// `--release-binary`, else the one SwiftPM builds next to this package's sources.
    private static func binary(for build: String, _ context: BenchContext) throws -> String {
        if Environment.build == build { return External.currentExecutable }
        let given = build == "debug" ? context.options.debugBinary : context.options.releaseBinary
        let path = given ?? "\(BenchContext.packageDirectory)/.build/\(build)/registry-bench"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            let flag = build == "debug" ? "" : "-c release "
            throw BenchError(
                "no \(build) build of registry-bench at \(path): run `swift build \(flag)--package-path Benchmarks` "
                    + "or pass --\(build)-binary PATH")
        }
        return path
    }

    private static func gibPerSecond(_ bytes: Int64, _ samples: Samples) -> String {
        Format.fixed(Double(bytes) / samples.median / Double(1 << 30), 2)
    }
}
