import Foundation
import RegistryCore

/// An approval to point an alias at an artifact, signed by the approver's key.
///
/// The signed message is the RFC 8785 canonical JSON of the statement
/// `{"alias","approval","approver","artifact","reason"?,"schemaVersion":1}`, so an approval for one alias and
/// artifact can never be replayed for another. The file form adds `"signature":{"algorithm","keyID","value"}`
/// (`value` is standard base64).
public struct SignedApproval: Hashable, Sendable {
    /// The alias the approval is for.
    public var alias: String
    /// The approval id, for example a change ticket `CHG-1234`.
    public var approval: String
    /// Who approves, in words.
    public var approver: String
    /// The artifact the alias may point at.
    public var artifact: ArtifactID
    /// Why.
    public var reason: String?
    /// The approver's signature over ``statementBytes``.
    public var signature: Signature

    /// The canonical bytes that are signed.
    public var statementBytes: [UInt8] {
        CanonicalJSON.encode(.object(statementFields))
    }

    private var statementFields: [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "schemaVersion": 1, "alias": .string(alias), "approval": .string(approval), "approver": .string(approver),
            "artifact": .string(artifact.description),
        ]
        if let reason { fields["reason"] = .string(reason) }
        return fields
    }

    /// Signs an approval statement with `signer`.
    public init(
        alias: String, approval: String, approver: String, artifact: ArtifactID, reason: String? = nil,
        signer: any Signer
    ) throws {
        self.alias = alias
        self.approval = approval
        self.approver = approver
        self.artifact = artifact
        self.reason = reason
        self.signature = Signature(keyID: signer.keyID, algorithm: signer.algorithm, bytes: [])
        self.signature = try signer.signature(for: statementBytes)
    }

    /// The file contents: canonical JSON and a newline.
    public func fileBytes() -> [UInt8] {
        CanonicalJSON.encode(jsonValue) + [0x0A]
    }

    /// The whole document, signature included, as JSON (what a promotion records in its event).
    public var jsonValue: JSONValue {
        var fields = statementFields
        fields["signature"] = .object([
            "algorithm": .string(signature.algorithm), "keyID": .string(signature.keyID),
            "value": .string(Data(signature.bytes).base64EncodedString()),
        ])
        return .object(fields)
    }

    /// Parses an approval file.
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming `source` and the field.
    public init(fileBytes bytes: [UInt8], source: String) throws {
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        try reader.rejectUnknownKeys(allowed: [
            "schemaVersion", "alias", "approval", "approver", "artifact", "reason", "signature",
        ])
        guard try reader.integer("schemaVersion") == 1 else {
            throw reader.makeError(at: "schemaVersion", "unsupported")
        }
        alias = try reader.string("alias")
        approval = try reader.string("approval")
        approver = try reader.string("approver")
        artifact = try ArtifactID(parsing: try reader.string("artifact"), context: "\(source): field 'artifact'")
        reason = try reader.optionalString("reason")
        let signatureReader = try reader.object("signature")
        try signatureReader.rejectUnknownKeys(allowed: ["algorithm", "keyID", "value"])
        guard let value = Data(base64Encoded: try signatureReader.string("value")) else {
            throw signatureReader.makeError(at: "value", "is not base64")
        }
        signature = Signature(
            keyID: try signatureReader.string("keyID"), algorithm: try signatureReader.string("algorithm"),
            bytes: Array(value))
    }

    /// Why this approval does not allow pointing `alias` at `target` under `trust`; empty when it does.
    ///
    /// - Parameter approverKeys: if not empty, only these key ids may approve.
    public func problems(alias: String, target: ArtifactID, trust: TrustStore, approverKeys: [String] = []) -> [String]
    {
        var problems: [String] = []
        if self.alias != alias { problems.append("the signed approval is for alias '\(self.alias)', not '\(alias)'") }
        if artifact != target { problems.append("the signed approval is for \(artifact), not \(target)") }
        if !approverKeys.isEmpty && !approverKeys.contains(signature.keyID) {
            problems.append("the approval is signed by \(signature.keyID), which may not approve this alias")
        } else if trust.verifiers[signature.keyID] == nil {
            problems.append("the approval is signed by \(signature.keyID), which is not trusted")
        } else if !trust.isTrustedSignature(signature, for: statementBytes) {
            problems.append("the approval's signature does not verify")
        }
        return problems
    }
}
