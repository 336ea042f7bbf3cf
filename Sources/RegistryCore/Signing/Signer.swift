/// A detached signature: who signed (key id), with which algorithm, and the signature bytes.
///
/// `description` never prints the bytes.
public struct Signature: Hashable, Sendable, CustomStringConvertible {
    /// The signing key's id, derived from its public key.
    public var keyID: String
    /// The algorithm name, for example `ed25519`.
    public var algorithm: String
    /// The raw signature bytes.
    public var bytes: [UInt8]

    /// Creates a signature value.
    public init(keyID: String, algorithm: String, bytes: [UInt8]) {
        self.keyID = keyID
        self.algorithm = algorithm
        self.bytes = bytes
    }

    public var description: String { "Signature(\(algorithm), key \(keyID), \(bytes.count) bytes)" }
}

/// Something that can sign: a key in memory, a KMS, an HSM or a Sigstore-style service.
///
/// Method names follow swift-crypto, so a CryptoKit key adapts in a few lines.
///
/// ## Contract for implementers
/// - ``keyID`` is stable for the key and derived from its public key, never chosen freely.
/// - ``signature(for:)`` signs exactly the bytes given. Registries always pass canonical JSON bytes, never a
///   Swift value, so the signed message is reproducible by any language.
/// - Secret material never appears in `description` or in thrown errors.
public protocol Signer: Sendable {
    /// The id of the key that signs.
    var keyID: String { get }
    /// The algorithm name written into signature files, for example `ed25519`.
    var algorithm: String { get }
    /// Signs `message`.
    /// - Throws: when the key or signing service is unavailable.
    func signature(for message: [UInt8]) throws -> Signature
}

/// Something that can check signatures made by one key.
///
/// ## Contract for implementers
/// - A bad signature returns `false`; it never throws.
/// - A signature whose ``Signature/keyID`` or ``Signature/algorithm`` does not match this verifier is invalid.
public protocol SignatureVerifier: Sendable {
    /// The id of the key this verifier checks.
    var keyID: String { get }
    /// Whether `signature` is a valid signature of `message` by this verifier's key.
    func isValidSignature(_ signature: Signature, for message: [UInt8]) -> Bool
}
