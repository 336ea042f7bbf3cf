import Foundation
import ModelRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The hidden subcommand `registry-bench __register-child REGISTRY FILE MODE`: registers one file into a new
/// registry and prints a ``ChildReport`` as one JSON line, so that the parent can read this process's peak RSS
/// without the parent's own buffers in it.
enum RegisterChild {
    static let command = "__register-child"

    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 3, let mode = FileArtifactStore.IngestMode(rawValue: arguments[2]) else {
            FileHandle.standardError.write(
                Data("usage: registry-bench \(command) REGISTRY FILE copy|hardlink|move|reflink\n".utf8))
            return 64
        }
        do {
            let registry = try Registry.create(at: URL(fileURLWithPath: arguments[0]))
            let baseline = peakResidentKiB()
            let clock = ContinuousClock()
            let start = clock.now
            let registration = try registry.register(
                files: [FileArtifactStore.SourceFile(source: URL(fileURLWithPath: arguments[1]), path: "model.bin")],
                metadata: ArtifactMetadata(name: "bench-model"),
                options: FileArtifactStore.IngestOptions(mode: mode))
            let seconds = (clock.now - start).seconds
            let report = ChildReport(
                registerSeconds: seconds, baselineKiB: baseline, peakKiB: peakResidentKiB(), maxRSSKiB: maxRSSKiB(),
                copiedInstead: !registration.copiedInstead.isEmpty,
                digest: registration.artifact.manifest.files.first?.digest.description ?? "")
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
            return 0
        } catch {
            FileHandle.standardError.write(Data("registry-bench \(command): \(error)\n".utf8))
            return 1
        }
    }

    /// `VmHWM` from `/proc/self/status` (the peak resident set so far), or `maxRSSKiB()` where there is no procfs.
    static func peakResidentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return maxRSSKiB() }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.dropFirst("VmHWM:".count).filter(\.isNumber)
            if let value = Int(digits) { return value }
        }
        return maxRSSKiB()
    }

    /// `getrusage(RUSAGE_SELF).ru_maxrss` in KiB (Linux reports KiB, Darwin bytes).
    static func maxRSSKiB() -> Int {
        var usage = rusage()
        #if canImport(Darwin)
            guard getrusage(RUSAGE_SELF, &usage) == 0 else { return -1 }
            return Int(usage.ru_maxrss) / 1024
        #else
            guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return -1 }
            return Int(usage.ru_maxrss)
        #endif
    }
}
