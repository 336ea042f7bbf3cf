internal import CEd25519
import RegistryCore

/// An Ed25519 verification key (RFC 8032, pure Ed25519): 32 bytes, the encoding of a curve point.
///
/// Built into the package, with no dependency, so a registry can check signatures anywhere Swift runs. The
/// key checks signatures made by ``Ed25519PrivateKey`` or by any other RFC 8032 implementation (OpenSSL,
/// OpenSSH, libsodium, CryptoKit's `Curve25519.Signing`).
///
/// ```swift
/// let key = try Ed25519PublicKey(parsing: try String(contentsOfFile: "trust/alice.pub", encoding: .utf8))
/// if key.isValidSignature(signature, for: manifestBytes) { … }
/// ```
///
/// ## Key id
/// ``keyID`` is `ed25519:` followed by the lowercase hex of the first 16 bytes of the SHA-256 of the 32 raw
/// key bytes, for example `ed25519:3d4017c3e843895a92b70aa74d1b7ebc`. It is derived, never chosen, so a
/// signature file cannot claim a key id that its key does not have. 128 bits keep accidental collisions out
/// of reach while staying short enough to read in a listing.
///
/// ## Strict verification
/// Both the key and each signature are checked the way RFC 8032 section 5.1.7 allows at its strictest:
/// - S must be less than the group order L (no `S + L` malleability).
/// - The key and R must be canonical encodings (y < 2²⁵⁵ − 19; x = 0 only with a clear sign bit).
/// - The key and R must not be points of small order (the eight torsion points), which would let one
///   signature verify for many messages.
/// - The cofactorless equation [S]B = R + [k]A is checked by encoding [S]B − [k]A and comparing the 32 bytes
///   with R exactly.
///
/// Invalid keys are refused when the value is created, so an `Ed25519PublicKey` always holds a usable key.
/// `Sendable` and `Hashable`: two values are equal when their key bytes are.
public struct Ed25519PublicKey: SignatureVerifier, Hashable, CustomStringConvertible {
    /// The 32 key bytes as RFC 8032 encodes them: y little-endian, the sign of x in the top bit.
    public let rawRepresentation: [UInt8]

    /// `ed25519:` and the lowercase hex of the first 16 bytes of SHA-256(``rawRepresentation``).
    public let keyID: String

    /// `"ed25519"`: the algorithm name written into signature files.
    public var algorithm: String { Self.algorithmName }

    /// The algorithm name shared by ``Ed25519PublicKey`` and ``Ed25519PrivateKey``.
    static let algorithmName = "ed25519"

    /// The byte count of a raw key.
    static let byteCount = 32

    /// The byte count of a signature (R ‖ S).
    static let signatureByteCount = 64

    /// Creates a key from its 32 raw bytes, refusing bytes that no RFC 8032 verifier should accept.
    ///
    /// - Parameter rawRepresentation: The key bytes, for example the last 32 bytes of a SubjectPublicKeyInfo.
    /// - Throws: ``RegistryError`` `.invalidArgument` when there are not exactly 32 bytes, when the encoding is
    ///   not canonical (y ≥ 2²⁵⁵ − 19, or x = 0 with the sign bit set), when no curve point has these bytes, or
    ///   when the point has small order. The message says which.
    public init(rawRepresentation: [UInt8]) throws {
        guard rawRepresentation.count == Self.byteCount else {
            throw RegistryError(
                .invalidArgument,
                "An Ed25519 public key is \(Self.byteCount) bytes; got \(rawRepresentation.count).")
        }
        switch Int(mr_ed25519_check_public_key(rawRepresentation)) {
        case Int(MR_ED25519_KEY_OK):
            break
        case Int(MR_ED25519_KEY_NON_CANONICAL):
            throw RegistryError(
                .invalidArgument,
                "The Ed25519 public key is not canonically encoded (its y coordinate is not below 2^255 - 19, or "
                    + "it sets the sign bit for x = 0); RFC 8032 requires refusing it.")
        case Int(MR_ED25519_KEY_NOT_ON_CURVE):
            throw RegistryError(
                .invalidArgument, "The 32 bytes are not an Ed25519 public key: no point on the curve has this encoding."
            )
        default:
            throw RegistryError(
                .invalidArgument,
                "The Ed25519 public key is a point of small order (one of the 8 torsion points); signatures under "
                    + "such a key prove nothing, so it is refused.")
        }
        self.init(validatedRawRepresentation: rawRepresentation)
    }

    /// Wraps bytes already known to be a valid key (derived from a seed), computing the key id.
    init(validatedRawRepresentation raw: [UInt8]) {
        rawRepresentation = raw
        keyID = Self.keyID(forRawRepresentation: raw)
    }

    /// The key id of 32 raw key bytes: `ed25519:` + hex(SHA-256(raw)[0..<16]).
    static func keyID(forRawRepresentation raw: [UInt8]) -> String {
        let digest = SHA256Algorithm().hash(raw)
        return "\(algorithmName):" + Digest.encodeHex(digest.bytes.prefix(16))
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    ///
    /// Returns `false`, never throws, when the signature names another key id or algorithm, is not 64 bytes,
    /// or fails any of the strict checks listed in the type's documentation.
    ///
    /// - Parameters:
    ///   - signature: The signature to check; its ``Signature/keyID`` must equal ``keyID`` and its
    ///     ``Signature/algorithm`` must be `ed25519`.
    ///   - message: Exactly the bytes that were signed.
    /// - Returns: `true` only for a valid signature by this key over `message`.
    /// - Complexity: O(*n*) in `message.count` for hashing, plus one double-scalar multiplication: about 65 µs
    ///   per signature in a release build on one x86-64 core, roughly twice OpenSSL 3.0's speed.
    public func isValidSignature(_ signature: Signature, for message: [UInt8]) -> Bool {
        guard signature.algorithm == Self.algorithmName, signature.keyID == keyID,
            signature.bytes.count == Self.signatureByteCount
        else { return false }
        return mr_ed25519_verify(signature.bytes, message, message.count, rawRepresentation) == 1
    }

    /// `Ed25519PublicKey(ed25519:…)`: the key id, which is all a log line needs.
    public var description: String { "Ed25519PublicKey(\(keyID))" }
}
