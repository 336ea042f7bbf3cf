import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `evaluationMetrics` and `trustedEvaluators`: promotion requires metrics from evaluation records signed by
/// trusted evaluator keys.
@Suite struct EvaluationPolicyTests {
    static let evaluator = FakeSigner(name: "evaluator")
    static let otherTrusted = FakeSigner(name: "other")
    static let stranger = FakeSigner(name: "stranger")

    private static var rule: PromotionPolicy.Rule {
        var rule = PromotionPolicy.Rule(aliases: "champion")
        rule.evaluationMetrics = ["accuracy": .init(minimum: 0.9), "latency_ms": .init(maximum: 30)]
        rule.trustedEvaluators = [evaluator.keyID]
        return rule
    }

    private func withCandidate(_ body: (Registry, ArtifactID) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let trust = TrustStore(verifiers: [Self.evaluator, Self.otherTrusted])
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: .init(trust: trust))
            try registry.setPromotionPolicy(PromotionPolicy(rules: [Self.rule]))
            try body(registry, try BundleFixture.registerModel("candidate", in: registry, under: temp))
        }
    }

    private func evaluate(
        _ registry: Registry, _ id: ArtifactID, _ metrics: [String: Double], at hour: Int,
        by signer: FakeSigner?
    ) throws {
        let draft = EvaluationRecord.Draft(
            evaluator: "harness", metrics: metrics, evaluatedAt: "2026-11-27T\(hour < 10 ? "0" : "")\(hour):00:00.000Z")
        try registry.addEvaluation(draft, to: id, signedBy: signer)
    }

    @Test func thePolicyFileRoundTripsTheNewFields() throws {
        let policy = PromotionPolicy(rules: [Self.rule])
        let text = String(decoding: policy.fileBytes(), as: UTF8.self)
        #expect(text.contains(#""evaluationMetrics":{"accuracy":{"minimum":0.9},"latency_ms":{"maximum":30}}"#))
        #expect(text.contains(#""trustedEvaluators":["test:evaluator"]"#))
        #expect(try PromotionPolicy(parsing: policy.fileBytes(), source: "policy.json") == policy)
        let bad = Array(#"{"rules":[{"aliases":"a","evaluationMetrics":{"acc":{"min":1}}}],"schemaVersion":1}"#.utf8)
        #expect(throws: RegistryError.self) { try PromotionPolicy(parsing: bad, source: "policy.json") }
    }

    @Test func aTrustedEvaluatorsMetricsWithinBoundsAllowThePromotion() throws {
        try withCandidate { registry, id in
            try evaluate(registry, id, ["accuracy": 0.95, "latency_ms": 22], at: 8, by: Self.evaluator)
            #expect(try registry.checkPromotion("champion", to: id).isEmpty)
            try registry.promote("champion", to: id)
            #expect(try registry.resolve("champion").artifact == id)
        }
    }

    @Test func unsignedUntrustedAndUnlistedRecordsNeverCount() throws {
        try withCandidate { registry, id in
            try evaluate(registry, id, ["accuracy": 0.99, "latency_ms": 1], at: 8, by: nil)
            try evaluate(registry, id, ["accuracy": 0.99, "latency_ms": 1], at: 9, by: Self.stranger)
            try evaluate(registry, id, ["accuracy": 0.99, "latency_ms": 1], at: 10, by: Self.otherTrusted)
            let unmet = try registry.checkPromotion("champion", to: id)
            #expect(unmet.map(\.kind) == [.evaluationMetric, .evaluationMetric])
            #expect(unmet.map(\.subject) == ["accuracy", "latency_ms"])
            let message = try #require(unmet.first?.message)
            #expect(message.contains("no evaluation by a trusted evaluator reports metric 'accuracy'"))
            #expect(message.contains("unsigned") && message.contains("untrusted-key test:stranger"))
            #expect(message.contains("test:other (not in trustedEvaluators)"))
        }
    }

    @Test func theNewestTrustedRecordDecidesAndARefusalNamesAliasMetricAndValue() throws {
        try withCandidate { registry, id in
            try evaluate(registry, id, ["accuracy": 0.95, "latency_ms": 20], at: 8, by: Self.evaluator)
            try evaluate(registry, id, ["accuracy": 0.85], at: 9, by: Self.evaluator)
            do {
                try registry.promote("champion", to: id)
                Issue.record("promoted with accuracy 0.85")
            } catch let error as RegistryError {
                #expect(error.code == .policyRefused)
                let refusal = try #require(error.underlying as? PolicyRefusal)
                #expect(refusal.alias == "champion")
                #expect(refusal.unmet.map(\.subject) == ["accuracy"], "latency_ms comes from the older record")
                #expect(error.message.contains("'champion'"))
                #expect(error.message.contains("evaluation metric 'accuracy' is 0.85, below the minimum 0.9"))
            }
            #expect(throws: RegistryError.self) { try registry.resolve("champion") }
        }
    }
}
