internal import CEd25519
import RegistryCore

/// An Ed25519 signing key (RFC 8032, pure Ed25519), held in memory as its 32-byte seed.
///
/// The built-in ``Signer``: no dependency, deterministic signatures (the same key and message always give
/// the same 64 bytes), and constant-time signing (no branch or table index depends on the secret).
///
/// ```swift
/// // Writes the private key with mode 0600 from the start (never world-readable, never inside a registry).
/// let key = try KeyFiles.generateKeyPair(at: "/secure/release.key")
/// let signature = try key.signature(for: manifestBytes)
/// assert(key.publicKey.isValidSignature(signature, for: manifestBytes))
/// ```
///
/// The seed never appears in ``description``, `debugDescription`, `dump(_:)` or in thrown errors; read it
/// only through ``rawRepresentation`` or ``pemRepresentation`` when you mean to store it.
///
/// `Sendable`: a plain value.
public struct Ed25519PrivateKey: Signer, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The 32-byte seed (RFC 8032's "private key"). Secret.
    private let seed: [UInt8]

    /// The public key derived from the seed.
    public let publicKey: Ed25519PublicKey

    /// Creates a key from its 32-byte seed, the form RFC 8032, OpenSSL (PKCS#8) and CryptoKit's
    /// `Curve25519.Signing.PrivateKey(rawRepresentation:)` use.
    ///
    /// - Parameter seed: 32 secret bytes; every value is a valid seed.
    /// - Throws: ``RegistryError`` `.invalidArgument` when `seed` is not exactly 32 bytes. The message gives the
    ///   length only, never the bytes.
    public init(seed: [UInt8]) throws {
        guard seed.count == Ed25519PublicKey.byteCount else {
            throw RegistryError(
                .invalidArgument, "An Ed25519 seed is \(Ed25519PublicKey.byteCount) bytes; got \(seed.count).")
        }
        var publicBytes = [UInt8](repeating: 0, count: Ed25519PublicKey.byteCount)
        mr_ed25519_public_key(&publicBytes, seed)
        self.seed = seed
        self.publicKey = Ed25519PublicKey(validatedRawRepresentation: publicBytes)
    }

    /// Creates a new key from 32 bytes of the system's cryptographically secure random generator.
    ///
    /// Uses `SystemRandomNumberGenerator` (`getrandom` on Linux, `arc4random_buf` on Apple platforms).
    ///
    /// - Returns: A fresh key.
    /// - Throws: Nothing today; the signature leaves room to report an unavailable entropy source without
    ///   breaking callers.
    public static func generate() throws -> Ed25519PrivateKey {
        var generator = SystemRandomNumberGenerator()
        var seed = [UInt8]()
        seed.reserveCapacity(Ed25519PublicKey.byteCount)
        while seed.count < Ed25519PublicKey.byteCount {
            var word = generator.next()
            for _ in 0..<8 {
                seed.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return try Ed25519PrivateKey(seed: seed)
    }

    /// The 32-byte seed. Secret: write it only to a file readable by its owner (mode 0600).
    public var rawRepresentation: [UInt8] { seed }

    /// The public key's id, `ed25519:<32 hex digits>` (see ``Ed25519PublicKey/keyID``).
    public var keyID: String { publicKey.keyID }

    /// `"ed25519"`.
    public var algorithm: String { Ed25519PublicKey.algorithmName }

    /// Signs `message` (RFC 8032 section 5.1.6).
    ///
    /// Deterministic: signing the same message twice gives the same bytes. Constant time in the key.
    ///
    /// - Parameter message: The exact bytes to sign; registries pass canonical manifest bytes.
    /// - Returns: A 64-byte signature (R ‖ S) carrying this key's id and the algorithm `ed25519`.
    /// - Throws: Never; `throws` comes from ``Signer``, whose remote implementations can fail.
    /// - Complexity: O(*n*) in `message.count` (hashed twice), plus one fixed-base scalar multiplication.
    public func signature(for message: [UInt8]) throws -> Signature {
        var bytes = [UInt8](repeating: 0, count: Ed25519PublicKey.signatureByteCount)
        mr_ed25519_sign(&bytes, message, message.count, seed, publicKey.rawRepresentation)
        return Signature(keyID: keyID, algorithm: algorithm, bytes: bytes)
    }

    /// `Ed25519PrivateKey(ed25519:…)`: the key id only, never the seed.
    public var description: String { "Ed25519PrivateKey(\(keyID))" }

    /// The same as ``description``: the seed stays out of debug output too.
    public var debugDescription: String { description }

    /// A mirror that shows the key id and public key but not the seed, so `dump(_:)` and debuggers that
    /// walk children cannot print it.
    public var customMirror: Mirror {
        Mirror(self, children: ["keyID": keyID, "publicKey": publicKey], displayStyle: .struct)
    }
}
