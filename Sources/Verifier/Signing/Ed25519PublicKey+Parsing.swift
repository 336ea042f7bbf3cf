import RegistryCore

extension Ed25519PublicKey {
    /// Reads a public key file in either accepted format, telling them apart by content: PEM
    /// (`-----BEGIN PUBLIC KEY-----`, as `openssl pkey -pubout` writes) or an OpenSSH line
    /// (`ssh-ed25519 AAAA… comment`, as in `id_ed25519.pub`).
    ///
    /// Trust directories can hold keys in whichever form their owners have them.
    ///
    /// ```swift
    /// let key = try Ed25519PublicKey(parsing: String(contentsOf: url, encoding: .utf8))
    /// ```
    ///
    /// - Parameter text: The file contents.
    /// - Throws: ``RegistryError`` `.invalidArgument` from ``init(pemRepresentation:)`` or
    ///   ``init(openSSHRepresentation:)``, saying what was wrong.
    public init(parsing text: String) throws {
        if text.contains("-----BEGIN ") {
            try self.init(pemRepresentation: text)
        } else {
            try self.init(openSSHRepresentation: text)
        }
    }
}
