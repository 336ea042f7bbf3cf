// A benchmark harness: evaluate candidates after they were registered, compare them, sign the winner and
// promote it under a policy that requires the release signature and a metric from the trusted evaluator.
//
//   swift run example-benchmark-harness REGISTRY [ID|ALIAS …] [--alias NAME]
//                                        [--evaluator-key PATH] [--release-key PATH]
//
// Without candidates it evaluates every artifact with the `text-classification` capability (the two that
// `modelreg demo` registers). Without key files it generates throwaway evaluator and release keys, so CI can run it
// end to end on a fresh demo registry:
//
//   swift run modelreg demo /tmp/demo && swift run example-benchmark-harness /tmp/demo
import Foundation
import ModelRegistry

/// The harness's options.
struct Options {
    var root = ""
    var candidates: [String] = []
    var alias = "document-classifier-production"
    var evaluatorKeyPath: String?
    var releaseKeyPath: String?

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ option: String) throws -> String {
            guard let next = rest.popFirst() else { throw HarnessError("\(option) needs a value") }
            return next
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--alias": alias = try value(argument)
            case "--evaluator-key": evaluatorKeyPath = try value(argument)
            case "--release-key": releaseKeyPath = try value(argument)
            case _ where argument.hasPrefix("--"): throw HarnessError("unknown option \(argument)")
            case _ where root.isEmpty: root = argument
            default: candidates.append(argument)
            }
        }
        guard !root.isEmpty else { throw HarnessError("missing REGISTRY") }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A stand-in for running the model on a held-out set: a deterministic score computed from the bytes of every
/// file of the artifact (opened for loading, so its files are verified first). A real harness runs inference here.
func evaluate(_ artifact: Artifact) throws -> [String: Double] {
    var hasher = SHA256Algorithm().makeState()
    for entry in artifact.manifest.files {
        guard let url = artifact.url(for: entry.path) else { continue }
        let bytes = try Data(contentsOf: url)
        bytes.withUnsafeBytes { hasher.update($0) }
    }
    let digest = hasher.finalize().bytes
    let accuracy = 0.80 + Double(digest[0]) / 255 * 0.15  // 0.80 … 0.95
    let latency = 20 + Double(digest[1]) / 255 * 10  // 20 … 30 ms
    return [
        "accuracy": (accuracy * 10_000).rounded() / 10_000, "latency_ms": (latency * 100).rounded() / 100,
    ]
}

func loadOrGenerate(_ path: String?) throws -> Ed25519PrivateKey {
    try path.map { try KeyFiles.loadPrivateKey(at: $0) } ?? Ed25519PrivateKey.generate()
}

do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    let evaluatorKey = try loadOrGenerate(options.evaluatorKeyPath)
    let releaseKey = try loadOrGenerate(options.releaseKeyPath)
    let trust = TrustStore(verifiers: [evaluatorKey.publicKey, releaseKey.publicKey])
    let registry = try Registry.open(
        at: URL(fileURLWithPath: options.root),
        configuration: .init(actor: "benchmark-harness", trust: trust))

    // 1. The candidates: as given (ids or aliases), else every text classifier.
    var candidates: [(label: String, artifact: ArtifactID)] = []
    for text in options.candidates {
        candidates.append((text, try registry.artifactID(matching: text)))  // id, prefix, alias or NAME:latest
    }
    if candidates.isEmpty {
        for id in try registry.listArtifacts()
        where try registry.artifact(id).manifest.metadata.capabilities.contains("text-classification") {
            candidates.append((String(id.description.prefix(19)), id))
        }
    }
    guard candidates.count >= 2 else { throw HarnessError("need at least two candidates, found \(candidates.count)") }

    // 2. Evaluate each one and record the result next to it: no new artifact, no copy of the weights.
    for candidate in candidates {
        let metrics = try evaluate(try registry.openForLoading(candidate.artifact))
        let record = try registry.addEvaluation(
            .init(
                evaluator: "benchmark-harness", metrics: metrics,
                dataset: .init(name: "harness-holdout", split: "test"), notes: "deterministic stand-in metric"),
            to: candidate.artifact, signedBy: evaluatorKey)
        let text = metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        print("evaluated \(candidate.label): \(text) (signed by \(evaluatorKey.keyID), \(record.fileName))")
    }

    // 3. Compare them side by side; the best accuracy wins (ties: the first given).
    let comparison = try registry.compareEvaluations(candidates)
    for row in comparison.rows {
        let cells = row.cells.enumerated().map { index, cell in
            (row.best.contains(index) ? "*" : " ") + (cell.map { "\($0.value) (\($0.sourceDescription))" } ?? "-")
        }
        print(row.metric.padding(toLength: 12, withPad: " ", startingAt: 0), cells.joined(separator: "   "))
    }
    guard let accuracy = comparison.rows.first(where: { $0.metric == "accuracy" }),
        let winnerIndex = accuracy.best.first ?? accuracy.cells.firstIndex(where: { $0 != nil })
    else { throw HarnessError("no candidate reports accuracy") }
    let winner = candidates[winnerIndex]
    print("winner: \(winner.label) (\(winner.artifact))")

    // 4. Sign the winner with the release key.
    try registry.sign(winner.artifact, with: releaseKey)

    // 5. The policy: the release signature and a trusted evaluator's accuracy of at least 0.8. The harness's rule
    //    goes first; the registry's other rules stay as they are.
    var rule = PromotionPolicy.Rule(aliases: options.alias)
    rule.requiredSignatures = 1
    rule.trustedKeys = [releaseKey.keyID]
    rule.evaluationMetrics = ["accuracy": .init(minimum: 0.8)]
    rule.trustedEvaluators = [evaluatorKey.keyID]
    var policy = try registry.promotionPolicy()
    policy.rules = [rule] + policy.rules.filter { $0.aliases != options.alias }
    try registry.setPromotionPolicy(policy)

    // 6. A loser carries no release signature: the gate says so before anything is written.
    for loser in candidates where loser.artifact != winner.artifact {
        let unmet = try registry.checkPromotion(options.alias, to: loser.artifact)
        print("\(loser.label) would be refused: \(unmet.map(\.message).joined(separator: "; "))")
    }

    // 7. Promote the winner; the gate checks the signature and the trusted evaluator's metric.
    let update = try registry.promote(options.alias, to: winner.artifact, reason: "best accuracy in the harness")
    print("promoted \(options.alias) -> \(update.record.artifact)")
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
