import Foundation
import RegistryCore

/// Reading and writing key files, with the rules that keep secrets out of registries.
///
/// - A private key is written as PKCS#8 PEM (what `openssl genpkey -algorithm ed25519` writes) with mode 0600,
///   never inside a registry directory, never over an existing file.
/// - A public key is written next to it as `<path>.pub` in OpenSSH form (`ssh-ed25519 AAAA… comment`).
/// - A trust directory holds public keys, one per file (`*.pub` OpenSSH or `*.pem` PEM); the registry never
///   writes it.
public enum KeyFiles {
    /// Generates a key pair and writes `path` (private, 0600) and `path.pub` (public).
    ///
    /// - Throws: `.invalidArgument` when `path` is inside a registry; `.alreadyExists` when either file exists.
    @discardableResult
    public static func generateKeyPair(at path: String, comment: String = "") throws -> Ed25519PrivateKey {
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        if let registry = enclosingRegistry(of: full) {
            throw RegistryError(
                .invalidArgument,
                "refusing to write a private key inside the registry at '\(registry)'; keep keys outside it",
                path: full)
        }
        for existing in [full, full + ".pub"] where try FileSystem.exists(existing) {
            throw RegistryError(
                .alreadyExists, "'\(existing)' already exists; keys are never overwritten", path: existing)
        }
        let key = try Ed25519PrivateKey.generate()
        try FileSystem.createFile(full, contents: Array(key.pemRepresentation.utf8), mode: 0o600)
        try FileSystem.createFile(
            full + ".pub", contents: Array((key.publicKey.openSSHRepresentation(comment: comment) + "\n").utf8),
            mode: 0o644)
        try FileSystem.syncDirectory(FileSystem.parent(of: full))
        return key
    }

    /// Loads a PKCS#8 PEM private key.
    /// - Throws: `.notFound`, `.invalidArgument` for a malformed key or a file readable by others (mode & 0o077).
    public static func loadPrivateKey(at path: String) throws -> Ed25519PrivateKey {
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        if let status = try FileSystem.status(full, followLinks: true), status.permissions & 0o077 != 0 {
            throw RegistryError(
                .invalidArgument,
                "private key '\(full)' is readable by other users (mode \(String(status.permissions, radix: 8))); chmod 600 it",
                path: full)
        }
        let text = String(decoding: try FileSystem.readDocument(full, limit: 1 << 16), as: UTF8.self)
        do {
            return try Ed25519PrivateKey(pemRepresentation: text)
        } catch let error as RegistryError {
            throw RegistryError(error.code, "\(full): \(error.message)", path: full)
        }
    }

    /// Loads a public key file (OpenSSH or PEM).
    public static func loadPublicKey(at path: String) throws -> Ed25519PublicKey {
        let text = String(decoding: try FileSystem.readDocument(path, limit: 1 << 16), as: UTF8.self)
        do {
            return try Ed25519PublicKey(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch let error as RegistryError {
            throw RegistryError(error.code, "\(path): \(error.message)", path: path)
        }
    }

    /// Loads every `*.pub` and `*.pem` file of a trust directory. A missing directory is an empty store.
    /// - Throws: the first malformed key file's error, naming it.
    public static func loadTrustDirectory(_ path: String) throws -> TrustStore {
        var store = TrustStore()
        guard try FileSystem.status(path, followLinks: true)?.kind == .directory else { return store }
        for entry in try FileSystem.listDirectory(path) {
            guard let name = entry.name, name.hasSuffix(".pub") || name.hasSuffix(".pem") else { continue }
            store.add(try loadPublicKey(at: path + "/" + name))
        }
        return store
    }

    /// Copies a public key into a trust directory as `<key id>.pub`, refusing directories inside a registry.
    @discardableResult
    public static func addToTrustDirectory(_ key: Ed25519PublicKey, directory: String, comment: String = "") throws
        -> String
    {
        let full = URL(fileURLWithPath: directory).standardizedFileURL.path
        if let registry = enclosingRegistry(of: full + "/x") {
            throw RegistryError(
                .invalidArgument, "a trust directory must live outside the registry at '\(registry)'", path: full)
        }
        try FileSystem.makeDirectories(full)
        let file = full + "/" + key.keyID.replacingOccurrences(of: ":", with: "-") + ".pub"
        try FileSystem.atomicReplace(
            file, contents: Array((key.openSSHRepresentation(comment: comment) + "\n").utf8), mode: 0o644)
        return file
    }

    /// The registry directory containing `path`, if any (a parent with a `registry.json` marker).
    static func enclosingRegistry(of path: String) -> String? {
        // Resolve symbolic links first: a link pointing into a registry must not hide it.
        let parentPath = FileSystem.parent(of: path)
        var directory = URL(fileURLWithPath: parentPath).resolvingSymlinksInPath().path
        while directory != "/" && directory != "." && !directory.isEmpty {
            if (try? FileSystem.exists(directory + "/" + RegistryLayout.formatFileName)) == true { return directory }
            directory = FileSystem.parent(of: directory)
        }
        return nil
    }
}
