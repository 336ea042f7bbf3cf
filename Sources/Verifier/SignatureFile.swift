import Foundation
import RegistryCore

/// A detached signature stored as `artifacts/<id>/signatures/<name>.json`.
///
/// The signed message is exactly the bytes of the artifact's `manifest.json` (its canonical manifest, whose digest
/// is the id), so a signature covers every file through the manifest's digests. Adding a signature never changes
/// the artifact's identity: `signatures/` is outside the manifest.
///
/// ```
/// {"algorithm":"ed25519","artifact":"sha256-…","keyID":"ed25519:…","schemaVersion":1,"signature":"<base64>","signed":"manifest.json"}
/// ```
public struct SignatureFile: Hashable, Sendable {
    /// The schema version of signature files.
    public static let schemaVersion = 1
    /// What a signature file says was signed: the manifest bytes.
    public static let signedContent = "manifest.json"

    /// The artifact the signature is for.
    public var artifact: ArtifactID
    /// The signature (key id, algorithm, bytes).
    public var signature: Signature

    /// Creates a signature file value.
    public init(artifact: ArtifactID, signature: Signature) {
        self.artifact = artifact
        self.signature = signature
    }

    /// The file contents: canonical JSON and a newline.
    public func fileBytes() -> [UInt8] {
        let value: JSONValue = .object([
            "schemaVersion": .number(JSONNumber(Self.schemaVersion)),
            "artifact": .string(artifact.description),
            "keyID": .string(signature.keyID),
            "algorithm": .string(signature.algorithm),
            "signed": .string(Self.signedContent),
            "signature": .string(Data(signature.bytes).base64EncodedString()),
        ])
        return CanonicalJSON.encode(value) + [0x0A]
    }

    /// Parses a signature file.
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming `source` and the field.
    public init(fileBytes bytes: [UInt8], source: String) throws {
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        try reader.rejectUnknownKeys(allowed: [
            "schemaVersion", "artifact", "keyID", "algorithm", "signed", "signature",
        ])
        guard try reader.integer("schemaVersion") == Int64(Self.schemaVersion) else {
            throw reader.makeError(at: "schemaVersion", "unsupported signature schema version")
        }
        guard try reader.string("signed") == Self.signedContent else {
            throw reader.makeError(at: "signed", "must be '\(Self.signedContent)'")
        }
        let artifact = try ArtifactID(parsing: try reader.string("artifact"), context: "\(source): field 'artifact'")
        guard let bytes = Data(base64Encoded: try reader.string("signature")) else {
            throw reader.makeError(at: "signature", "is not base64")
        }
        self.artifact = artifact
        self.signature = Signature(
            keyID: try reader.string("keyID"), algorithm: try reader.string("algorithm"), bytes: Array(bytes))
    }

    /// A file name for this signature that never collides (FORMAT.md §12.1): the key id with every Unicode scalar
    /// other than ASCII `A–Z a–z 0–9` replaced by `-`, a `-`, the first 8 lowercase hex digits of the SHA-256 of the
    /// raw signature bytes (the base64-decoded `signature`), and `.json`.
    public var fileName: String {
        let safeKey = String(
            String.UnicodeScalarView(
                signature.keyID.unicodeScalars.map { scalar in
                    switch scalar.value {
                    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: scalar
                    default: "-"
                    }
                }))
        return "\(safeKey)-\(SHA256Algorithm().hash(signature.bytes).hex.prefix(8)).json"
    }
}
