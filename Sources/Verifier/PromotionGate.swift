import ArtifactStore
import Foundation
import RegistryCore

/// Checks a proposed alias change against a ``PromotionPolicy`` rule and lists every unmet requirement, each as a
/// typed ``PromotionPolicy/Requirement`` with a plain-words message. An empty list means the change may go ahead.
///
/// Promotions, rollbacks and retirements are gated separately: a rollback or a retirement is an emergency
/// lever, checked only against the rule's ``PromotionPolicy/Rule/rollback`` or ``PromotionPolicy/Rule/retire``
/// requirements, never against the promotion requirements. Revocation is not checked here; the registry
/// refuses a revoked target before it asks the gate.
///
/// ```swift
/// let gate = PromotionGate(verifier: verifier)
/// let unmet = try gate.unmetRequirements(
///     rule: rule, alias: "champion", target: candidate, current: current, approval: "CHG-1")
/// if !unmet.isEmpty {
///     throw PolicyRefusal(action: .promote, alias: "champion", target: candidate, rulePattern: rule.aliases,
///                         unmet: unmet)
/// }
/// ```
///
/// `PromotionGate` is `Sendable`: it holds only an immutable verifier.
public struct PromotionGate: Sendable {
    /// The verifier used for digests and signatures (its trust store decides which keys count).
    public let verifier: ArtifactVerifier

    /// Creates a gate.
    ///
    /// - Parameter verifier: The verifier for digests and signatures; its trust store decides which keys count.
    public init(verifier: ArtifactVerifier) { self.verifier = verifier }

    /// Every promotion requirement of `rule` that pointing `alias` at `target` (from `current`) does not meet.
    ///
    /// - Parameters:
    ///   - rule: The policy rule that matches `alias`.
    ///   - alias: The alias being promoted.
    ///   - target: The artifact it would point at.
    ///   - current: Its current target, if any, for `requireCompatibleContract` and `noRegression`.
    ///   - approval: The approval id given, if any.
    ///   - signedApproval: The signed approval presented, if any; it also satisfies `requireApproval`.
    /// - Returns: Every unmet requirement, in the order they are checked; empty when the promotion may go ahead.
    /// - Throws: only when a check cannot run at all (for example the target artifact disappeared).
    /// - Complexity: re-hashes the target's files whose stamps changed when the rule asks for verified digests or
    ///   signatures; reads `contract.json` and `evaluation-card.json` of the target and the current target.
    public func unmetRequirements(
        rule: PromotionPolicy.Rule, alias: String, target: ArtifactID, current: ArtifactID?, approval: String?,
        signedApproval: SignedApproval? = nil
    ) throws -> [PromotionPolicy.Requirement] {
        var unmet: [PromotionPolicy.Requirement] = []
        let store = verifier.store
        let artifact = try store.artifact(target)

        unmet += approvalProblems(
            requireApproval: rule.requireApproval, requireSignedApproval: rule.requireSignedApproval,
            approverKeys: rule.approverKeys, change: "change '\(alias)'", alias: alias, target: target,
            approval: approval, signedApproval: signedApproval)

        if rule.requireVerifiedDigests || rule.requiredSignatures > 0 {
            // Stamp-based: only files changed since they were last hashed are re-hashed, so a gate run under the
            // writer lock does not re-read gigabytes (the registry warms the stamps before taking the lock).
            let report = try verifier.verifyForLoading(target, checkingSignatures: rule.requiredSignatures > 0)
            let fileProblems = report.findings.filter { $0.kind != .badSignature }
            if rule.requireVerifiedDigests && !fileProblems.isEmpty {
                unmet.append(
                    .init(
                        .verifiedDigests,
                        "the artifact's files do not verify: "
                            + fileProblems.map(\.description).joined(separator: "; ")))
            }
            if rule.requiredSignatures > 0 {
                let counted = report.trustedSigners.filter {
                    rule.trustedKeys.isEmpty || rule.trustedKeys.contains($0)
                }
                if counted.count < rule.requiredSignatures {
                    unmet.append(
                        .init(
                            .signatures,
                            "needs \(rule.requiredSignatures) valid signature(s) from trusted keys, has \(counted.count)"
                                + (counted.isEmpty ? "" : " (\(counted.joined(separator: ", ")))")))
                }
            }
        }

        if rule.requireContract || rule.requireCompatibleContract {
            switch loadContract(artifact) {
            case .failure(let problem):
                unmet.append(problem.requirement)
            case .success(let contract):
                if rule.requireCompatibleContract, let current, let currentArtifact = try? store.artifact(current),
                    case .success(let currentContract) = loadContract(currentArtifact)
                {
                    let problems = currentContract.incompatibilities(with: contract)
                    if !problems.isEmpty {
                        unmet.append(
                            .init(
                                .compatibleContract, subject: current.description,
                                "the contract is not compatible with the current target \(current): "
                                    + problems.joined(separator: "; ")))
                    }
                }
            }
        }

        if rule.requireEvaluationCard || !rule.metrics.isEmpty || !rule.noRegression.isEmpty {
            switch loadCard(artifact) {
            case .failure(let problem):
                unmet.append(problem.requirement)
            case .success(let card):
                unmet += metricProblems(rule.metrics, card: card)
                if !rule.noRegression.isEmpty, let current, let currentArtifact = try? store.artifact(current),
                    case .success(let currentCard) = loadCard(currentArtifact)
                {
                    unmet += regressionProblems(rule.noRegression, from: currentCard, to: card)
                }
            }
        }
        if !rule.evaluationMetrics.isEmpty {
            unmet += try evaluationMetricProblems(rule, target: target)
        }
        return unmet
    }

    /// Every requirement of `rule`'s ``PromotionPolicy/Rule/rollback`` that rolling `alias` back to `target` does
    /// not meet. The rule's promotion requirements do not apply to a rollback; without a `rollback` rule
    /// nothing is required (the registry still refuses a revoked target).
    ///
    /// - Parameters:
    ///   - alias: The alias being rolled back.
    ///   - target: The earlier target it would point at again.
    ///   - rule: The policy rule that matches `alias`.
    ///   - approval: The approval id given, if any.
    ///   - signedApproval: The signed approval presented, if any: it must be for `alias` and `target`, and it
    ///     also satisfies `requireApproval`.
    /// - Returns: Every unmet requirement; empty when the rollback may go ahead.
    /// - Throws: nothing today; declared so that later requirements may read the target.
    public func unmetRequirements(
        forRollbackOf alias: String, to target: ArtifactID, rule: PromotionPolicy.Rule, approval: String?,
        signedApproval: SignedApproval? = nil
    ) throws -> [PromotionPolicy.Requirement] {
        guard let rollback = rule.rollback else { return [] }
        return approvalProblems(
            requireApproval: rollback.requireApproval, requireSignedApproval: rollback.requireSignedApproval,
            approverKeys: rollback.approverKeys, change: "roll back '\(alias)'", alias: alias, target: target,
            approval: approval, signedApproval: signedApproval)
    }

    /// Every requirement of `rule`'s ``PromotionPolicy/Rule/retire`` that retiring `alias` does not meet. The
    /// rule's promotion requirements do not apply; without a `retire` rule nothing is required.
    ///
    /// - Parameters:
    ///   - alias: The alias being retired.
    ///   - rule: The policy rule that matches `alias`.
    ///   - approval: The approval id given, if any.
    /// - Returns: Every unmet requirement; empty when the alias may be retired.
    /// - Throws: nothing today; declared so that later requirements may read the registry.
    public func unmetRequirements(
        forRetiring alias: String, rule: PromotionPolicy.Rule, approval: String?
    ) throws -> [PromotionPolicy.Requirement] {
        guard let retire = rule.retire, retire.requireApproval, (approval ?? "").isEmpty else { return [] }
        return [.init(.approval, "an approval id is required to retire '\(alias)'")]
    }

    /// The approval requirements shared by promotions and rollbacks.
    private func approvalProblems(
        requireApproval: Bool, requireSignedApproval: Bool, approverKeys: [String], change: String, alias: String,
        target: ArtifactID, approval: String?, signedApproval: SignedApproval?
    ) -> [PromotionPolicy.Requirement] {
        var unmet: [PromotionPolicy.Requirement] = []
        if requireApproval && (approval ?? "").isEmpty && signedApproval == nil {
            unmet.append(.init(.approval, "an approval id is required to \(change)"))
        }
        if requireSignedApproval {
            if let signedApproval {
                let problems = signedApproval.problems(
                    alias: alias, target: target, trust: verifier.trust, approverKeys: approverKeys)
                unmet += problems.map { .init(.signedApproval, subject: signedApproval.signature.keyID, $0) }
            } else {
                let text = "a signed approval for '\(alias)' -> \(target) by a trusted approver is required"
                unmet.append(.init(.signedApproval, text))
            }
        }
        return unmet
    }

    /// Metrics missing from the card or outside their bounds, by metric name.
    private func metricProblems(
        _ metrics: [String: PromotionPolicy.Rule.Bounds], card: EvaluationCard
    ) -> [PromotionPolicy.Requirement] {
        var unmet: [PromotionPolicy.Requirement] = []
        for (name, bounds) in metrics.sorted(by: { $0.key < $1.key }) {
            func fail(_ text: String) { unmet.append(.init(.metricBound, subject: name, text)) }
            guard let value = card.metrics[name] else {
                fail("metric '\(name)' is missing from evaluation-card.json")
                continue
            }
            if let minimum = bounds.minimum, value < minimum {
                fail("metric '\(name)' is \(value), below the minimum \(minimum)")
            }
            if let maximum = bounds.maximum, value > maximum {
                fail("metric '\(name)' is \(value), above the maximum \(maximum)")
            }
        }
        return unmet
    }

    /// Metrics that got worse than the current target's by more than their tolerance, by metric name. A metric
    /// the current card lacks is not compared.
    private func regressionProblems(
        _ bounds: [String: PromotionPolicy.Rule.Regression], from currentCard: EvaluationCard, to card: EvaluationCard
    ) -> [PromotionPolicy.Requirement] {
        var unmet: [PromotionPolicy.Requirement] = []
        for (name, bound) in bounds.sorted(by: { $0.key < $1.key }) {
            guard let old = currentCard.metrics[name] else { continue }
            guard let new = card.metrics[name] else {
                unmet.append(
                    .init(
                        .noRegression, subject: name,
                        "metric '\(name)' is missing, so it cannot be compared with the current target"))
                continue
            }
            if bound.isRegression(from: old, to: new) {
                let direction = bound.direction == .lowerIsBetter ? " (lower is better)" : ""
                unmet.append(
                    .init(
                        .noRegression, subject: name,
                        "metric '\(name)' regresses from \(old) to \(new), more than the tolerance \(bound.tolerance)"
                            + direction))
            }
        }
        return unmet
    }

    private func loadContract(_ artifact: Artifact) -> Result<ModelContract, Unmet> {
        let document = Unmet.Document(kind: .contract, path: "contract.json")
        return verifiedBytes(of: document, in: artifact).flatMap { bytes in
            do {
                return .success(try ModelContract(parsing: bytes, source: document.path))
            } catch {
                return .failure(Unmet(document, "contract.json is invalid: \(error)"))
            }
        }
    }

    private func loadCard(_ artifact: Artifact) -> Result<EvaluationCard, Unmet> {
        let document = Unmet.Document(kind: .evaluationCard, path: "evaluation-card.json")
        return verifiedBytes(of: document, in: artifact).flatMap { bytes in
            do {
                return .success(try EvaluationCard(parsing: bytes, source: document.path))
            } catch {
                return .failure(Unmet(document, "evaluation-card.json is invalid: \(error)"))
            }
        }
    }

    /// The bytes of a bundle document, checked against the manifest's size and digest: a policy decision must
    /// never rest on a document that was edited after registration (for example through a hard-linked source).
    private func verifiedBytes(of document: Unmet.Document, in artifact: Artifact) -> Result<[UInt8], Unmet> {
        let path = document.path
        guard let entry = artifact.manifest.entry(at: path), let url = artifact.url(for: path) else {
            return .failure(Unmet(document, "the artifact has no \(path)"))
        }
        let algorithmName = artifact.manifest.hashAlgorithm
        guard let algorithm = verifier.store.knownAlgorithms[algorithmName] else {
            return .failure(
                Unmet(document, "\(path) cannot be checked: hash algorithm '\(algorithmName)' is not available"))
        }
        do {
            let bytes = try FileSystem.readDocument(url.path, limit: 16 << 20)
            guard Int64(bytes.count) == entry.size, algorithm.hash(bytes) == entry.digest else {
                return .failure(
                    Unmet(document, "\(path) does not match the manifest's digest (it changed after registration)"))
            }
            return .success(bytes)
        } catch {
            return .failure(Unmet(document, "\(path) cannot be read: \(error)"))
        }
    }
}

/// An unmet requirement found while loading a document (`contract.json`, `evaluation-card.json`).
private struct Unmet: Error {
    /// The document, and the requirement kind a problem with it is reported as.
    struct Document {
        let kind: PromotionPolicy.Requirement.Kind
        let path: String
    }

    let requirement: PromotionPolicy.Requirement
    init(_ document: Document, _ text: String) {
        requirement = .init(document.kind, subject: document.path, text)
    }
}
