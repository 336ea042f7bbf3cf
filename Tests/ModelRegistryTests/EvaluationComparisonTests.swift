import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@Suite("Comparing candidates")
struct EvaluationComparisonTests {
    static func card(accuracy: Double, loss: Double) -> [UInt8] {
        let text =
            #"{"dataset":{"digest":"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef","#
            + #""name":"docs","split":"test"},"evaluatedAt":"2026-11-20T10:00:00.000Z","evaluatedBy":"ci","#
            + #""metrics":{"accuracy":\#(accuracy),"val_loss":\#(loss)}}"#
        return Array(text.utf8)
    }

    @Test("best(by:) names the winning candidate per metric, honouring lower-is-better, and nil without a contest")
    func bestByMetric() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("reg"))
            var ids: [ArtifactID] = []
            for (index, metrics) in [(0.91, 0.30), (0.95, 0.40), (0.93, 0.20)].enumerated() {
                let bundle = try BundleFixture.write(
                    ["w.bin": [UInt8(index)], "evaluation-card.json": Self.card(accuracy: metrics.0, loss: metrics.1)],
                    to: temp.appendingPathComponent("b\(index)"))
                ids.append(
                    try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m")).artifact.id)
            }
            let comparison = try registry.compareEvaluations(ids.map { (label: $0.description, artifact: $0) })
            #expect(comparison.best(by: "accuracy")?.artifact == ids[1])
            #expect(comparison.best(by: "val_loss")?.artifact == ids[2])  // lower is better for a loss
            #expect(comparison.best(by: "f1") == nil)
            // An evaluation record outranks the card: the first candidate is now the most accurate.
            try registry.addEvaluation(.init(evaluator: "h", metrics: ["accuracy": 0.99]), to: ids[0])
            let again = try registry.compareEvaluations(ids.map { (label: $0.description, artifact: $0) })
            #expect(again.best(by: "accuracy")?.artifact == ids[0])
            let single = try registry.compareEvaluations([(label: "only", artifact: ids[0])])
            #expect(single.best(by: "accuracy") == nil)  // one candidate: nothing was compared
        }
    }
}
