import Foundation
import RegistryCore

extension Ed25519PublicKey {
    /// Reads an OpenSSH public key line, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… comment`, as in `id_ed25519.pub`.
    ///
    /// The base64 field holds the RFC 4253 wire form: `string "ssh-ed25519"`, `string key` (each a 32-bit
    /// big-endian length and the bytes), and nothing after. The comment, if any, is ignored: the key id comes
    /// from the key bytes alone.
    ///
    /// - Parameter openSSHRepresentation: One line; surrounding whitespace and a final newline are allowed.
    /// - Throws: ``RegistryError`` `.invalidArgument` saying what was wrong: another key type (`ssh-rsa`, …),
    ///   `authorized_keys` options before the type, several lines, bad base64, a wire form that disagrees with
    ///   the type or has extra bytes, or an invalid Ed25519 point.
    public init(openSSHRepresentation text: String) throws {
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !line.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            throw RegistryError(.invalidArgument, "An OpenSSH public key is one line; the text has several.")
        }
        let fields = line.split(
            maxSplits: 2, omittingEmptySubsequences: true, whereSeparator: { $0 == " " || $0 == "\t" })
        guard let type = fields.first else {
            throw RegistryError(.invalidArgument, "The OpenSSH public key text is empty.")
        }
        guard type == Self.openSSHKeyType else {
            if type.hasPrefix("ssh-") || type.hasPrefix("ecdsa-") || type.hasPrefix("sk-") {
                throw RegistryError(
                    .invalidArgument,
                    "The OpenSSH key type is '\(type)'; only '\(Self.openSSHKeyType)' keys are supported.")
            }
            throw RegistryError(
                .invalidArgument,
                "An OpenSSH public key starts with '\(Self.openSSHKeyType)', but this one starts with '\(type.prefix(40))' "
                    + "(authorized_keys options are not accepted here).")
        }
        guard fields.count >= 2 else {
            throw RegistryError(.invalidArgument, "The OpenSSH public key has no base64 key field after '\(type)'.")
        }
        guard let wire = Data(base64Encoded: String(fields[1])) else {
            throw RegistryError(.invalidArgument, "The OpenSSH public key's second field is not valid base64.")
        }
        var reader = WireReader(bytes: Array(wire))
        guard let name = reader.readString(), let key = reader.readString(), reader.isAtEnd else {
            throw RegistryError(
                .invalidArgument,
                "The OpenSSH public key's base64 field is not the RFC 4253 wire form (string type, string key).")
        }
        guard name.elementsEqual(Self.openSSHKeyType.utf8) else {
            throw RegistryError(
                .invalidArgument,
                "The OpenSSH public key says '\(type)' but its encoded key is of type "
                    + "'\(String(decoding: name.prefix(40), as: UTF8.self))'.")
        }
        try self.init(rawRepresentation: key)
    }

    /// The key as an OpenSSH public key line, `ssh-ed25519 <base64> [comment]` with a final newline, the
    /// format of `id_ed25519.pub` and of `authorized_keys` lines.
    ///
    /// - Parameter comment: Free text after the key, often `user@host`; empty for none. Line breaks in it are
    ///   replaced by spaces so the result stays one line.
    /// - Returns: One line of text ending in `\n`.
    public func openSSHRepresentation(comment: String = "") -> String {
        var wire = [UInt8]()
        Self.appendWireString(Array(Self.openSSHKeyType.utf8), to: &wire)
        Self.appendWireString(rawRepresentation, to: &wire)
        var line = Self.openSSHKeyType + " " + Data(wire).base64EncodedString()
        let oneLine = comment.map { $0.isNewline ? " " : $0 }
        let trimmed = String(oneLine).trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty { line += " " + trimmed }
        return line + "\n"
    }

    /// The OpenSSH key type name.
    static let openSSHKeyType = "ssh-ed25519"

    private static func appendWireString(_ bytes: [UInt8], to wire: inout [UInt8]) {
        let count = UInt32(bytes.count)
        wire += [
            UInt8(truncatingIfNeeded: count >> 24), UInt8(truncatingIfNeeded: count >> 16),
            UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count),
        ]
        wire += bytes
    }

    /// Reads RFC 4253 `string` fields: a 32-bit big-endian length, then that many bytes.
    private struct WireReader {
        let bytes: [UInt8]
        var offset = 0

        var isAtEnd: Bool { offset == bytes.count }

        mutating func readString() -> [UInt8]? {
            guard bytes.count - offset >= 4 else { return nil }
            var length = 0
            for byte in bytes[offset..<(offset + 4)] { length = length << 8 | Int(byte) }
            offset += 4
            guard bytes.count - offset >= length else { return nil }
            defer { offset += length }
            return Array(bytes[offset..<(offset + length)])
        }
    }
}
