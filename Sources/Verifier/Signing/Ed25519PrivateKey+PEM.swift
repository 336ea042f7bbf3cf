import RegistryCore

extension Ed25519PrivateKey {
    /// Reads a `-----BEGIN PRIVATE KEY-----` file: unencrypted PKCS#8 holding an Ed25519 seed, as written by
    /// `openssl genpkey -algorithm ed25519`.
    ///
    /// Accepts the 48-byte PKCS#8 v1 `PrivateKeyInfo` that OpenSSL writes and the RFC 5958 v2
    /// `OneAsymmetricKey` that also carries the public key (which must then match the seed).
    ///
    /// - Parameter pemRepresentation: The file contents.
    /// - Throws: ``RegistryError`` `.invalidArgument` saying what was wrong: no PEM block, another label (an
    ///   encrypted key or an OpenSSH private key), bad base64, another algorithm, or a mismatched public key.
    ///   Messages never contain key bytes.
    public init(pemRepresentation: String) throws {
        let document = try PEMDocument(parsing: pemRepresentation, what: "an Ed25519 private key")
        switch document.label {
        case "PRIVATE KEY":
            try self.init(derRepresentation: document.der)
        case "ENCRYPTED PRIVATE KEY":
            throw RegistryError(
                .invalidArgument,
                "The private key is encrypted; decrypt it first, for example with "
                    + "`openssl pkey -in key.pem -out plain.pem`, and keep the result mode 0600.")
        case "OPENSSH PRIVATE KEY":
            throw RegistryError(
                .invalidArgument,
                "OpenSSH private key files are not supported (and ssh-keygen cannot export Ed25519 keys as PKCS#8); "
                    + "generate a signing key with `openssl genpkey -algorithm ed25519` or `modelreg keygen`.")
        default:
            throw RegistryError(
                .invalidArgument, "Expected a 'PRIVATE KEY' PEM block but found '\(document.label)'.")
        }
    }

    /// Reads an unencrypted PKCS#8 DER Ed25519 private key (RFC 8410 section 7): the 48-byte v1 form, or the
    /// 83-byte v2 form with the public key.
    ///
    /// - Parameter derRepresentation: The DER bytes.
    /// - Throws: ``RegistryError`` `.invalidArgument` when the bytes are neither structure, or when a v2 key's
    ///   public key does not belong to its seed.
    public init(derRepresentation der: [UInt8]) throws {
        let v1 = Ed25519KeyEncoding.privateKeyInfoPrefix
        let v2 = Ed25519KeyEncoding.oneAsymmetricKeyPrefix
        let tag = Ed25519KeyEncoding.oneAsymmetricKeyPublicKeyTag
        let size = Ed25519PublicKey.byteCount
        if der.count == v1.count + size, der.starts(with: v1) {
            try self.init(seed: Array(der[v1.count...]))
        } else if der.count == v2.count + size + tag.count + size, der.starts(with: v2),
            der[(v2.count + size)..<(v2.count + size + tag.count)].elementsEqual(tag)
        {
            try self.init(seed: Array(der[v2.count..<(v2.count + size)]))
            guard publicKey.rawRepresentation.elementsEqual(der[(der.count - size)...]) else {
                throw RegistryError(
                    .invalidArgument,
                    "The PKCS#8 key's public key does not belong to its private key; the file is damaged.")
            }
        } else {
            throw Ed25519KeyEncoding.unexpectedStructure(der, expected: "an unencrypted Ed25519 PKCS#8 private key")
        }
    }

    /// The 48-byte PKCS#8 v1 DER encoding of the seed. Secret.
    public var derRepresentation: [UInt8] { Ed25519KeyEncoding.privateKeyInfoPrefix + rawRepresentation }

    /// The key as a `-----BEGIN PRIVATE KEY-----` file, byte for byte what `openssl genpkey -algorithm ed25519`
    /// writes (ending in a newline). Secret: write it with mode 0600, never inside a registry.
    public var pemRepresentation: String {
        PEMDocument(label: "PRIVATE KEY", der: derRepresentation).pemRepresentation
    }
}
