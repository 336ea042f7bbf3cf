import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `modelreg evaluate`, `evaluations` and `compare` through the real binary.
@Suite struct EvaluationCLITests {
    struct Fixture {
        let registry: String
        let trust: String
        let key: String
        let first: ArtifactID
        let second: ArtifactID

        func run(_ arguments: [String]) throws -> CLIRunner.Outcome {
            try CLIRunner.run(arguments + ["--registry", registry, "--trust", trust])
        }
    }

    /// Two registered models (cards: accuracy 0.9 / 0.8, loss 0.3 / 0.2), `first` promoted to `champion`, and
    /// a trusted evaluator key.
    private func withFixture(_ body: (Fixture) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("reg")
            let trust = temp.appendingPathComponent("trust")
            try FileManager.default.createDirectory(at: trust, withIntermediateDirectories: true)
            let (first, second) = try {
                let registry = try Registry.create(at: root)
                let first = try BundleFixture.registerModel(
                    "first", in: registry, under: temp,
                    card: BundleFixture.evaluationCard(["accuracy": 0.9, "loss": 0.3]))
                let second = try BundleFixture.registerModel(
                    "second", in: registry, under: temp,
                    card: BundleFixture.evaluationCard(["accuracy": 0.8, "loss": 0.2]))
                try registry.promote("champion", to: first)
                return (first, second)
            }()
            let key = temp.appendingPathComponent("evaluator").path
            #expect(try CLIRunner.run(["keygen", key]).status == 0)
            #expect(try CLIRunner.run(["trust", "add", key + ".pub", "--trust", trust.path]).status == 0)
            try body(Fixture(registry: root.path, trust: trust.path, key: key, first: first, second: second))
        }
    }

    @Test func evaluateAttachesASignedRecordAndEvaluationsListsIt() throws {
        try withFixture { f in
            let added = try f.run([
                "evaluate", "champion", "--metric", "accuracy=0.95", "--metric", "f1=0.9", "--key", f.key,
                "--evaluator", "harness", "--dataset", "docs", "--split", "test", "--at", "2026-11-27T08:00:00.000Z",
            ])
            #expect(added.status == 0, "\(added.stderr)")
            #expect(added.stdout.contains("evaluated \(f.first) signed by ed25519:"))
            let listed = try f.run(["evaluations", f.first.description])
            #expect(listed.status == 0)
            #expect(listed.stdout.contains("2026-11-27T08:00:00.000Z  trusted ed25519:"))
            #expect(listed.stdout.contains("harness  docs/test  accuracy=0.95 f1=0.9"))
            let json = try f.run(["evaluations", "champion", "--json"])
            let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let first = (parsed?["evaluations"] as? [[String: Any]])?.first
            #expect(parsed?["artifact"] as? String == f.first.description)
            #expect(first?["status"] as? String == "trusted")
            let record = first?["record"] as? [String: Any]
            #expect((record?["metrics"] as? [String: Double])?["accuracy"] == 0.95)
            // Without the trust directory the same record is signed by an unknown key.
            let untrusted = try CLIRunner.run(["evaluations", "champion", "--registry", f.registry])
            #expect(untrusted.stdout.contains("untrusted-key ed25519:"))
        }
    }

    @Test func badMetricsAreUsageErrors() throws {
        try withFixture { f in
            #expect(try f.run(["evaluate", "champion"]).status == 64)
            #expect(try f.run(["evaluate", "champion", "--metric", "accuracy"]).status == 64)
            #expect(try f.run(["evaluate", "champion", "--metric", "a=nan"]).status == 64)
            #expect(try f.run(["evaluate", "champion", "--metric", "a=1", "--metric", "a=2"]).status == 64)
            #expect(try f.run(["evaluate", "champion", "--metric", "a=1", "--split", "test"]).status == 64)
            let unknown = try f.run(["evaluate", "nobody", "--metric", "a=1"])
            #expect(unknown.status == 1 && unknown.stderr.contains("nobody"))
        }
    }

    @Test func compareMarksTheBestPerMetricInEitherDirection() throws {
        try withFixture { f in
            _ = try f.run(["evaluate", f.second.description, "--metric", "accuracy=0.97", "--key", f.key])
            let table = try f.run(["compare", "champion", f.second.description])
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines[0].hasPrefix("[1] champion  \(f.first)  (card, 0 evaluation(s))"))
            #expect(lines[1].hasPrefix("[2] \(f.second)  (card, 1 evaluation(s))"))
            let accuracy = try #require(lines.first { $0.hasPrefix("accuracy") })
            #expect(accuracy.contains(" 0.9 (card)") && accuracy.contains("*0.97 (eval:trusted)"))
            let loss = try #require(lines.first { $0.hasPrefix("loss") })
            #expect(loss.contains("lower") && loss.contains(" 0.3 (card)") && loss.contains("*0.2 (card)"))

            let flipped = try f.run(["compare", "champion", f.second.description, "--higher-is-better", "loss"])
            let flippedLoss = try #require(flipped.stdout.split(separator: "\n").first { $0.hasPrefix("loss") })
            #expect(flippedLoss.contains("*0.3 (card)") && flippedLoss.contains(" 0.2 (card)"))

            let json = try f.run(["compare", "champion", f.second.description, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let metrics = try #require(object["metrics"] as? [[String: Any]])
            let accuracyRow = try #require(metrics.first { $0["name"] as? String == "accuracy" })
            #expect(accuracyRow["best"] as? [Int] == [1])
            #expect(accuracyRow["better"] as? String == "higher")
            let values = try #require(accuracyRow["values"] as? [[String: Any]])
            #expect(values[0]["source"] as? String == "card" && values[1]["status"] as? String == "trusted")
            let lossRow = try #require(metrics.first { $0["name"] as? String == "loss" })
            #expect(lossRow["best"] as? [Int] == [1] && lossRow["better"] as? String == "lower")
            #expect(
                try f.run(["compare", "champion", "--lower-is-better", "a", "--higher-is-better", "a"]).status == 64)
        }
    }

    @Test func lowerIsBetterIsDecidedByTheWordsOfTheName() {
        for name in ["loss", "val_loss", "WER", "latency_ms", "perplexity", "error-rate"] {
            #expect(EvaluationComparison.isLowerBetter(name), "\(name)")
        }
        for name in ["accuracy", "f1", "macro_f1", "bleu", "power"] {
            #expect(!EvaluationComparison.isLowerBetter(name), "\(name)")
        }
    }
}
