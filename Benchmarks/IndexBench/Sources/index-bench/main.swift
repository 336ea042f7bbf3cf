import Foundation
import ModelRegistry

// index-bench: the performance figures of the index (issue 5).
//
//   swift run -c release --package-path Benchmarks/IndexBench index-bench [--artifacts N] [--runs N] [--keep]
//       [--cli PATH]        (time a fresh `modelreg` process per question: a release build of the CLI)
//       [--registry PATH]   (use, or generate and keep, the registry at PATH; for repeated runs)
//       [--generate-only]   (with --registry: only generate the registry and keep it, e.g. for 1,000,000)
//       [--fsck-only]       (only time `Registry.fsck()` over the registry: issue 10's figure)
//       [--backend files|sqlite]  (the index backend; sqlite needs `--traits SQLite`, see Package.swift)
//       [--gc-only]         (only time garbage-collection planning, a dry run on a registry opened read-only:
//                            issue 11's figure, ≤ 10 s at 100,000 artifacts)
//       [--gc-cached]       (with --gc-only: open the registry for writing, so the warm-up plan stores the
//                            collector's cache of the log, indexes/collector.json, and the timed plans use it;
//                            writes that file into the registry: give a copy)
//       [--state-set-only]  (with --registry: only compare `Registry.setState` at N and at 100 artifacts, step 8;
//                            writes states into the registry: give a copy)
//       [--compaction-writes]  (with --registry, file index: time writes while a compaction runs in the
//                            background and after it; writes states into the registry: give a copy)
//
// 1. Generates a valid registry of N (default 100,000) small artifacts in a temporary directory (fast path, see
//    RegistryGenerator) and checks it: the audit log's hash chain verifies, sampled artifacts open.
// 2. Sets the lifecycle state of 1,000 artifacts through the public API (real `state_changed` events).
// 3. Full rebuild: time and peak RSS (VmHWM, reset just before through /proc/self/clear_refs).
// 4. Loads the stored index into a fresh reader (what a new process pays on its first query).
// 5. Each query type: a warm-up run, then `--runs` timed runs on the registry's index (each includes the freshness
//    check against the audit log and `artifacts/`); median, p90 and result count.
// 6. Incremental update after one registration: the index update alone (`RegistryIndex.update()`, lock
//    included) and a whole `Registry.register` (copy, hash, fsync, publish, event, index update).
// 7. Removes the generated registry (unless --keep).

#if DEBUG
    print("WARNING: this is a debug build; run with -c release for meaningful numbers.")
#endif

var artifactCount = 100_000
var runs = 200
var keep = false
var reusePath: String?
var loadOnly = false
var stateSetOnly = false
var compactionWrites = false
var rebuildOnly = false
var fsckOnly = false
var gcOnly = false
var cliPath: String?
var backend = Registry.IndexBackendChoice.files
var gcCached = false
var generateOnly = false
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--artifacts": artifactCount = Int(arguments.isEmpty ? "" : arguments.removeFirst()) ?? artifactCount
    case "--runs": runs = Int(arguments.isEmpty ? "" : arguments.removeFirst()) ?? runs
    case "--keep": keep = true
    case "--state-set-only": stateSetOnly = true  // with --registry: only compare `state set` at N and at 100
    case "--compaction-writes": compactionWrites = true  // with --registry: writes while a compaction runs
    case "--load-only": loadOnly = true  // with --registry: only time cold loads (for profiling)
    case "--rebuild-only": rebuildOnly = true  // with --registry: only time rebuilds (for profiling)
    case "--fsck-only": fsckOnly = true  // only time `Registry.fsck()` (issue 10): duration and peak RSS
    case "--gc-only": gcOnly = true  // only time a garbage-collection plan (issue 11): median of --runs
    case "--cli": cliPath = arguments.isEmpty ? nil : arguments.removeFirst()  // a release `modelreg` to time cold
    case "--gc-cached": gcCached = true  // the plans use (and the warm-up stores) indexes/collector.json
    case "--generate-only": generateOnly = true  // with --registry: generate the registry, keep it, stop (1M runs)
    case "--registry": reusePath = arguments.isEmpty ? nil : arguments.removeFirst()
    case "--backend":
        guard let choice = IndexBackendOption.choice(named: arguments.isEmpty ? "" : arguments.removeFirst()) else {
            FileHandle.standardError.write(Data("--backend: files, or sqlite in a build with --traits SQLite\n".utf8))
            exit(64)
        }
        backend = choice
    default:
        FileHandle.standardError.write(Data("usage: index-bench [--artifacts N] [--runs N] [--keep]\n".utf8))
        exit(64)
    }
}

let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

func timed<R>(_ body: () throws -> R) rethrows -> (R, Duration) {
    let start = clock.now
    let result = try body()
    return (result, clock.now - start)
}

/// Peak resident set size of this process in MiB (VmHWM).
func peakRSS() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return .nan }
    let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
    return kilobytes / 1024
}

/// Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs).
func resetPeakRSS() -> Bool {
    (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
}

func currentRSS() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return .nan }
    return (line.split(separator: " ").compactMap { Double($0) }.first ?? .nan) / 1024
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// A benchmark run that did not do what it measures.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Prints one row of a Markdown table.
func line(_ cells: String...) { print("| " + cells.joined(separator: " | ") + " |") }

func format(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }

struct Row {
    var name: String
    var p50: Double
    var p90: Double
    var results: Int
}

/// Measures `body` `runs` times after one warm-up run; milliseconds.
func measure(_ name: String, runs: Int, _ body: () throws -> Int) throws -> Row {
    _ = try body()
    var samples: [Double] = []
    var results = 0
    for _ in 0..<runs {
        let (count, duration) = try timed(body)
        results = count
        samples.append(milliseconds(duration))
    }
    samples.sort()
    return Row(name: name, p50: percentile(samples, 0.5), p90: percentile(samples, 0.9), results: results)
}

let workspace = FileManager.default.temporaryDirectory.appendingPathComponent(
    "index-bench-\(ProcessInfo.processInfo.processIdentifier)")
let root = reusePath.map { URL(fileURLWithPath: $0) } ?? workspace.appendingPathComponent("registry")

/// Removes the generated registry (unless --keep) and exits.
@MainActor func finish(_ status: Int32) -> Never {
    if !keep { try? FileManager.default.removeItem(at: workspace) }  // never a --registry path
    exit(status)
}

/// Times 100 `Registry.setState` calls, each a real change (setting the current state again writes nothing, so
/// a repeated run on a kept registry would otherwise time no-ops); sorted milliseconds.
func stateSetMilliseconds(_ registry: Registry, _ ids: [ArtifactID]) throws -> [Double] {
    var samples: [Double] = []
    for run in 0..<100 {
        let id = ids[(run * 7919) % ids.count]
        let target: LifecycleState = try registry.state(of: id) == .candidate ? .validated : .candidate
        let (event, duration) = try timed { try registry.setState(id, to: target) }
        guard event != nil else { throw BenchFailure("setState(\(id), to: \(target)) changed nothing") }
        samples.append(milliseconds(duration))
    }
    return samples.sorted()
}

/// 8. `state set` through the API at this size, and on a generated registry of 100 artifacts (#15: the cost of a
/// write must not grow with the registry).
@MainActor func compareStateSets(_ registry: Registry, _ ids: [ArtifactID]) throws {
    try registry.rebuildIndexes()
    let large = try stateSetMilliseconds(registry, ids)
    let smallRoot = workspace.appendingPathComponent("small-registry")
    try? FileManager.default.removeItem(at: smallRoot)
    let smallIDs = try RegistryGenerator(root: smallRoot, count: 100, seed: 0x5EED).generate()
    let small = try Registry.open(at: smallRoot, configuration: IndexBackendOption.configuration(backend))
    try small.rebuildIndexes()
    let smallSamples = try stateSetMilliseconds(small, smallIDs)
    try? FileManager.default.removeItem(at: smallRoot)
    print("")
    line("Registry.setState (100 runs)", "p50 (ms)", "p90 (ms)")
    print("|---|---:|---:|")
    line("at \(ids.count) artifacts", format(percentile(large, 0.5)), format(percentile(large, 0.9)))
    line("at 100 artifacts", format(percentile(smallSamples, 0.5)), format(percentile(smallSamples, 0.9)))
}

do {
    try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
    print(
        "index-bench: \(artifactCount) artifacts, \(runs) runs per query, "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores, index backend \(backend)"
    )
    print("registry: \(root.path)")

    // 1. Generate and check.
    let generator = RegistryGenerator(root: root, count: artifactCount, seed: 0x1DE5)
    let reusing = FileManager.default.fileExists(atPath: root.path + "/registry.json")
    var generation = Duration.zero
    var ids: [ArtifactID]
    if reusing {
        ids = try generator.plannedIDs()
        print("reusing the registry at \(root.path)")
    } else {
        (ids, generation) = try timed { try generator.generate() }
        print("generated \(ids.count) artifacts in \(format(seconds(generation), 1)) s")
    }
    if generateOnly {
        keep = true
        finish(0)
    }
    if gcOnly {
        // Planning only (a dry run): no lock, nothing written; the registry is opened read-only, so a shared
        // test registry is never changed. One warm-up run, then `--runs` timed runs; median and p90.
        let reader = try Registry.open(at: root, configuration: .init(actor: "bench"), forWriting: gcCached)
        var samples: [Double] = []
        var last: GarbageCollectionReport?
        for run in 0...max(1, runs) {
            _ = resetPeakRSS()
            let (report, planTime) = try timed { try reader.collectGarbage(.init(dryRun: true)) }
            last = report
            if run > 0 { samples.append(seconds(planTime)) }
            print(
                "gc plan run \(run)\(run == 0 ? " (warm-up)" : ""): \(report.decisions.count) artifacts, "
                    + "\(report.collected.count) would go, \(report.problems.count) problems in "
                    + "\(format(seconds(planTime), 2)) s, peak RSS \(format(peakRSS(), 0)) MiB")
        }
        samples.sort()
        print(
            "gc plan: median \(format(percentile(samples, 0.5), 2)) s, p90 \(format(percentile(samples, 0.9), 2)) s "
                + "over \(samples.count) runs (\(last?.decisions.count ?? 0) artifacts, "
                + "\(last?.decisions.filter { $0.verdict == .keep }.count ?? 0) kept)")
        finish(0)
    }
    let registry = try Registry.open(at: root, configuration: IndexBackendOption.configuration(backend))
    if !reusing {
        let (verification, verifyTime) = try timed { try registry.journal.verify() }
        guard verification.isClean, verification.eventCount == ids.count else {
            print("generated audit log does not verify: \(verification.findings.prefix(3))")
            finish(1)
        }
        for index in stride(from: 0, to: ids.count, by: max(1, ids.count / 100)) {
            _ = try registry.artifact(ids[index])
        }
        print(
            "audit log verified (\(verification.eventCount) events) in \(format(seconds(verifyTime), 1)) s; "
                + "100 sampled artifacts open"
        )

        // 2. Lifecycle states through the public API.
        var random = BenchRandom(seed: 7)
        let stateCount = min(1000, ids.count)
        let (_, stateTime) = try timed {
            for index in 0..<stateCount {
                let id = ids[random.below(ids.count)]
                try registry.setState(id, to: index % 4 == 0 ? .production : .candidate)
            }
        }
        print("set \(stateCount) lifecycle states in \(format(seconds(stateTime), 1)) s")
    }

    if fsckOnly {
        // fsck without re-hashing (quick depth): streaming, read-only, no lock. Two runs: cold-ish and warm.
        for run in 1...2 {
            _ = resetPeakRSS()
            let (integrity, fsckTime) = try timed { try registry.fsck() }
            print(
                "fsck run \(run): \(integrity.artifactCount) artifacts, \(integrity.eventCount) events, "
                    + "\(integrity.findings.count) findings in \(format(seconds(fsckTime), 2)) s, "
                    + "peak RSS \(format(peakRSS(), 0)) MiB")
            for finding in integrity.findings.prefix(3) { print("  \(finding)") }
        }
        finish(0)
    }
    if rebuildOnly {
        // The scan alone (shared by both backends: every manifest and the log, held in memory), then rebuilds.
        _ = resetPeakRSS()
        let (scan, scanTime) = try timed { try registry.index.scan() }
        print(
            "scan: \(scan.contents.summaries.count) summaries in \(format(seconds(scanTime), 2)) s, "
                + "peak RSS \(format(peakRSS(), 0)) MiB")
        for _ in 0..<2 {
            _ = resetPeakRSS()  // the planned ids of the generator are not the rebuild's
            let (_, rebuildTime) = try timed { try registry.rebuildIndexes() }
            print("rebuild: \(format(seconds(rebuildTime), 2)) s, peak RSS \(format(peakRSS(), 0)) MiB")
        }
        finish(0)
    }
    if stateSetOnly {
        try compareStateSets(registry, ids)
        finish(0)
    }
    if compactionWrites {
        registry.releaseIndex()
        try compareWritesDuringCompaction(root, ids)
        finish(0)
    }
    if loadOnly {
        for _ in 0..<3 {
            let reader = IndexBackendOption.freshReader(registry, backend)
            let (_, loadTime) = try timed { try reader.mostRecent(1) }
            print("cold load: \(format(milliseconds(loadTime), 2)) ms, peak RSS \(format(peakRSS(), 0)) MiB")
        }
        finish(0)
    }

    // 3. Full rebuild.
    let resetWorked = resetPeakRSS()
    let rssBefore = currentRSS()
    let (report, rebuildTime) = try timed { try registry.rebuildIndexes() }
    let rebuildPeak = peakRSS()
    var indexBytes: Int64 = 0
    for name in try FileManager.default.contentsOfDirectory(atPath: registry.layout.indexesPath) {
        let attributes = try FileManager.default.attributesOfItem(atPath: registry.layout.indexesPath + "/" + name)
        indexBytes += (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }
    print(
        "rebuild: \(report.summaryCount) summaries, \(report.findings.count) findings, stamp \(report.stamp), "
            + "\(indexBytes / 1_048_576) MiB of index files, "
            + "\(report.stamp.artifactCount > 0 ? indexBytes / Int64(report.stamp.artifactCount) : 0) bytes per artifact"
    )

    // 4. Cold load into a fresh reader.
    _ = resetPeakRSS()
    let reader = IndexBackendOption.freshReader(registry, backend)
    let (_, loadTime) = try timed { try reader.mostRecent(1) }
    let loadPeak = peakRSS()
    // A cold `find --capability … --limit 5` in another fresh reader (what a new process's query pays).
    let finder = IndexBackendOption.freshReader(registry, backend)
    let (_, coldFindTime) = try timed { try finder.summaries(withCapability: "capability-7", limit: 5) }

    // 5. Queries on the registry's (loaded) index.
    let index = registry.index
    _ = try index.mostRecent(1)
    let state = try index.summaries(inState: .production, limit: 1)
    let deep = try index.query(IndexQuery(limit: 1)).first?.id ?? ids[ids.count - 1]
    let rootID = ids[0]
    var rows: [Row] = []
    rows.append(try measure("most recent 20", runs: runs) { try index.mostRecent(20).count })
    rows.append(
        try measure("capability (all matches)", runs: runs) {
            try index.summaries(withCapability: "capability-7").count
        })
    rows.append(
        try measure("capability, limit 20", runs: runs) { try index.summaries(withCapability: "ocr", limit: 20).count })
    rows.append(try measure("state (all matches)", runs: runs) { try index.summaries(inState: .production).count })
    rows.append(try measure("text: one word", runs: runs) { try index.search("whisper quantized").count })
    rows.append(try measure("text: prefix, limit 20", runs: runs) { try index.search("distil", limit: 20).count })
    let uniqueName = try index.summary(of: ids[ids.count / 2])?.name ?? "missing"
    rows.append(try measure("text: a unique name", runs: runs) { try index.search(uniqueName).count })
    rows.append(
        try measure("label exact + capability", runs: runs) {
            try index.query(IndexQuery(capabilities: ["capability-3"], labels: ["team": "team-4"])).count
        })
    rows.append(
        try measure("ancestors (transitive)", runs: runs) { try index.lineage(of: deep, direction: .ancestors).count })
    rows.append(
        try measure("descendants (transitive)", runs: runs) {
            try index.lineage(of: rootID, direction: .descendants).count
        })
    rows.append(
        try measure("combined: cap+state+text+limit", runs: runs) {
            try index.query(IndexQuery(capabilities: ["capability-1"], state: .candidate, text: "bert", limit: 10))
                .count
        })
    rows.append(
        try measure("combined: descendants+label", runs: runs) {
            try index.query(IndexQuery(labels: ["framework": "onnx"], descendantsOf: rootID)).count
        })
    rows.append(try measure("summary(of:)", runs: runs) { try index.summary(of: ids[ids.count / 2]) == nil ? 0 : 1 })
    _ = state

    // 6. Incremental update after one registration.
    let bundles = workspace.appendingPathComponent("bundles")
    var updateSamples: [Double] = []
    var registerSamples: [Double] = []
    let firstRun = reusing ? (try registry.listArtifacts().count - ids.count) : 0
    for run in firstRun..<(firstRun + 60) {
        let bundle = bundles.appendingPathComponent("b\(run)")
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        let weights =
            (0..<56).map { UInt8(truncatingIfNeeded: $0 &* run) }
            + withUnsafeBytes(of: UInt64(run).littleEndian, Array.init)
        try Data(weights).write(to: bundle.appendingPathComponent("weights.bin"))
        let metadata = ArtifactMetadata(
            name: "incremental-\(run)", capabilities: ["capability-\(run % 40)"], parents: [ids[run % ids.count]],
            labels: ["team": "team-1"])
        if run % 2 == 0 {
            // The index update alone: publish and record the event without the hook, then time update().
            let registration = try registry.artifacts.register(directory: bundle, metadata: metadata)
            try registry.journal.append(ArtifactRegistered(registration.artifact), actor: "bench")
            let (stored, duration) = try timed { try index.update() }
            precondition(stored, "the update stored nothing")
            updateSamples.append(milliseconds(duration))
        } else {
            let (_, duration) = try timed { try registry.register(directory: bundle, metadata: metadata) }
            registerSamples.append(milliseconds(duration))
        }
    }
    updateSamples.sort()
    registerSamples.sort()
    let status = try registry.index.status()
    let fresh = IndexBackendOption.freshReader(registry, backend)
    let (_, queryAfterUpdates) = try timed { try index.mostRecent(5) }
    guard status.isClean, try fresh.status().isClean,
        try index.mostRecent(1).first?.name == "incremental-\(firstRun + 59)"
    else {
        print("the index is not current after the incremental updates: \(status)")
        finish(1)
    }

    // `state set` through the API with the index current (each call: lock, event, state file, index update).
    let stateSamples = try stateSetMilliseconds(registry, ids)

    // Table.
    print("")
    line("Measurement", "p50 (ms)", "p90 (ms)", "Results")
    print("|---|---:|---:|---:|")
    for row in rows { line(row.name, format(row.p50), format(row.p90), "\(row.results)") }
    line(
        "incremental index update after one registration (update() incl. lock)", format(percentile(updateSamples, 0.5)),
        format(percentile(updateSamples, 0.9)), "\(updateSamples.count) runs")
    line(
        "whole Registry.register of a 64-byte bundle (incl. fsyncs + index update)",
        format(percentile(registerSamples, 0.5)), format(percentile(registerSamples, 0.9)),
        "\(registerSamples.count) runs")
    line(
        "Registry.setState with the index current (incl. fsyncs + index update)", format(percentile(stateSamples, 0.5)),
        format(percentile(stateSamples, 0.9)), "\(stateSamples.count) runs")
    print("")
    line("One-off", "Value")
    print("|---|---:|")
    line("generate \(artifactCount) artifacts (fast path, parallel)", "\(format(seconds(generation), 1)) s")
    line(
        "full rebuild (scan \(report.stamp.artifactCount) manifests + \(report.stamp.auditSequence) audit events, "
            + "write \(IndexBackendOption.storedName(backend)))", "\(format(seconds(rebuildTime), 2)) s")
    line(
        "peak RSS during rebuild (VmHWM\(resetWorked ? ", reset just before" : ", whole process")); RSS before",
        "\(format(rebuildPeak, 0)) MiB; \(format(rssBefore, 0)) MiB")
    line("index files on disk", "\(indexBytes / 1_048_576) MiB")
    line(
        "fresh library reader's first query (maps index.bin, or opens the database)",
        "\(format(milliseconds(loadTime), 2)) ms")
    line(
        "peak RSS after the cold load (VmHWM\(resetWorked ? ", reset just before" : ""))", "\(format(loadPeak, 0)) MiB")
    line("cold `capability-7`, limit 5, in another fresh reader", "\(format(milliseconds(coldFindTime))) ms")
    line(
        "first query after 60 registrations (reads the appended update lines)",
        "\(format(milliseconds(queryAfterUpdates))) ms")

    // 7. Cold processes (#15): a fresh `modelreg` per question, as a harness script calls it.
    if let cliPath {
        let lineageID = try index.query(IndexQuery(limit: 1)).first?.id.description ?? ids[0].description
        let commands: [(String, [String])] = [
            ("modelreg --version (process start, the floor)", ["--version"]),
            (
                "modelreg find --capability capability-7 --limit 5",
                ["find", "--capability", "capability-7", "--limit", "5"]
            ),
            ("modelreg ls --limit 20", ["ls", "--limit", "20"]),
            ("modelreg lineage <newest>", ["lineage", lineageID]),
            (
                "modelreg find --text whisper --state production --limit 5",
                [
                    "find", "--text", "whisper", "--state", "production", "--limit", "5",
                ]
            ),
        ]
        print("")
        line("Cold process (new process each run, 10 runs)", "p50 (ms)", "max (ms)", "peak RSS max (MiB)", "lines")
        print("|---|---:|---:|---:|---:|")
        for (title, arguments) in commands {
            var times: [Double] = []
            var peak = 0.0
            var lines = 0
            for _ in 0..<10 {
                let run = try runCold(
                    cliPath, arguments == ["--version"] ? arguments : ["--registry", root.path] + arguments)
                guard run.exitStatus == 0 else {
                    print("\(title) exited with \(run.exitStatus)")
                    finish(1)
                }
                times.append(run.milliseconds)
                peak = max(peak, run.peakMiB)
                lines = run.outputLines
            }
            times.sort()
            line(title, format(percentile(times, 0.5), 1), format(times.last ?? .nan, 1), format(peak, 1), "\(lines)")
        }
    }

    try compareStateSets(registry, ids)
} catch {
    print("index-bench failed: \(error)")
    finish(1)
}
finish(0)
