import Foundation
import RegistryCore
import RegistryTestSupport
import Testing
import Verifier

/// The signed-note form of ``Checkpoint``: exact text, strict parsing, signatures, and agreement with other
/// implementations of C2SP signed-note.
@Suite struct CheckpointNoteTests {
    static let seed = (0..<32).map { UInt8($0) }
    static let headHash = Digest(algorithm: "sha256", bytes: (0..<32).map { UInt8(255 - $0) })
    static let origin = "modelregistry/hashchain/00112233445566778899aabbccddeeff"

    static func signed(time: String? = "2026-11-23T13:37:00.123Z") throws -> (Checkpoint, Ed25519PrivateKey) {
        let key = try Ed25519PrivateKey(seed: seed)
        let checkpoint = try Checkpoint(origin: origin, size: 42, headHash: headHash, time: time).signed(by: key)
        return (checkpoint, key)
    }

    @Test func noteTextIsOriginSizeBase64HashAndTime() throws {
        let (checkpoint, key) = try Self.signed()
        let hash = Data(Self.headHash.bytes).base64EncodedString()
        #expect(checkpoint.noteText == "\(Self.origin)\n42\n\(hash)\ntime 2026-11-23T13:37:00.123Z\n")
        #expect(checkpoint.note.hasPrefix(checkpoint.noteText + "\n\u{2014} \(key.keyID) "))
        #expect(checkpoint.note.hasSuffix("\n"))
        #expect(checkpoint.signatures.count == 1)
        #expect(checkpoint.signatures[0].bytes.count == 64)
        let untimed = try Checkpoint(origin: Self.origin, size: 42, headHash: Self.headHash)
        #expect(untimed.noteText == "\(Self.origin)\n42\n\(hash)\n")
    }

    @Test func parsingTheNoteGivesTheSameCheckpoint() throws {
        for time in ["2026-11-23T13:37:00.123Z", nil] {
            let (checkpoint, key) = try Self.signed(time: time)
            let parsed = try Checkpoint(parsing: checkpoint.note)
            #expect(parsed == checkpoint)
            #expect(parsed.note == checkpoint.note)
            #expect(parsed.time == time)
            #expect(parsed.verify(against: [key.publicKey]).isTrusted)
        }
    }

    @Test func signaturesVerifyOnlyUnderTheirKeyAndOnlyForTheirText() throws {
        let (checkpoint, key) = try Self.signed()
        let other = try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        #expect(checkpoint.verify(against: [key.publicKey]).verified == [key.keyID])
        let unknown = checkpoint.verify(against: [other.publicKey])
        #expect(unknown.unknown == [key.keyID] && !unknown.isTrusted)

        // The same signature over another size fails under the key that made it.
        let moved = try Checkpoint(
            origin: Self.origin, size: 43, headHash: Self.headHash, time: checkpoint.time,
            signatures: checkpoint.signatures)
        let check = moved.verify(against: [key.publicKey])
        #expect(check.failed == [key.keyID] && !check.isTrusted)
    }

    @Test func aNoteCarriesSeveralSignaturesAndUnknownKeyNames() throws {
        let (checkpoint, key) = try Self.signed()
        let second = try Ed25519PrivateKey(seed: [UInt8](repeating: 9, count: 32))
        let cosigned = try checkpoint.signed(by: second)
        #expect(try cosigned.signed(by: second) == cosigned)  // one signature per key
        let stranger =
            "\u{2014} example.com/witness "
            + Data([1, 2, 3, 4] + [UInt8](repeating: 5, count: 72))
            .base64EncodedString()
        let parsed = try Checkpoint(parsing: cosigned.note + stranger + "\n")
        #expect(parsed.signatures.map(\.keyName) == [key.keyID, second.keyID, "example.com/witness"])
        let check = parsed.verify(against: [key.publicKey, second.publicKey])
        #expect(check.verified == [key.keyID, second.keyID])
        #expect(check.unknown == ["example.com/witness"])
        #expect(check.isTrusted)
    }

    /// Replacing `of` by `with` in a valid note breaks the format, and the note is refused; the unmutated note
    /// parses, so each case fails only because of its mutation.
    @Test(arguments: [
        ("no blank line", "\n\n", "\n"),
        ("a second blank line", "\n\n", "\n\n\n"),
        ("size with a leading zero", "\n42\n", "\n042\n"),
        ("size zero", "\n42\n", "\n0\n"),
        ("negative size", "\n42\n", "\n-42\n"),
        ("size with a sign", "\n42\n", "\n+42\n"),
        ("unknown extension line", "\ntime ", "\nzone "),
        ("two time lines", "Z\n\n", "Z\ntime 2026-11-23T13:37:00.123Z\n\n"),
        ("a time that is no time", "2026-11-23T", "2026-13-23T"),
        ("hash without padding", "=\ntime", "\ntime"),
        ("hash with a bad character", "=\ntime", "!\ntime"),
        ("hash of 33 bytes", "=\ntime", "AAA\ntime"),
        ("origin with a space", "modelregistry/", "model registry/"),
        ("origin with a plus", "modelregistry/", "model+registry/"),
        ("a tab", "time ", "time\t"),
        ("a carriage return", "\n42\n", "\r\n42\n"),
        ("signature line with a hyphen", "\u{2014} ", "-- "),
        ("signature line without a key name", "\u{2014} ed25519:", "\u{2014}  ed25519:"),
        ("key name with a plus", "\u{2014} ed25519:", "\u{2014} ed25519+"),
    ])
    func malformedNotesAreRefused(_ name: String, _ of: String, _ with: String) throws {
        let (checkpoint, _) = try Self.signed()
        let note = checkpoint.note
        #expect(note.contains("=\ntime"), "the fixture's hash lost its padding")
        #expect(throws: Never.self) { try Checkpoint(parsing: note) }
        let mutated = note.replacingOccurrences(of: of, with: with)
        #expect(mutated != note, "\(name): the mutation changed nothing")
        #expect(registryErrorCode { try Checkpoint(parsing: mutated) } == .invalidDocument, "\(name)")
    }

    @Test func truncatedOrExtendedNotesAreRefused() throws {
        let (checkpoint, _) = try Self.signed()
        let note = checkpoint.note
        #expect(throws: Never.self) { try Checkpoint(parsing: note) }
        for mutated in [
            note + "\n",  // a blank line at the end
            String(note.dropLast()),  // no final newline
            String(note.dropLast()) + " extra\n",  // a third field on the signature line
            String(note[..<note.range(of: "\n\n")!.upperBound]),  // no signature
            note + note,  // two notes
            String(note.dropLast(2)) + "*\n",  // a signature with a bad base64 character
            String(note.dropLast(2)) + "\n",  // a signature without its padding
        ] {
            #expect(registryErrorCode { try Checkpoint(parsing: mutated) } == .invalidDocument, "\(mutated)")
        }
    }

    @Test func invalidUTF8IsRefused() throws {
        let (checkpoint, _) = try Self.signed()
        var bytes = Array(checkpoint.note.utf8)
        bytes[2] = 0xFF
        #expect(registryErrorCode { try Checkpoint(parsing: bytes) } == .invalidDocument)
    }

    /// The example of Go's `golang.org/x/mod/sumdb/note` documentation (also in C2SP implementations): its
    /// verifier key `example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k` and its signed note.
    /// Checks the key-hash rule and that a signature line's bytes are 4 key-hash bytes then the Ed25519 signature
    /// of the text including its final newline.
    @Test func keyHashAndSignatureMatchTheGoNotePackageExample() throws {
        let verifierKey = try #require(Data(base64Encoded: "AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"))
        #expect(verifierKey.first == 0x01)  // the Ed25519 signature type
        let publicKey = try Ed25519PublicKey(rawRepresentation: Array(verifierKey.dropFirst()))
        #expect(Checkpoint.noteKeyHash(keyName: "example.com/foo", publicKey: publicKey) == 0x530d_903a)
        #expect(Checkpoint.noteKeyHash(keyName: "example.com/bar", publicKey: publicKey) != 0x530d_903a)

        let line = try #require(
            Data(
                base64Encoded:
                    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="))
        #expect(Array(line.prefix(4)) == [0x53, 0x0d, 0x90, 0x3a])
        let signature = Signature(keyID: publicKey.keyID, algorithm: "ed25519", bytes: Array(line.dropFirst(4)))
        #expect(publicKey.isValidSignature(signature, for: Array("This is an example message.\n".utf8)))
        #expect(!publicKey.isValidSignature(signature, for: Array("This is an example message.".utf8)))
    }

    /// Python's `cryptography` signs the same note text with the same seed; Ed25519 is deterministic, so the
    /// whole note must come out byte for byte the same, key hash included.
    @Test(.enabled(if: ExternalEd25519.pythonWithCryptography != nil, "needs python3 with the cryptography package"))
    func pythonBuildsTheSameNote() throws {
        let python = try #require(ExternalEd25519.pythonWithCryptography)
        let (checkpoint, key) = try Self.signed()
        let script = """
            import base64, hashlib, sys
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives import serialization
            seed = bytes.fromhex(sys.argv[1]); text = sys.argv[2].encode(); name = sys.argv[3]
            private = Ed25519PrivateKey.from_private_bytes(seed)
            public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            key_hash = hashlib.sha256(name.encode() + b"\\n\\x01" + public).digest()[:4]
            line = "\\u2014 " + name + " " + base64.b64encode(key_hash + private.sign(text)).decode()
            sys.stdout.write(text.decode() + "\\n" + line + "\\n")
            """
        let result = try ExternalEd25519.run(
            python, ["-c", script, Digest.encodeHex(Self.seed), checkpoint.noteText, key.keyID])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == checkpoint.note)
    }
}
