import RegistryCore

/// The fixed DER encodings of Ed25519 keys (RFC 8410), and messages that name what a wrong key is.
///
/// Ed25519 keys have no parameters, so each structure is a constant prefix followed by the key bytes; matching
/// the prefix exactly is a complete and strict DER parse.
enum Ed25519KeyEncoding {
    /// `SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 (1.3.101.112) }, BIT STRING (0 unused) }`,
    /// followed by the 32 key bytes: 44 bytes in all. What `openssl pkey -pubout` writes.
    static let subjectPublicKeyInfoPrefix: [UInt8] = [
        0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00,
    ]

    /// PKCS#8 v1 `PrivateKeyInfo { version 0, AlgorithmIdentifier { id-Ed25519 }, OCTET STRING { OCTET STRING } }`,
    /// followed by the 32-byte seed: 48 bytes in all. What `openssl genpkey -algorithm ed25519` writes.
    static let privateKeyInfoPrefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    /// PKCS#8 v2 `OneAsymmetricKey` (RFC 5958) with version 1 and the public key as `[1] IMPLICIT BIT STRING`:
    /// this prefix, the seed, ``oneAsymmetricKeyPublicKeyTag``, then the 32 public key bytes (83 bytes).
    static let oneAsymmetricKeyPrefix: [UInt8] = [
        0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    /// The `[1]` public key field header in ``oneAsymmetricKeyPrefix`` keys: tag, length 33, 0 unused bits.
    static let oneAsymmetricKeyPublicKeyTag: [UInt8] = [0x81, 0x21, 0x00]

    /// Names the key algorithm of a DER key that is not Ed25519, from the object identifiers it contains, so
    /// that "this is an RSA key" can replace a bare "unexpected bytes".
    static func otherAlgorithmName(in der: [UInt8]) -> String? {
        let known: [(name: String, oid: [UInt8])] = [
            ("X25519", [0x06, 0x03, 0x2B, 0x65, 0x6E]),
            ("X448", [0x06, 0x03, 0x2B, 0x65, 0x6F]),
            ("Ed448", [0x06, 0x03, 0x2B, 0x65, 0x71]),
            ("RSA", [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]),
            ("EC (ECDSA)", [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]),
        ]
        for (name, oid) in known where contains(der, oid) { return name }
        return nil
    }

    private static func contains(_ bytes: [UInt8], _ pattern: [UInt8]) -> Bool {
        guard bytes.count >= pattern.count else { return false }
        for start in 0...(bytes.count - pattern.count)
        where bytes[start..<(start + pattern.count)].elementsEqual(pattern) {
            return true
        }
        return false
    }

    /// The error for DER bytes that are not the expected Ed25519 structure.
    static func unexpectedStructure(_ der: [UInt8], expected: String) -> RegistryError {
        if let other = otherAlgorithmName(in: der) {
            return RegistryError(.invalidArgument, "This is an \(other) key, not an Ed25519 key; expected \(expected).")
        }
        return RegistryError(
            .invalidArgument,
            "The DER bytes (\(der.count) bytes) are not \(expected) as RFC 8410 encodes it.")
    }
}
