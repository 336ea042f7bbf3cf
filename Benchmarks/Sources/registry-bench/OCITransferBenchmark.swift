import Foundation
import ModelRegistry

/// `oci-transfer`: push and pull of a 1 GiB artifact and of 8 × 128 MiB against a loopback OCI registry (CNCF
/// Distribution), side by side with `skopeo copy` of the same image (an OCI layout exported from the registry),
/// interleaved run by run. Every subject is a child process (ours: this executable's `__oci-child`) run under
/// `/usr/bin/time -f %M`, so each one's peak RSS is measured alike. Each push goes to a new repository (every
/// blob is sent); each pull goes into a new registry or layout. A second push of the same artifact is checked to
/// send no blob. skopeo's blob-info cache (as root) is moved aside during its push, so that it uploads rather than
/// mounts from a repository it saw before.
///
/// The registry is the one the tests use: `MODELREG_TEST_OCI_REGISTRY=HOST:PORT` with `MODELREG_TEST_OCI_USERNAME`
/// / `_PASSWORD` (`eval "$(scripts/oci-test-registry start)"`). Without it, or without `skopeo` or `/usr/bin/time`,
/// the benchmark is skipped with a note.
///
/// Targets (issue #12): time ≤ 1.0× skopeo's, peak RSS ≤ 64 MiB.
enum OCITransferBenchmark {
    static let name = "oci-transfer"
    static let timeTarget = Target(bound: 1.0, atLeast: false)
    static let rssTargetMiB = 64

    private struct Setup {
        let host: String
        let username: String
        let password: String
        let skopeo: String
        let time: String
    }

    static func run(_ context: BenchContext) throws {
        let environment = ProcessInfo.processInfo.environment
        guard let host = environment["MODELREG_TEST_OCI_REGISTRY"], !host.isEmpty else {
            return skip(context, "MODELREG_TEST_OCI_REGISTRY is not set (eval \"$(scripts/oci-test-registry start)\")")
        }
        guard let skopeo = External.find("skopeo") else { return skip(context, "skopeo is not installed") }
        let time = "/usr/bin/time"
        guard FileManager.default.isExecutableFile(atPath: time) else {
            return skip(context, "/usr/bin/time is not installed")
        }
        let setup = Setup(
            host: host, username: environment["MODELREG_TEST_OCI_USERNAME"] ?? "",
            password: environment["MODELREG_TEST_OCI_PASSWORD"] ?? "", skopeo: skopeo, time: time)
        let workspace = context.disk
        let registryPath = workspace.scratchPath("oci-source")
        let registry = try Registry.create(at: URL(fileURLWithPath: registryPath))
        defer { Workspace.removeTree(registryPath) }
        let sizes = context.sizes
        let big = try workspace.inputs.file("oci-big.bin", size: sizes.model, seed: 1200)
        let bigID = try registry.register(
            files: [.init(source: URL(fileURLWithPath: big), path: "model.safetensors")],
            metadata: ArtifactMetadata(name: "oci-big")
        ).artifact.id
        var parts: [FileArtifactStore.SourceFile] = []
        for index in 0..<sizes.bundleFileCount {
            let path = try workspace.inputs.file(
                "oci-part-\(index).bin", size: sizes.bundleFileSize, seed: 1300 + UInt64(index))
            parts.append(.init(source: URL(fileURLWithPath: path), path: "model-\(index).safetensors"))
        }
        let partsID = try registry.register(files: parts, metadata: ArtifactMetadata(name: "oci-parts")).artifact.id
        try measure(
            context, setup, registry: registryPath, artifact: bigID, label: "1 × \(Format.size(sizes.model))",
            bytes: sizes.model)
        try measure(
            context, setup, registry: registryPath, artifact: partsID,
            label: "\(sizes.bundleFileCount) × \(Format.size(sizes.bundleFileSize))",
            bytes: Int64(sizes.bundleFileCount) * sizes.bundleFileSize)
    }

    private static func skip(_ context: BenchContext, _ reason: String) {
        context.note("\(name) skipped: \(reason)")
        Progress.say("[\(name)] skipped: \(reason)")
    }

    private static func measure(
        _ context: BenchContext, _ setup: Setup, registry: String, artifact: ArtifactID, label: String, bytes: Int64
    ) throws {
        let workspace = context.disk
        let layout = workspace.scratchPath("oci-layout")
        defer { Workspace.removeTree(layout) }
        let opened = try Registry.open(at: URL(fileURLWithPath: registry))
        try opened.exportOCILayout(artifact.description, to: URL(fileURLWithPath: layout), tag: "bench")
        let credentials = "\(setup.username):\(setup.password)"
        let base = "http://\(setup.host)/"
        func repository(_ kind: String) -> String {
            "bench/\(kind)-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        }
        // One image pushed once, for every pull to read.
        let pulled = repository("source")
        _ = try child(
            setup, [OCITransferChild.command, "push", registry, artifact.description, base + pulled + ":bench"])
        let second = try child(
            setup, [OCITransferChild.command, "push", registry, artifact.description, base + pulled + ":bench"])
        guard second.report?.blobs == 0 else {
            throw BenchError("\(name): a second push of \(artifact) sent \(second.report?.blobs ?? -1) blobs")
        }

        var peaks: [String: [Int]] = [:]
        func timed(
            _ subject: String, _ arguments: @escaping () -> [String], cleanUp: String? = nil,
            hideBlobInfoCache: Bool = false
        ) -> Subject {
            Subject(
                name: subject,
                setUp: { _ in if hideBlobInfoCache { BlobInfoCache.hide() } },
                body: { _ in
                    let outcome = try child(setup, arguments())
                    peaks[subject, default: []].append(outcome.peakKiB)
                },
                tearDown: { _ in
                    if let cleanUp { Workspace.removeTree(cleanUp) }
                    if hideBlobInfoCache { BlobInfoCache.restore() }
                })
        }
        let target = workspace.scratchPath("oci-pull-target")
        let subjects = [
            timed("push") {
                [
                    OCITransferChild.command, "push", registry, artifact.description,
                    base + repository("push") + ":bench",
                ]
            },
            timed(
                "skopeo copy (push)",
                {
                    [
                        setup.skopeo, "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", credentials,
                        "oci:\(layout):bench", "docker://\(setup.host)/\(repository("skopeo-push")):bench",
                    ]
                }, hideBlobInfoCache: true),
            timed("pull", { [OCITransferChild.command, "pull", target, base + pulled + ":bench"] }, cleanUp: target),
            timed(
                "skopeo copy (pull)",
                {
                    [
                        setup.skopeo, "copy", "--quiet", "--src-tls-verify=false", "--src-creds", credentials,
                        "docker://\(setup.host)/\(pulled):bench", "oci:\(target):bench",
                    ]
                }, cleanUp: target),
        ]
        let samples = try Harness.interleave("\(name) \(label)", subjects, runs: context.options.runs)
        let location = context.location(workspace)
        func rss(_ subject: String) -> String {
            let values = (peaks[subject] ?? []).sorted()
            guard !values.isEmpty else { return "peak RSS ?" }
            let median = values[values.count / 2]
            let met = median < rssTargetMiB * 1024 ? "met" : "NOT met"
            return "peak RSS median \(Format.mebibytes(kibibytes: median)) (target ≤ \(rssTargetMiB) MiB: \(met))"
        }
        for (ours, reference) in [(0, 1), (2, 3)] {
            var result = TimingResult(
                benchmark: name, subject: "\(subjects[ours].name) \(label)", location: location,
                samples: samples[ours], bytes: bytes,
                comparison: Comparison(
                    reference: subjects[reference].name, referenceSamples: samples[reference], kind: .time,
                    target: timeTarget))
            result.note =
                rss(subjects[ours].name) + "; \(subjects[reference].name): " + rss(subjects[reference].name)
            context.add(result)
        }
        context.note("\(name) \(label): a second push of the same artifact sent 0 blobs")
    }

    /// What a child run left: its peak RSS (from `/usr/bin/time`) and, for ours, its report.
    private struct ChildOutcome {
        var peakKiB: Int
        var report: OCIChildReport?
    }

    /// Runs `arguments` (this executable when the first is `__oci-child`) under `/usr/bin/time -f %M`.
    private static func child(_ setup: Setup, _ arguments: [String]) throws -> ChildOutcome {
        let executable = arguments[0] == OCITransferChild.command ? External.currentExecutable : arguments[0]
        let rest = arguments[0] == OCITransferChild.command ? arguments : Array(arguments.dropFirst())
        let marker = "oci-child-peak-kib="
        var environment = ProcessInfo.processInfo.environment
        environment["MODELREG_REGISTRY_USERNAME"] = setup.username
        environment["MODELREG_REGISTRY_PASSWORD"] = setup.password
        let finished = try External.runCapturing(
            setup.time, ["-f", marker + "%M", executable] + rest, environment: environment)
        guard finished.succeeded else {
            throw BenchError("\(name): \(rest.prefix(3).joined(separator: " ")) failed: \(finished.stderr.suffix(600))")
        }
        guard let line = finished.stderr.split(separator: "\n").last(where: { $0.hasPrefix(marker) }),
            let peak = Int(line.dropFirst(marker.count))
        else {
            throw BenchError("\(name): /usr/bin/time printed no peak RSS: \(finished.stderr.suffix(300))")
        }
        let last = finished.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return ChildOutcome(
            peakKiB: peak, report: try? JSONDecoder().decode(OCIChildReport.self, from: Data(last.utf8)))
    }

    /// skopeo remembers in which repositories it saw a blob (its blob-info cache) and mounts from there instead
    /// of uploading: its push to a new repository would then send nothing. The cache is moved aside while its push
    /// runs (ours mounts only with `mountFrom`), and put back after.
    private enum BlobInfoCache {
        static let path = "/var/lib/containers/cache/blob-info-cache-v1.boltdb"
        static let aside = path + ".registry-bench"

        static func hide() { _ = rename(path, aside) }
        static func restore() {
            if FileManager.default.fileExists(atPath: aside) {
                unlink(path)
                _ = rename(aside, path)
            }
        }
    }
}
