import Foundation
import RegistryCore

/// The keys a host trusts to sign artifacts. Lives outside the registry's write path: the registry never writes
/// it; the host builds it from keys it passes in or from a directory it controls.
public struct TrustStore: Sendable {
    /// Trusted verifiers by key id.
    public private(set) var verifiers: [String: any SignatureVerifier]

    /// Creates a trust store from verifiers the host holds (for example keys from a KMS).
    public init(verifiers: [any SignatureVerifier] = []) {
        var table: [String: any SignatureVerifier] = [:]
        for verifier in verifiers { table[verifier.keyID] = verifier }
        self.verifiers = table
    }

    /// Adds a verifier.
    public mutating func add(_ verifier: any SignatureVerifier) {
        verifiers[verifier.keyID] = verifier
    }

    /// The trusted key ids, sorted.
    public var keyIDs: [String] { verifiers.keys.sorted() }

    /// Whether `signature` is valid for `message` under a trusted key with the signature's key id.
    public func isTrustedSignature(_ signature: Signature, for message: [UInt8]) -> Bool {
        guard let verifier = verifiers[signature.keyID] else { return false }
        return verifier.isValidSignature(signature, for: message)
    }
}
