import Foundation
import RegistryCore

/// A signed statement of the audit log's tail: "the log had `size` events, and event `size` hashed to
/// `headHash`", in the C2SP signed-note format with a tlog-checkpoint-style body (FORMAT.md §9.6).
///
/// ```
/// modelregistry/hashchain/3f0c…e1
/// 42
/// q3V1…Zs=
/// time 2026-11-23T13:37:00.123Z
///
/// — ed25519:3d4017c3e843895a92b70aa74d1b7ebc AAECAx…
/// ```
///
/// The first three lines are the **origin** (which log), the **size** (number of events, which is the last
/// event's sequence number) and the base64 of the 32-byte **head hash** (the last event's `hash`, FORMAT.md §9.1).
/// An optional `time …` extension line says when it was signed. The log is a hash chain, not a Merkle tree: the
/// head hash of size *n* fixes every event 1…*n*, because each line records the hash of the one before it.
///
/// Signatures are Ed25519 over ``noteText`` (every line above the blank line, including its final newline). Each
/// signature line names its key (``Ed25519PrivateKey/keyID``) and carries a 4-byte key hash before the 64
/// signature bytes; see ``noteKeyHash(keyName:publicKey:)``.
///
/// ```swift
/// let checkpoint = try Checkpoint(origin: origin, size: 42, headHash: last.hash).signed(by: key)
/// let copy = try Checkpoint(parsing: checkpoint.note)
/// assert(copy.verify(against: [key.publicKey]).isTrusted)
/// ```
///
/// `Sendable`, `Hashable`: a plain value. Two checkpoints are equal when their text and signatures are.
public struct Checkpoint: Hashable, Sendable, CustomStringConvertible {
    /// One signature line of a note, verified or not.
    public struct NoteSignature: Hashable, Sendable, CustomStringConvertible {
        /// The key name on the line, for example `ed25519:3d4017c3e843895a92b70aa74d1b7ebc`.
        public var keyName: String
        /// The 4-byte key hash (big-endian) that precedes the signature bytes.
        public var keyHash: UInt32
        /// The signature bytes after the key hash (64 for Ed25519).
        public var bytes: [UInt8]

        /// Creates a signature line value.
        ///
        /// - Parameters:
        ///   - keyName: the key's name; non-empty, without spaces or `+`.
        ///   - keyHash: the key hash (see ``Checkpoint/noteKeyHash(keyName:publicKey:)``).
        ///   - bytes: the signature of the note text.
        public init(keyName: String, keyHash: UInt32, bytes: [UInt8]) {
            self.keyName = keyName
            self.keyHash = keyHash
            self.bytes = bytes
        }

        /// The line without its newline: `— <key name> <base64(key hash ‖ signature)>`.
        public var line: String {
            let hash = withUnsafeBytes(of: keyHash.bigEndian) { Array($0) }
            return "\u{2014} \(keyName) " + Data(hash + bytes).base64EncodedString()
        }

        /// `NoteSignature(<key name>, <key hash hex>)`: never the signature bytes.
        public var description: String {
            "NoteSignature(\(keyName), \(String(keyHash, radix: 16)))"
        }
    }

    /// Which of a note's signatures verified against the keys given to ``Checkpoint/verify(against:)``.
    public struct SignatureCheck: Hashable, Sendable {
        /// Key names whose signature verified under a given key.
        public var verified: [String] = []
        /// Key names that match a given key (name and key hash) but whose signature does not verify: the note was
        /// altered after that key signed it, or the line was forged.
        public var failed: [String] = []
        /// Key names that match no given key; they are ignored, as C2SP signed-note requires.
        public var unknown: [String] = []

        /// Whether at least one given key signed the note and no signature by a given key failed.
        public var isTrusted: Bool { !verified.isEmpty && failed.isEmpty }
    }

    /// The log the checkpoint is about; FORMAT.md §9.6 gives the registry's origin
    /// (`modelregistry/hashchain/<hex>`). Non-empty, without spaces, `+` or control characters.
    public let origin: String
    /// The number of events the checkpoint covers, which is the sequence number of the last of them (1 or more).
    public let size: Int64
    /// The hash of event ``size``'s line (`AuditEvent.hash`): SHA-256, 32 bytes.
    public let headHash: Digest
    /// When the checkpoint was signed (RFC 3339, UTC with milliseconds), or nil when the note has no `time` line.
    public let time: String?
    /// The signature lines, in the order they appear.
    public private(set) var signatures: [NoteSignature]

    /// The most signature lines a note may carry (the spec asks verifiers to accept at least 16).
    public static let maximumSignatureCount = 100
    /// The longest note accepted, in bytes.
    public static let maximumNoteLength = 1 << 16
    /// The C2SP signed-note signature type byte of Ed25519, hashed into the key hash.
    static let ed25519SignatureType: UInt8 = 0x01
    /// The em dash and space that start every signature line.
    static let signatureLinePrefix = "\u{2014} "

    /// Creates an unsigned checkpoint.
    ///
    /// - Parameters:
    ///   - origin: which log; non-empty, without Unicode spaces, `+` or control characters.
    ///   - size: the number of events covered, 1 or more.
    ///   - headHash: the SHA-256 hash of event `size`'s line.
    ///   - time: when it is signed, RFC 3339; nil writes no `time` line.
    ///   - signatures: signature lines already made over the same text (normally none).
    /// - Throws: ``RegistryError`` `.invalidArgument` naming the value that breaks the format.
    public init(
        origin: String, size: Int64, headHash: Digest, time: String? = nil, signatures: [NoteSignature] = []
    ) throws {
        try Self.checkName(origin, what: "origin")
        guard size >= 1 else {
            throw RegistryError(.invalidArgument, "a checkpoint covers at least one event; got size \(size)")
        }
        guard headHash.algorithm == "sha256", headHash.bytes.count == 32 else {
            throw RegistryError(.invalidArgument, "a checkpoint's head hash is SHA-256 (32 bytes); got \(headHash)")
        }
        if let time {
            guard Timestamp.parse(time) != nil else {
                throw RegistryError(.invalidArgument, "the checkpoint time '\(time)' is not an RFC 3339 time")
            }
        }
        guard signatures.count <= Self.maximumSignatureCount else {
            throw RegistryError(
                .invalidArgument, "a checkpoint carries at most \(Self.maximumSignatureCount) signatures")
        }
        for signature in signatures { try Self.checkName(signature.keyName, what: "key name") }
        self.origin = origin
        self.size = size
        self.headHash = headHash
        self.time = time
        self.signatures = signatures
    }

    /// The signed text: origin, size, base64 head hash, the optional `time` line, each ending in a newline.
    public var noteText: String {
        var text = "\(origin)\n\(size)\n\(Data(headHash.bytes).base64EncodedString())\n"
        if let time { text += "time \(time)\n" }
        return text
    }

    /// The whole signed note: ``noteText``, a blank line, then one line per signature. This is the content of a
    /// `checkpoints/<size>.note` file.
    public var note: String {
        noteText + "\n" + signatures.map { $0.line + "\n" }.joined()
    }

    /// `Checkpoint(<origin>, size <n>, <head hash>)`.
    public var description: String {
        "Checkpoint(\(origin), size \(size), \(headHash))"
    }

    // MARK: Signing and verifying

    /// The C2SP signed-note key hash of an Ed25519 key: the first 4 bytes, big-endian, of
    /// SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ the 32-byte public key).
    ///
    /// - Parameters:
    ///   - keyName: the name on the signature line.
    ///   - publicKey: the key.
    /// - Returns: the key hash as a big-endian `UInt32`.
    public static func noteKeyHash(keyName: String, publicKey: Ed25519PublicKey) -> UInt32 {
        let input = Array(keyName.utf8) + [0x0A, ed25519SignatureType] + publicKey.rawRepresentation
        return SHA256Algorithm().hash(input).bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// This checkpoint with one more signature line, by `key`, named by its key id.
    ///
    /// A key that already signed is not added twice.
    ///
    /// - Parameter key: the signing key.
    /// - Returns: the checkpoint with the new signature last.
    /// - Throws: what the key's ``Ed25519PrivateKey/signature(for:)`` throws (nothing today); `.invalidArgument`
    ///   when the note already has ``maximumSignatureCount`` signatures.
    /// - Complexity: one Ed25519 signature over a text of about 150 bytes (tens of microseconds).
    public func signed(by key: Ed25519PrivateKey) throws -> Checkpoint {
        let keyHash = Self.noteKeyHash(keyName: key.keyID, publicKey: key.publicKey)
        if signatures.contains(where: { $0.keyName == key.keyID && $0.keyHash == keyHash }),
            verify(against: [key.publicKey]).isTrusted
        {
            return self
        }
        guard signatures.count < Self.maximumSignatureCount else {
            throw RegistryError(
                .invalidArgument, "a checkpoint carries at most \(Self.maximumSignatureCount) signatures")
        }
        let signature = try key.signature(for: Array(noteText.utf8))
        var copy = self
        copy.signatures.append(NoteSignature(keyName: key.keyID, keyHash: keyHash, bytes: signature.bytes))
        return copy
    }

    /// Checks every signature line whose key name and key hash match one of `keys` (each named by its
    /// ``Ed25519PublicKey/keyID``); lines of other keys are listed as unknown and otherwise ignored.
    ///
    /// - Parameter keys: the keys to check against, for example the Ed25519 keys of a ``TrustStore``.
    /// - Returns: which key names verified, failed, or are unknown. Never throws: a bad signature is a value.
    /// - Complexity: one Ed25519 verification per matching line.
    public func verify(against keys: [Ed25519PublicKey]) -> SignatureCheck {
        var check = SignatureCheck()
        let message = Array(noteText.utf8)
        for line in signatures {
            guard
                let key = keys.first(where: {
                    $0.keyID == line.keyName && Self.noteKeyHash(keyName: line.keyName, publicKey: $0) == line.keyHash
                })
            else {
                check.unknown.append(line.keyName)
                continue
            }
            let signature = Signature(keyID: key.keyID, algorithm: key.algorithm, bytes: line.bytes)
            if key.isValidSignature(signature, for: message) {
                check.verified.append(line.keyName)
            } else {
                check.failed.append(line.keyName)
            }
        }
        return check
    }

    /// Checks a key name or origin: non-empty, no Unicode white space, no `+`, no control characters.
    static func checkName(_ name: String, what: String) throws {
        let bad = name.unicodeScalars.first {
            $0.properties.isWhitespace || $0 == "+" || $0.value < 0x20 || $0.value == 0x7F
        }
        guard !name.isEmpty, bad == nil else {
            throw RegistryError(
                .invalidArgument,
                "a checkpoint \(what) must be non-empty without spaces, '+' or control characters; got '\(name)'")
        }
    }
}
