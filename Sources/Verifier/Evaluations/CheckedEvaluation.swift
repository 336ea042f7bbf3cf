import RegistryCore

/// An evaluation record together with what its signature is worth under a trust store.
///
/// `Registry.evaluations(of:)` returns these, so a harness or the CLI shows which metrics come from an evaluator
/// the host trusts, and the promotion gate counts only ``Status/trusted`` records toward `evaluationMetrics`.
///
/// `CheckedEvaluation` is a `Sendable` value.
public struct CheckedEvaluation: Hashable, Sendable {
    /// What a record's signature proves.
    public enum Status: String, Hashable, Sendable, CustomStringConvertible {
        /// The record carries no signature: its evaluator name is only a claim.
        case unsigned
        /// A valid signature by a trusted key.
        case trusted
        /// Signed by a key the trust store does not hold.
        case untrustedKey = "untrusted-key"
        /// Signed by a trusted key, but the signature does not verify: the record was changed after signing.
        case invalid

        /// The status as the CLI and `--json` output spell it (`unsigned`, `trusted`, `untrusted-key`, `invalid`).
        public var description: String { rawValue }
    }

    /// The record.
    public var record: EvaluationRecord
    /// What its signature proves.
    public var status: Status

    /// The key that signed it, if any (whether or not it is trusted).
    public var signerKeyID: String? { record.signature?.keyID }

    /// Checks `record`'s signature against `trust`.
    ///
    /// - Parameters:
    ///   - record: The evaluation record.
    ///   - trust: The keys the host trusts.
    public init(_ record: EvaluationRecord, trust: TrustStore) {
        self.record = record
        if let signature = record.signature {
            if trust.verifiers[signature.keyID] == nil {
                status = .untrustedKey
            } else {
                status = trust.isTrustedSignature(signature, for: record.signedBytes()) ? .trusted : .invalid
            }
        } else {
            status = .unsigned
        }
    }
}
