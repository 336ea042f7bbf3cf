import Foundation
import ModelRegistry

/// Issue 10: what an automatic checkpoint (`Configuration.checkpointKey`) adds to a promote. Two registries on
/// the same disk, promoted alternately op by op: one without a checkpoint key, one with. Also times the signing
/// alone (building and signing the note), the part the target names (≤ 0.2 ms).
enum CheckpointBenchmark {
    static let name = "promote-checkpoint"

    static func run(_ context: BenchContext) throws {
        let key = try Ed25519PrivateKey.generate()
        let (plain, a1, a2) = try AliasBenchmarks.makeRegistry(context, "plain")
        let (anchored, b1, b2) = try AliasBenchmarks.makeRegistry(context, "anchored")
        let withKey = try Registry.open(
            at: anchored.layout.root, configuration: .init(checkpointKey: key))
        let clock = ContinuousClock()
        var plainSeconds: [Double] = []
        var anchoredSeconds: [Double] = []
        var signSeconds: [Double] = []
        let operations = max(200, context.options.runs * 100)
        for index in 0..<(operations + 20) {
            var start = clock.now
            try plain.promote("champion", to: index % 2 == 0 ? a1 : a2)
            let p = (clock.now - start).seconds
            start = clock.now
            try withKey.promote("champion", to: index % 2 == 0 ? b1 : b2)
            let c = (clock.now - start).seconds
            start = clock.now
            let note = try Checkpoint(
                origin: "modelregistry/hashchain/bench", size: Int64(index + 1),
                headHash: SHA256Algorithm().hash([UInt8(truncatingIfNeeded: index)]), time: "2026-11-27T00:00:00.000Z"
            ).signed(by: key)
            let s = (clock.now - start).seconds
            precondition(!note.note.isEmpty)
            if index >= 20 {
                plainSeconds.append(p)
                anchoredSeconds.append(c)
                signSeconds.append(s)
            }
        }
        let plainP = AliasBenchmarks.percentiles(plainSeconds)
        let anchoredP = AliasBenchmarks.percentiles(anchoredSeconds)
        let signP = AliasBenchmarks.percentiles(signSeconds)
        let line =
            "promote-checkpoint: promote p50 \(Format.duration(plainP.p50)) without a key, "
            + "\(Format.duration(anchoredP.p50)) with checkpointKey (+\(Format.duration(anchoredP.p50 - plainP.p50)), "
            + "ratio \(Format.ratio(anchoredP.p50 / plainP.p50))); signing a checkpoint alone p50 "
            + "\(Format.fixed(signP.p50 * 1e6)) µs, p99 \(Format.fixed(signP.p99 * 1e6)) µs over \(signSeconds.count) "
            + "interleaved ops; target signing ≤ 0.2 ms: " + (signP.p50 <= 0.0002 ? "met" : "MISSED")
        Progress.say(line)
        context.note(line)
    }
}
