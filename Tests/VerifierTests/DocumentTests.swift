import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@Suite struct ContractTests {
    private func contract(_ text: String) throws -> ModelContract {
        try ModelContract(parsing: Array(text.utf8), source: "contract.json")
    }

    @Test func theStandardContractParses() throws {
        let parsed = try contract(BundleFixture.contract())
        #expect(parsed.inputs.first?.shape == [.symbol("batch"), .symbol("sequence")])
        #expect(parsed.outputs.first?.shape == [.symbol("batch"), .fixed(2)])
        #expect(parsed.labels == ["invoice", "receipt"])
    }

    @Test(arguments: [
        (#"{"inputs":[],"outputs":[]}"#, "task"),
        (#"{"task":"t","inputs":[],"outputs":[]}"#, "outputs"),
        (#"{"task":"t","inputs":[],"outputs":[{"name":"y","dtype":"float32","shape":[0]}]}"#, "shape"),
        (#"{"task":"t","inputs":[],"outputs":[{"name":"y","dtype":"float32","shape":[1.5]}]}"#, "shape"),
        (#"{"task":"t","inputs":[],"outputs":[{"name":"y","dtype":"complex","shape":[1]}]}"#, "dtype"),
        (#"{"task":"t","inputs":[],"outputs":[{"name":"y","dtype":"float32","shape":"1"}]}"#, "shape"),
        (#"{"task":"t","inputs":[],"outputs":[{"name":"y","dtype":"float32"}]}"#, "shape"),
        (
            #"{"task":"t","inputs":[],"outputs":[{"name":"y","dtype":"float32","shape":[1]}],"labels":["a","a"]}"#,
            "labels"
        ),
        (#"{"task":"t","inputs":[],"outputs":[{"name":"y","dtype":"float32","shape":[1]}],"extra":1}"#, "extra"),
    ])
    func missingOrWronglyTypedFieldsAreNamed(text: String, field: String) throws {
        let error = try #require(throws: RegistryError.self) { try contract(text) }
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains("contract.json") && error.message.contains(field))
    }

    @Test func compatibilityRules() throws {
        let current = try contract(BundleFixture.contract())
        #expect(current.incompatibilities(with: current).isEmpty)
        #expect(
            // any symbol accepts any size
            current.incompatibilities(with: try contract(BundleFixture.contract(inputDimension: "\"tokens\""))).isEmpty)
        let fixed = try contract(BundleFixture.contract(inputDimension: "512"))
        #expect(!current.incompatibilities(with: fixed).isEmpty)  // accepts less than callers send
        #expect(fixed.incompatibilities(with: current).isEmpty)  // a symbol accepts the old fixed size
        var optionalInput = current
        optionalInput.inputs.append(
            .init(name: "attention_mask", dtype: "int32", shape: [.symbol("batch")], isOptional: true))
        #expect(current.incompatibilities(with: optionalInput).isEmpty)
        var requiredInput = current
        requiredInput.inputs.append(.init(name: "attention_mask", dtype: "int32", shape: [.symbol("batch")]))
        #expect(current.incompatibilities(with: requiredInput).first?.contains("new required input") == true)
        var otherTask = current
        otherTask.task = "summarization"
        #expect(current.incompatibilities(with: otherTask).first?.contains("task changes") == true)
    }
}

@Suite struct EvaluationCardTests {
    @Test func theStandardCardParses() throws {
        let card = try EvaluationCard(
            parsing: Array(BundleFixture.evaluationCard(["accuracy": 0.9, "f1": 0.8]).utf8), source: "card")
        #expect(card.metrics == ["accuracy": 0.9, "f1": 0.8] && card.split == "test")
    }

    @Test(arguments: [
        ("NaN", "invalid JSON"), ("Infinity", "invalid JSON"), ("1e400", "invalid JSON"), ("\"0.9\"", "accuracy"),
    ])
    func nonFiniteOrWronglyTypedMetricsAreRefused(value: String, expected: String) throws {
        let text = BundleFixture.evaluationCard(["accuracy": 0.5]).replacingOccurrences(of: "0.5", with: value)
        let error = try #require(throws: RegistryError.self) {
            try EvaluationCard(parsing: Array(text.utf8), source: "evaluation-card.json")
        }
        #expect(error.message.contains("evaluation-card.json") && error.message.contains(expected))
    }

    @Test func aBadDatasetDigestOrTimeIsNamed() throws {
        let badDigest = BundleFixture.evaluationCard(["a": 1]).replacingOccurrences(
            of: "sha256:abab", with: "sha256:ABAB")
        #expect(throws: RegistryError.self) { try EvaluationCard(parsing: Array(badDigest.utf8), source: "c") }
        let badTime = BundleFixture.evaluationCard(["a": 1]).replacingOccurrences(
            of: "2026-11-20T10:00:00.000Z", with: "yesterday")
        let error = try #require(throws: RegistryError.self) {
            try EvaluationCard(parsing: Array(badTime.utf8), source: "c")
        }
        #expect(error.message.contains("evaluatedAt"))
    }
}
