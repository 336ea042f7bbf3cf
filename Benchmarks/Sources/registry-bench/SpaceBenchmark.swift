import Foundation
import ModelRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `register-again`: a 1 GiB directory (8 × 128 MiB) registered in copy mode into a fresh registry, registered
/// again unchanged, and registered under a second name (new metadata, the same files), next to `cp -r` of the
/// same directory in the same run. Each subject's bytes written (`write_bytes` of `/proc/self/io`, which includes
/// waited-for children such as `cp`) are reported as a note, median of the timed runs.
///
/// Targets: registering the unchanged directory again ≤ 0.05× the first registration's time (issue #11); the
/// second name is reported against the first registration too (no target: it writes a manifest and links).
enum SpaceBenchmark {
    static let name = "register-again"
    static let againTarget = Target(bound: 0.05, atLeast: false)

    static func run(_ context: BenchContext) throws {
        let workspace = context.disk
        let sizes = context.sizes
        // The source directory: hard links to the shared inputs, last modified an hour ago (the source-digest
        // cache trusts only files whose mtime is older than the read by 2 s or more).
        let source = workspace.scratchPath("space-source")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        for index in 0..<sizes.bundleFileCount {
            let input = try workspace.inputs.file(
                "bundle-part-\(index).bin", size: sizes.bundleFileSize, seed: 100 + UInt64(index))
            let path = source + "/part-\(index).bin"
            guard link(input, path) == 0 else { throw BenchError.system("link", path) }
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: path)
        }
        defer { Workspace.removeTree(source) }
        let bytes = Int64(sizes.bundleFileCount) * sizes.bundleFileSize
        let directory = URL(fileURLWithPath: source)
        let options = FileArtifactStore.IngestOptions(maxConcurrency: context.cores)
        guard let cp = External.find("cp") else { throw BenchError("cp is not on PATH: it is the reference") }

        var written: [String: [Int64]] = [:]
        func measured(_ name: String, _ body: @escaping (Int) throws -> Void) -> (Int) throws -> Void {
            { run in
                let before = IOCounters.writeBytes()
                try body(run)
                if run > 0, let before, let after = IOCounters.writeBytes() {
                    written[name, default: []].append(after - before)
                }
            }
        }

        var copyPath = ""
        let copy = Subject(
            name: "cp -r",
            setUp: { _ in copyPath = workspace.scratchPath("space-copy") },
            body: measured("cp -r") { _ in try External.run(cp, ["-r", source, copyPath]) },
            tearDown: { _ in Workspace.removeTree(copyPath) })

        var freshPath = ""
        var fresh: Registry?
        let first = Subject(
            name: "first",
            setUp: { _ in
                freshPath = workspace.scratchPath("registry-space")
                fresh = try Registry.create(at: URL(fileURLWithPath: freshPath))
            },
            body: measured("first") { _ in
                let registration = try fresh!.register(
                    directory: directory, metadata: ArtifactMetadata(name: "bench-space"), options: options)
                guard registration.isNew, registration.deduplicated.isEmpty else {
                    throw BenchError("\(name): a first registration into a fresh registry was not new")
                }
            },
            tearDown: { _ in
                fresh = nil
                Workspace.removeTree(freshPath)
            })

        // One registry for the other two subjects, holding the artifact from the start.
        let warmPath = workspace.scratchPath("registry-space-warm")
        let warm = try Registry.create(at: URL(fileURLWithPath: warmPath))
        defer { Workspace.removeTree(warmPath) }
        let original = try warm.register(
            directory: directory, metadata: ArtifactMetadata(name: "bench-space"), options: options)
        let fileCount = original.artifact.manifest.files.count
        let again = Subject(
            name: "again",
            body: measured("again") { _ in
                let registration = try warm.register(
                    directory: directory, metadata: ArtifactMetadata(name: "bench-space"), options: options)
                guard !registration.isNew, registration.unread.count == fileCount else {
                    throw BenchError("\(name): the unchanged re-registration read \(registration.unread) only")
                }
            })
        let renamed = Subject(
            name: "second name",
            body: measured("second name") { run in
                let registration = try warm.register(
                    directory: directory, metadata: ArtifactMetadata(name: "bench-space-\(run)"), options: options)
                guard registration.isNew, registration.deduplicated.count == fileCount else {
                    throw BenchError("\(name): the second name stored \(registration.deduplicated) as links only")
                }
            })

        let samples = try Harness.interleave(name, [copy, first, again, renamed], runs: context.options.runs)
        let usage = try warm.diskUsage()
        context.note(
            "\(name): the registry holding the directory under \(usage.artifacts.count) names takes "
                + "\(usage.totalBytes) bytes (\(Format.size(usage.totalBytes))) on disk; without deduplication "
                + "\(usage.apparentBytes) (\(Format.size(usage.apparentBytes)))")
        let location = context.location(workspace)
        func note(_ subject: String) -> String {
            let values = (written[subject] ?? []).sorted()
            guard !values.isEmpty else { return "bytes written: not measured (no /proc/self/io)" }
            let median = values[values.count / 2]
            return "bytes written (median): \(median) (\(Format.size(median)))"
        }
        var copyResult = TimingResult(
            benchmark: name, subject: "cp -r (reference, no fsync)", location: location, samples: samples[0],
            bytes: bytes)
        copyResult.note = note("cp -r")
        context.add(copyResult)
        var firstResult = TimingResult(
            benchmark: name, subject: "register(directory:) first, copy mode", location: location,
            samples: samples[1], bytes: bytes,
            comparison: Comparison(reference: "cp -r", referenceSamples: samples[0], kind: .time, target: nil))
        firstResult.note = note("first")
        context.add(firstResult)
        var againResult = TimingResult(
            benchmark: name, subject: "register again, unchanged", location: location, samples: samples[2],
            bytes: bytes,
            comparison: Comparison(
                reference: "first registration", referenceSamples: samples[1], kind: .time, target: againTarget))
        againResult.note = note("again")
        context.add(againResult)
        var renamedResult = TimingResult(
            benchmark: name, subject: "register under a second name", location: location, samples: samples[3],
            bytes: bytes,
            comparison: Comparison(
                reference: "first registration", referenceSamples: samples[1], kind: .time, target: nil))
        renamedResult.note = note("second name")
        context.add(renamedResult)
    }
}

/// The process's I/O accounting.
enum IOCounters {
    /// `write_bytes` of `/proc/self/io`: bytes this process (and the children it waited for) caused to be written
    /// to storage; nil where there is no `/proc`.
    static func writeBytes() -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int64(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
