import Foundation
import ModelRegistry

/// `--compaction-writes` (#15): what a compaction costs the writes around it, with the built-in file index.
///
/// Fills `updates.jsonl` with real state changes (compaction off), then makes the next write cross the threshold
/// with compaction in the background (the library's default) and times every write while the compaction runs,
/// and as many after it has finished; the write that crossed the threshold is among them. Before compaction
/// moved off the write path, that write took the whole compaction (18.8 s at 1,000,000 artifacts).
@MainActor func compareWritesDuringCompaction(_ root: URL, _ ids: [ArtifactID]) throws {
    let layout = try RegistryLayout.open(at: root)
    let updatesPath = layout.indexesPath + "/updates.jsonl"
    var manual = Registry.Configuration(actor: "bench")
    manual.indexCompaction = .manual
    let filler = try Registry.open(at: root, configuration: manual)
    if (try? filler.index.status().isClean) != true { try filler.rebuildIndexes() }
    var random = BenchRandom(seed: 11)
    func flip(_ registry: Registry) throws -> Double {
        let id = ids[random.below(ids.count)]
        let target: LifecycleState = try registry.state(of: id) == .candidate ? .validated : .candidate
        let (event, duration) = try timed { try registry.setState(id, to: target) }
        guard event != nil else { throw BenchFailure("setState(\(id), to: \(target)) changed nothing") }
        return milliseconds(duration)
    }
    let (_, fill) = try timed { for _ in 0..<300 { _ = try flip(filler) } }
    print("filled updates.jsonl with 300 state changes in \(format(seconds(fill), 1)) s")
    filler.releaseIndex()
    let size = (try FileManager.default.attributesOfItem(atPath: updatesPath)[.size] as? NSNumber)?.int64Value ?? 0

    // The next write passes the threshold; compaction runs in the background of it.
    var background = Registry.Configuration(actor: "bench")
    background.indexBackend = Registry.IndexBackendChoice(name: "files-threshold-\(size)") {
        FileIndexBackend(layout: $0, compactionThreshold: size)
    }
    let registry = try Registry.open(at: root, configuration: background)
    _ = try registry.query(IndexQuery(limit: 1))  // load the index, as a running server has
    let rssBefore = currentRSS()
    _ = resetPeakRSS()
    let start = clock.now
    var during: [Double] = []
    let baseInode = {
        (try? FileManager.default.attributesOfItem(atPath: layout.indexesPath + "/index.bin"))?[
            .systemFileNumber] as? NSNumber
    }
    let before = baseInode()
    var when: [(at: Double, milliseconds: Double)] = []
    during.append(try flip(registry))  // starts the compaction before it returns
    // Write until the new base is installed (later rounds fold what was written meanwhile; writing on would keep
    // them due), then wait for the compaction to finish.
    while baseInode() == before {
        let at = seconds(clock.now - start)
        during.append(try flip(registry))
        when.append((at, during[during.count - 1]))
    }
    let installed = clock.now - start
    registry.waitForIndexCompaction()
    let compaction = clock.now - start
    let peak = peakRSS()
    guard let remaining = try? FileManager.default.attributesOfItem(atPath: updatesPath)[.size] as? NSNumber,
        remaining.int64Value < size
    else {
        throw BenchFailure(
            "the compaction did not shrink updates.jsonl (\(updatesPath)): \(during.count) writes, "
                + "last problem: \(registry.index.lastUpdateProblem ?? "none")")
    }
    var after: [Double] = []
    for _ in 0..<max(100, min(during.count, 1000)) { after.append(try flip(registry)) }
    let slowest = when.sorted { $0.milliseconds > $1.milliseconds }.prefix(3)
    during.sort()
    after.sort()
    print("")
    print(
        "compaction in the background: new base installed \(format(seconds(installed), 2)) s and compaction "
            + "finished \(format(seconds(compaction), 2)) s after the write that passed "
            + "\(size) bytes of updates.jsonl; process RSS \(format(rssBefore, 0)) MiB before, peak "
            + "\(format(peak, 0)) MiB; "
            + "updates.jsonl after: \(remaining.int64Value) bytes")
    print(
        "slowest writes while compacting (started at s: ms): "
            + slowest.map { "\(format($0.at, 2)): \(format($0.milliseconds, 0))" }.joined(separator: ", "))
    line("Registry.setState", "writes", "p50 (ms)", "p99 (ms)", "max (ms)")
    print("|---|---:|---:|---:|---:|")
    line(
        "while compacting", "\(during.count)", format(percentile(during, 0.5)), format(percentile(during, 0.99)),
        format(during.last ?? .nan))
    line(
        "after", "\(after.count)", format(percentile(after, 0.5)), format(percentile(after, 0.99)),
        format(after.last ?? .nan))
}
