import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `ArtifactSummary.cardMetrics` and `evaluationMetrics`: kept in the index from the bundle's card and from
/// `evaluation_added` events, the same after incremental updates as after a rebuild.
@Suite struct IndexEvaluationMetricsTests {
    @Test func summariesCarryCardAndEvaluationMetrics() throws {
        try IndexFixture.with { f in
            let card = Array(BundleFixture.evaluationCard(["accuracy": 0.9, "loss": 0.25]).utf8)
            let id = try f.register("scored", extraFiles: ["evaluation-card.json": card])
            let plain = try f.register("plain")
            var summary = try #require(try f.registry.index.summary(of: id))
            #expect(summary.cardMetrics == ["accuracy": 0.9, "loss": 0.25])
            #expect(summary.evaluationMetrics.isEmpty)
            #expect(try f.registry.index.summary(of: plain)?.cardMetrics == [:])

            try f.registry.addEvaluation(.init(evaluator: "h", metrics: ["accuracy": 0.93, "f1": 0.8]), to: id)
            try f.registry.addEvaluation(.init(evaluator: "h", metrics: ["accuracy": 0.95]), to: id)
            let last = try #require(try f.registry.journal.lastEvent()).sequence
            summary = try #require(try f.registry.index.summary(of: id))
            #expect(summary.evaluationMetrics["accuracy"] == .init(value: 0.95, sequence: last))
            #expect(summary.evaluationMetrics["f1"] == .init(value: 0.8, sequence: last - 1))
            #expect(summary.cardMetrics["accuracy"] == 0.9, "the card is part of the artifact and never changes")

            // The update line carries the evaluation; the stored index read afresh and a rebuild agree.
            let updates = String(decoding: try #require(try f.indexBytes()["updates.jsonl"]), as: UTF8.self)
            #expect(updates.contains(#""evaluations":[{"artifact":"\#(id)","metrics":{"accuracy":0.95}"#))
            #expect(try f.freshIndex().summary(of: id) == summary)
            let incremental = try f.registry.index.contents()
            try f.registry.rebuildIndexes()
            #expect(try f.registry.index.contents() == incremental)
            let rebuilt = try #require(try f.freshIndex().summary(of: id))
            #expect(rebuilt.cardMetrics == ["accuracy": 0.9, "loss": 0.25])
            #expect(rebuilt.evaluationMetrics["accuracy"] == .init(value: 0.95, sequence: last))
            #expect(try f.freshIndex().status().isClean)
        }
    }

    @Test func anEditedMetricInTheIndexIsCaught() throws {
        try IndexFixture.with { f in
            let id = try f.register("scored")
            try f.registry.addEvaluation(.init(evaluator: "h", metrics: ["accuracy": 0.93]), to: id)
            try f.registry.rebuildIndexes()
            // The value's eight bytes, little-endian, somewhere in index.bin: change one of them.
            var bytes = Array(try #require(try f.indexBytes()["index.bin"]))
            let pattern = withUnsafeBytes(of: (0.93).bitPattern.littleEndian, Array.init)
            let at = try #require(
                (0...(bytes.count - 8)).first { bytes[$0..<($0 + 8)].elementsEqual(pattern) })
            bytes[at] ^= 0x01
            try f.write(bytes, to: "index.bin")
            #expect(!(try f.freshIndex().status().isClean))
        }
    }
}
