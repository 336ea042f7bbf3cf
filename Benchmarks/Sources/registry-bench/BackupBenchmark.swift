import Foundation
import ModelRegistry

/// `backup`: a registry of 8 artifacts × 128 MiB (1 GiB, every file in the page cache) backed up to a directory
/// and to a tar file, side by side with `cp -a` and `tar -cf` of the same tree, and the same references followed
/// by `sync -f` (a backup flushes what it wrote before writing its marker; `cp` and `tar` do not). Then an
/// incremental backup of one new 1 MiB artifact into an existing backup of a small registry (2 artifacts) and of
/// a large one (8 artifacts plus 300 small ones), to show its cost does not grow with the registry.
///
/// Targets (issue #11): directory backup ≥ 0.9× the throughput of `cp -a` and of `tar -cf`, tar backup ≥ 0.9× the
/// throughput of `tar -cf`; the incremental backup's time in the large registry is reported against the small one.
enum BackupBenchmark {
    static let name = "backup"
    static let throughputTarget = Target(bound: 0.9, atLeast: true)

    static func run(_ context: BenchContext) throws {
        let workspace = context.disk
        let sizes = context.sizes
        guard let cp = External.find("cp"), let tar = External.find("tar"), let sync = External.find("sync") else {
            throw BenchError("cp, tar and sync must be on PATH: they are the references")
        }
        let registryPath = workspace.scratchPath("backup-registry")
        let registry = try Registry.create(at: URL(fileURLWithPath: registryPath))
        defer { Workspace.removeTree(registryPath) }
        for index in 0..<sizes.bundleFileCount {
            let input = try workspace.inputs.file(
                "bundle-part-\(index).bin", size: sizes.bundleFileSize, seed: 100 + UInt64(index))
            _ = try registry.register(
                files: [.init(source: URL(fileURLWithPath: input), path: "weights.bin")],
                metadata: ArtifactMetadata(name: "bench-\(index)"))
        }
        let bytes = Int64(sizes.bundleFileCount) * sizes.bundleFileSize
        // Bring the tree into the page cache once: every subject then reads from memory.
        try External.run(tar, ["-cf", "/dev/null", "-C", registryPath, "."])

        func directorySubject(_ label: String, _ body: @escaping (String) throws -> Void) -> Subject {
            var path = ""
            return Subject(
                name: label, setUp: { _ in path = workspace.scratchPath("backup-out") },
                body: { _ in try body(path) }, tearDown: { _ in Workspace.removeTree(path) })
        }
        func fileSubject(_ label: String, _ body: @escaping (String) throws -> Void) -> Subject {
            var path = ""
            return Subject(
                name: label, setUp: { _ in path = workspace.scratchPath("backup-out") + ".tar" },
                body: { _ in try body(path) }, tearDown: { _ in unlink(path) })
        }
        let subjects = [
            directorySubject("cp -a") { try External.run(cp, ["-a", registryPath, $0]) },
            fileSubject("tar -cf") { try External.run(tar, ["-cf", $0, "-C", registryPath, "."]) },
            directorySubject("cp -a + sync -f") {
                try External.run(cp, ["-a", registryPath, $0])
                try External.run(sync, ["-f", $0])
            },
            fileSubject("tar -cf + sync -f") {
                try External.run(tar, ["-cf", $0, "-C", registryPath, "."])
                try External.run(sync, ["-f", $0])
            },
            directorySubject("backup (directory)") { try registry.backup(to: URL(fileURLWithPath: $0)) },
            fileSubject("backup (tar)") {
                try registry.backup(to: URL(fileURLWithPath: $0), options: .init(format: .tar))
            },
        ]
        let samples = try Harness.interleave(name, subjects, runs: context.options.runs)
        let location = context.location(workspace)
        let references = ["cp -a", "tar -cf", "cp -a + sync -f", "tar -cf + sync -f"]
        for (index, reference) in references.enumerated() {
            context.add(
                TimingResult(
                    benchmark: name, subject: reference + " (reference)", location: location, samples: samples[index],
                    bytes: bytes))
        }
        for (subject, index, comparisons) in [
            ("backup to a directory", 4, [0, 1, 2]), ("backup to a tar file", 5, [1, 3]),
        ] {
            for reference in comparisons {
                context.add(
                    TimingResult(
                        benchmark: name, subject: subject, location: location, samples: samples[index],
                        bytes: bytes,
                        comparison: Comparison(
                            reference: references[reference], referenceSamples: samples[reference], kind: .throughput,
                            target: reference < 2 ? throughputTarget : nil)))
            }
        }
        try incremental(context, large: registry, largePath: registryPath)
    }

    /// One new artifact backed up incrementally, in a small and a large registry.
    private static func incremental(_ context: BenchContext, large: Registry, largePath: String) throws {
        let workspace = context.disk
        let smallPath = workspace.scratchPath("backup-small")
        let small = try Registry.create(at: URL(fileURLWithPath: smallPath))
        defer { Workspace.removeTree(smallPath) }
        for index in 0..<2 {
            let input = try workspace.inputs.file(
                "bundle-part-\(index).bin", size: context.sizes.bundleFileSize, seed: 100 + UInt64(index))
            _ = try small.register(
                files: [.init(source: URL(fileURLWithPath: input), path: "weights.bin")],
                metadata: ArtifactMetadata(name: "bench-\(index)"))
        }
        let tiny = workspace.scratchPath("backup-tiny")
        try FileManager.default.createDirectory(atPath: tiny, withIntermediateDirectories: true)
        defer { Workspace.removeTree(tiny) }
        for index in 0..<300 {
            let path = tiny + "/config-\(index).json"
            try Data("{\"index\":\(index)}".utf8).write(to: URL(fileURLWithPath: path))
            _ = try large.register(
                files: [.init(source: URL(fileURLWithPath: path), path: "config.json")],
                metadata: ArtifactMetadata(name: "small-\(index)"))
        }
        let smallBackup = URL(fileURLWithPath: workspace.scratchPath("backup-of-small"))
        let largeBackup = URL(fileURLWithPath: workspace.scratchPath("backup-of-large"))
        try small.backup(to: smallBackup)
        try large.backup(to: largeBackup)
        defer {
            Workspace.removeTree(smallBackup.path)
            Workspace.removeTree(largeBackup.path)
        }
        let newInput = try workspace.inputs.file("backup-new.bin", size: 1 << 20, seed: 999)
        var copied: [String: Int] = [:]
        func subject(_ label: String, _ registry: Registry, _ backup: URL) -> Subject {
            Subject(
                name: label,
                setUp: { run in
                    // A new artifact each run (new metadata, the same 1 MiB file), outside the timed region.
                    _ = try registry.register(
                        files: [.init(source: URL(fileURLWithPath: newInput), path: "weights.bin")],
                        metadata: ArtifactMetadata(name: "new-\(label.hasPrefix("small") ? "s" : "l")-\(run)"))
                },
                body: { _ in
                    let report = try registry.backup(to: backup)
                    guard report.isIncremental, report.artifactsCopied == 1 else {
                        throw BenchError("\(name): the incremental backup copied \(report.artifactsCopied) artifacts")
                    }
                    copied[label] = report.filesCopied
                })
        }
        let smallCount = try small.listArtifacts().count
        let largeCount = try large.listArtifacts().count
        let smallLabel = "small registry (\(smallCount) artifacts)"
        let largeLabel = "large registry (\(largeCount) artifacts)"
        let samples = try Harness.interleave(
            name + "-incremental", [subject(smallLabel, small, smallBackup), subject(largeLabel, large, largeBackup)],
            runs: context.options.runs)
        let location = context.location(workspace)
        context.add(
            TimingResult(
                benchmark: name + "-incremental", subject: "one new artifact, " + smallLabel, location: location,
                samples: samples[0], bytes: 1 << 20))
        var largeResult = TimingResult(
            benchmark: name + "-incremental", subject: "one new artifact, " + largeLabel, location: location,
            samples: samples[1], bytes: 1 << 20,
            comparison: Comparison(
                reference: smallLabel, referenceSamples: samples[0], kind: .time, target: nil))
        largeResult.note =
            "files copied per run: \(copied[smallLabel] ?? 0) (small), \(copied[largeLabel] ?? 0) (large)"
        context.add(largeResult)
    }
}
