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

    /// A file name for this signature that never collides: the key id made file-safe, and 8 hex digits of the
    /// signature's SHA-256.
    public var fileName: String {
        let safeKey = signature.keyID.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        return "\(safeKey)-\(SHA256Algorithm().hash(signature.bytes).hex.prefix(8)).json"
    }
}
