import Foundation
import ModelRegistry

/// `rss-4gib`: the peak resident set of a process that registers a 4 GiB file, in copy mode (the heaviest) and
/// hardlink mode. Each registration runs in a child process (this executable's `__register-child`), which reports
/// its own `VmHWM`; one run per mode.
///
/// Target: peak RSS < 64 MiB.
enum PeakMemoryBenchmark {
    static let name = "rss-4gib"
    static let targetMiB = 64

    static func run(_ context: BenchContext) throws {
        let workspace = context.disk
        let size = context.sizes.bigModel
        let needed = 2 * size + (256 << 20)
        guard FileSystemInfo.availableBytes(at: workspace.root) >= needed else {
            throw BenchError("\(name) needs \(Format.size(needed)) free in \(workspace.root)")
        }
        let input = "model-big.bin"
        let source = try workspace.inputs.file(input, size: size, seed: 4)
        defer { workspace.inputs.remove(input) }

        for mode in [FileArtifactStore.IngestMode.copy, .hardlink] {
            let registryPath = workspace.scratchPath("registry-rss-\(mode)")
            defer { Workspace.removeTree(registryPath) }
            let output = try External.run(
                External.currentExecutable, [RegisterChild.command, registryPath, source, mode.rawValue])
            guard let line = output.split(separator: "\n").last,
                let report = try? JSONDecoder().decode(ChildReport.self, from: Data(line.utf8))
            else {
                throw BenchError("\(name): unreadable child report: \(output)")
            }
            Progress.say(
                "[\(name)] \(mode): \(Format.duration(report.registerSeconds)), peak VmHWM "
                    + Format.mebibytes(kibibytes: report.peakKiB))
            context.add(
                MemoryResult(
                    benchmark: name, mode: mode.rawValue, location: context.location(workspace), bytes: size,
                    child: report, targetMiB: targetMiB))
        }
    }
}
