import ArtifactStore
import RegistryCore

extension PromotionGate {
    /// The `evaluationMetrics` of `rule` that no counted evaluation record of `target` meets, by metric name.
    ///
    /// A record counts when its signature verifies under a trusted key (``ArtifactVerifier/trust``) that is one of
    /// `trustedEvaluators` (any trusted key when that is empty). For each metric the newest counted record that
    /// reports it decides (by `evaluatedAt`, then file name).
    ///
    /// - Throws: I/O errors listing the target's `evaluations/` directory.
    func evaluationMetricProblems(
        _ rule: PromotionPolicy.Rule, target: ArtifactID
    ) throws -> [PromotionPolicy.Requirement] {
        let store = FileEvaluationStore(layout: verifier.store.layout)
        let checked = try store.records(of: target).map { CheckedEvaluation($0, trust: verifier.trust) }
        let counted = checked.filter { evaluation in
            evaluation.status == .trusted
                && (rule.trustedEvaluators.isEmpty || rule.trustedEvaluators.contains(evaluation.signerKeyID ?? ""))
        }
        var unmet: [PromotionPolicy.Requirement] = []
        for (name, bounds) in rule.evaluationMetrics.sorted(by: { $0.key < $1.key }) {
            func fail(_ text: String) { unmet.append(.init(.evaluationMetric, subject: name, text)) }
            guard let newest = counted.last(where: { $0.record.metrics[name] != nil }),
                let value = newest.record.metrics[name]
            else {
                fail(
                    "no evaluation by a trusted evaluator reports metric '\(name)'"
                        + Self.ignored(checked, name))
                continue
            }
            let source = "evaluations/\(target)/\(newest.record.fileName) by \(newest.signerKeyID ?? "?")"
            if let minimum = bounds.minimum, value < minimum {
                fail("evaluation metric '\(name)' is \(value), below the minimum \(minimum) (\(source))")
            }
            if let maximum = bounds.maximum, value > maximum {
                fail("evaluation metric '\(name)' is \(value), above the maximum \(maximum) (\(source))")
            }
        }
        return unmet
    }

    /// What was found instead, for the refusal: `(found: 1 unsigned, 1 untrusted-key ed25519:…)`.
    private static func ignored(_ checked: [CheckedEvaluation], _ name: String) -> String {
        let reporting = checked.filter { $0.record.metrics[name] != nil }
        guard !reporting.isEmpty else { return " (no evaluation record reports it)" }
        let found = reporting.map { evaluation in
            guard let key = evaluation.signerKeyID else { return "\(evaluation.status)" }
            // Trusted, yet not counted: the rule lists other evaluators.
            return evaluation.status == .trusted ? "\(key) (not in trustedEvaluators)" : "\(evaluation.status) \(key)"
        }
        return " (found, not counted: " + found.joined(separator: ", ") + ")"
    }
}
