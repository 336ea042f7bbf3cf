import ModelRegistry

/// A deterministic, insecure signer for tests: the "signature" is SHA-256(secret ‖ message).
///
/// It satisfies the `Signer` and `SignatureVerifier` contracts (stable key id, bad signatures return false), so
/// tests of signature handling do not depend on a real algorithm. Never use it outside tests.
public struct FakeSigner: Signer, SignatureVerifier {
    /// The shared secret.
    public let secret: [UInt8]
    /// `test:<name>`.
    public let keyID: String
    /// `test-sha256`.
    public let algorithm = "test-sha256"

    /// Creates a signer named `name`.
    public init(name: String) {
        self.secret = Array(name.utf8)
        self.keyID = "test:\(name)"
    }

    public func signature(for message: [UInt8]) throws -> Signature {
        Signature(keyID: keyID, algorithm: algorithm, bytes: SHA256Algorithm().hash(secret + message).bytes)
    }

    public func isValidSignature(_ signature: Signature, for message: [UInt8]) -> Bool {
        signature.keyID == keyID && signature.algorithm == algorithm
            && signature.bytes == SHA256Algorithm().hash(secret + message).bytes
    }
}
