import RegistryCore

extension Ed25519PublicKey {
    /// Reads a `-----BEGIN PUBLIC KEY-----` file: an RFC 8410 SubjectPublicKeyInfo, as written by
    /// `openssl pkey -pubout` or `openssl genpkey … -pubout`.
    ///
    /// - Parameter pemRepresentation: The file contents. Text before the BEGIN line and after the END line is
    ///   ignored; LF and CRLF line ends both work.
    /// - Throws: ``RegistryError`` `.invalidArgument` saying what was wrong: no PEM block, another label (for
    ///   example a private key), bad base64, a key of another algorithm, or an invalid Ed25519 point.
    public init(pemRepresentation: String) throws {
        let document = try PEMDocument(parsing: pemRepresentation, what: "an Ed25519 public key")
        guard document.label == "PUBLIC KEY" else {
            if document.label.hasSuffix("PRIVATE KEY") {
                throw RegistryError(
                    .invalidArgument,
                    "Expected a public key but found a '\(document.label)' PEM block; trust stores take public keys "
                        + "only (extract one with `openssl pkey -in key.pem -pubout`).")
            }
            throw RegistryError(
                .invalidArgument, "Expected a 'PUBLIC KEY' PEM block but found '\(document.label)'.")
        }
        try self.init(derRepresentation: document.der)
    }

    /// Reads a DER SubjectPublicKeyInfo for Ed25519 (RFC 8410 section 4): 44 bytes.
    ///
    /// - Parameter derRepresentation: The DER bytes.
    /// - Throws: ``RegistryError`` `.invalidArgument` when the bytes are not exactly that structure or the key
    ///   is not a valid point (see ``init(rawRepresentation:)``).
    public init(derRepresentation der: [UInt8]) throws {
        let prefix = Ed25519KeyEncoding.subjectPublicKeyInfoPrefix
        guard der.count == prefix.count + Ed25519PublicKey.byteCount, der.starts(with: prefix) else {
            throw Ed25519KeyEncoding.unexpectedStructure(der, expected: "an Ed25519 SubjectPublicKeyInfo")
        }
        try self.init(rawRepresentation: Array(der[prefix.count...]))
    }

    /// The 44-byte DER SubjectPublicKeyInfo (RFC 8410).
    public var derRepresentation: [UInt8] { Ed25519KeyEncoding.subjectPublicKeyInfoPrefix + rawRepresentation }

    /// The key as a `-----BEGIN PUBLIC KEY-----` file, byte for byte what `openssl pkey -pubout` writes
    /// (ending in a newline).
    public var pemRepresentation: String {
        PEMDocument(label: "PUBLIC KEY", der: derRepresentation).pemRepresentation
    }
}
