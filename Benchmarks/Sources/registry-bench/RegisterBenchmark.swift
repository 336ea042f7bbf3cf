import Foundation
import ModelRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `register-copy`, `register-hardlink`, `register-move`, `register-reflink`: `registry.register(files:…)` of the
/// 1 GiB single-file model into a fresh registry per run, against `openssl dgst -sha256` of the same file in the
/// same run.
///
/// Targets: copy ≤ 1.3× openssl's hash time; hardlink and move ≤ 1.1×. Reflink is judged like hardlink where the
/// file system clones, and like copy where the library falls back to copying (ext4, tmpfs). Copy-like modes are
/// also compared with the disk floor (`dd bs=1M conv=fsync` of the same file), because copy mode writes and
/// fsyncs 1 GiB.
enum RegisterBenchmark {
    static func name(_ mode: FileArtifactStore.IngestMode) -> String { "register-\(mode)" }

    static func target(_ mode: FileArtifactStore.IngestMode, copied: Bool) -> Target {
        mode == .copy || copied ? Target(bound: 1.3, atLeast: false) : Target(bound: 1.1, atLeast: false)
    }

    /// Runs `mode` on disk, then on tmpfs when the options ask for it.
    static func run(_ mode: FileArtifactStore.IngestMode, _ context: BenchContext) throws {
        try run(mode, on: context.disk, context)
        if context.runsOnTmpfs(mode), let tmpfs = try context.tmpfs() {
            try run(mode, on: tmpfs, context)
        }
    }

    private static func run(_ mode: FileArtifactStore.IngestMode, on workspace: Workspace, _ context: BenchContext)
        throws
    {
        let benchmark = name(mode)
        let source = try context.model(in: workspace)
        let expected = try context.openssl.sha256(source)  // Untimed: the digest every registration must record.
        let label = "\(benchmark) on \(workspace.label)"

        var registry: Registry?
        var registryPath = ""
        var moveSource = ""
        var copiedInstead = false
        let register = Subject(
            name: "register",
            setUp: { _ in
                registryPath = workspace.scratchPath("registry-\(mode)")
                registry = try Registry.create(at: URL(fileURLWithPath: registryPath))
                if mode == .move {
                    // Move takes the file away, so each run moves a fresh hard link to the pristine model.
                    moveSource = workspace.scratchPath("move-source")
                    guard link(source, moveSource) == 0 else { throw BenchError.system("link", moveSource) }
                }
            },
            body: { _ in
                let registration = try registry!.register(
                    files: [
                        FileArtifactStore.SourceFile(
                            source: URL(fileURLWithPath: mode == .move ? moveSource : source), path: "model.bin")
                    ],
                    metadata: ArtifactMetadata(name: "bench-model"),
                    options: FileArtifactStore.IngestOptions(mode: mode, maxConcurrency: context.cores))
                guard registration.artifact.manifest.files.first?.digest.hex == expected else {
                    throw BenchError("\(label): the registry recorded a digest other than openssl's \(expected)")
                }
                copiedInstead = copiedInstead || !registration.copiedInstead.isEmpty
            },
            tearDown: { _ in
                if mode == .move, FileManager.default.fileExists(atPath: moveSource) {
                    throw BenchError("\(label): move mode left its source \(moveSource) behind")
                }
                registry = nil
                Workspace.removeTree(registryPath)
            })
        let openssl = Subject(name: "openssl", body: { _ in try context.openssl.sha256(source) })

        var subjects = [openssl, register]
        let copyLike = mode == .copy || mode == .reflink
        var floorPath = ""
        if copyLike, let floor = context.floor {
            subjects.append(
                Subject(
                    name: "dd",
                    setUp: { _ in floorPath = workspace.scratchPath("floor") },
                    body: { _ in try floor.copy(source, to: floorPath) },
                    tearDown: { _ in unlink(floorPath) }))
        }

        let samples = try Harness.interleave(label, subjects, runs: context.options.runs)

        let location = context.location(workspace)
        let size = context.sizes.model
        let reference = "openssl"
        context.add(
            TimingResult(
                benchmark: benchmark, subject: "openssl dgst -sha256", location: location, samples: samples[0],
                bytes: size))
        var floor: (name: String, samples: Samples)?
        if samples.count > 2 {
            floor = ("dd bs=1M conv=fsync", samples[2])
            context.add(
                TimingResult(
                    benchmark: benchmark, subject: "dd bs=1M conv=fsync (floor)", location: location,
                    samples: samples[2],
                    bytes: size,
                    comparison: Comparison(reference: reference, referenceSamples: samples[0], kind: .time, target: nil)
                ))
        }
        var result = TimingResult(
            benchmark: benchmark, subject: "register(files:) \(mode)", location: location, samples: samples[1],
            bytes: size,
            comparison: Comparison(
                reference: reference, referenceSamples: samples[0], kind: .time,
                target: target(mode, copied: copiedInstead)),
            floor: floor)
        if mode == .reflink {
            result.note =
                copiedInstead
                ? "\(workspace.fileSystem) cannot clone: the library fell back to copying (copiedInstead), so the copy target applies"
                : "cloned: the hardlink/move target applies"
        }
        context.add(result)
    }
}
