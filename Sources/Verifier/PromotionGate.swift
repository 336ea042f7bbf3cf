import ArtifactStore
import Foundation
import RegistryCore

/// Checks a proposed promotion against a ``PromotionPolicy`` rule and lists every unmet requirement in plain
/// words. An empty list means the promotion may go ahead.
public struct PromotionGate: Sendable {
    /// The verifier used for digests and signatures (its trust store decides which keys count).
    public let verifier: ArtifactVerifier

    /// Creates a gate.
    public init(verifier: ArtifactVerifier) { self.verifier = verifier }

    /// Every requirement of `rule` that promoting `alias` from `current` to `target` does not meet.
    ///
    /// - Throws: only when a check cannot run at all (for example the target artifact disappeared).
    public func unmetRequirements(
        rule: PromotionPolicy.Rule, alias: String, target: ArtifactID, current: ArtifactID?, approval: String?,
        signedApproval: SignedApproval? = nil
    ) throws -> [String] {
        var unmet: [String] = []
        let store = verifier.store
        let artifact = try store.artifact(target)

        if rule.requireApproval && (approval ?? "").isEmpty && signedApproval == nil {
            unmet.append("an approval id is required to change '\(alias)'")
        }
        if rule.requireSignedApproval {
            if let signedApproval {
                unmet += signedApproval.problems(alias: alias, target: target, trust: verifier.trust, approverKeys: rule.approverKeys)
            } else {
                unmet.append("a signed approval for '\(alias)' -> \(target) by a trusted approver is required")
            }
        }

        if rule.requireVerifiedDigests || rule.requiredSignatures > 0 {
            // Stamp-based: only files changed since they were last hashed are re-hashed, so a gate run under the
            // writer lock does not re-read gigabytes (the registry warms the stamps before taking the lock).
            let report = try verifier.verifyForLoading(target, checkingSignatures: rule.requiredSignatures > 0)
            let fileProblems = report.findings.filter { $0.kind != .badSignature }
            if rule.requireVerifiedDigests && !fileProblems.isEmpty {
                unmet.append("the artifact's files do not verify: " + fileProblems.map(\.description).joined(separator: "; "))
            }
            if rule.requiredSignatures > 0 {
                let counted = report.trustedSigners.filter { rule.trustedKeys.isEmpty || rule.trustedKeys.contains($0) }
                if counted.count < rule.requiredSignatures {
                    unmet.append(
                        "needs \(rule.requiredSignatures) valid signature(s) from trusted keys, has \(counted.count)"
                            + (counted.isEmpty ? "" : " (\(counted.joined(separator: ", ")))"))
                }
            }
        }

        if rule.requireContract || rule.requireCompatibleContract {
            switch loadContract(artifact) {
            case .failure(let problem):
                unmet.append(problem.text)
            case .success(let contract):
                if rule.requireCompatibleContract, let current, let currentArtifact = try? store.artifact(current),
                    case .success(let currentContract) = loadContract(currentArtifact)
                {
                    let problems = currentContract.incompatibilities(with: contract)
                    if !problems.isEmpty {
                        unmet.append("the contract is not compatible with the current target \(current): " + problems.joined(separator: "; "))
                    }
                }
            }
        }

        if rule.requireEvaluationCard || !rule.metrics.isEmpty || !rule.noRegression.isEmpty {
            switch loadCard(artifact) {
            case .failure(let problem):
                unmet.append(problem.text)
            case .success(let card):
                for (name, bounds) in rule.metrics.sorted(by: { $0.key < $1.key }) {
                    guard let value = card.metrics[name] else {
                        unmet.append("metric '\(name)' is missing from evaluation-card.json")
                        continue
                    }
                    if let minimum = bounds.minimum, value < minimum { unmet.append("metric '\(name)' is \(value), below the minimum \(minimum)") }
                    if let maximum = bounds.maximum, value > maximum { unmet.append("metric '\(name)' is \(value), above the maximum \(maximum)") }
                }
                if !rule.noRegression.isEmpty, let current, let currentArtifact = try? store.artifact(current),
                    case .success(let currentCard) = loadCard(currentArtifact)
                {
                    for (name, tolerance) in rule.noRegression.sorted(by: { $0.key < $1.key }) {
                        guard let old = currentCard.metrics[name] else { continue }
                        guard let new = card.metrics[name] else {
                            unmet.append("metric '\(name)' is missing, so it cannot be compared with the current target")
                            continue
                        }
                        if new < old - tolerance {
                            unmet.append("metric '\(name)' regresses from \(old) to \(new), more than the tolerance \(tolerance)")
                        }
                    }
                }
            }
        }
        return unmet
    }

    private func loadContract(_ artifact: Artifact) -> Result<ModelContract, Unmet> {
        verifiedBytes(of: "contract.json", in: artifact).flatMap { bytes in
            do {
                return .success(try ModelContract(parsing: bytes, source: "contract.json"))
            } catch {
                return .failure(Unmet("contract.json is invalid: \(error)"))
            }
        }
    }

    private func loadCard(_ artifact: Artifact) -> Result<EvaluationCard, Unmet> {
        verifiedBytes(of: "evaluation-card.json", in: artifact).flatMap { bytes in
            do {
                return .success(try EvaluationCard(parsing: bytes, source: "evaluation-card.json"))
            } catch {
                return .failure(Unmet("evaluation-card.json is invalid: \(error)"))
            }
        }
    }

    /// The bytes of a bundle document, checked against the manifest's size and digest: a policy decision must never
    /// rest on a document that was edited after registration (for example through a hard-linked source).
    private func verifiedBytes(of path: String, in artifact: Artifact) -> Result<[UInt8], Unmet> {
        guard let entry = artifact.manifest.entry(at: path), let url = artifact.url(for: path) else {
            return .failure(Unmet("the artifact has no \(path)"))
        }
        guard let algorithm = verifier.store.knownAlgorithms[artifact.manifest.hashAlgorithm] else {
            return .failure(Unmet("\(path) cannot be checked: hash algorithm '\(artifact.manifest.hashAlgorithm)' is not available"))
        }
        do {
            let bytes = try FileSystem.readDocument(url.path, limit: 16 << 20)
            guard Int64(bytes.count) == entry.size, algorithm.hash(bytes) == entry.digest else {
                return .failure(Unmet("\(path) does not match the manifest's digest (it changed after registration)"))
            }
            return .success(bytes)
        } catch {
            return .failure(Unmet("\(path) cannot be read: \(error)"))
        }
    }
}

/// An unmet requirement found while loading a document, in plain words.
private struct Unmet: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
