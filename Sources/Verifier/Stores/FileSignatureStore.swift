import Foundation
import RegistryCore

/// Detached signatures: `artifacts/<id>/signatures/<name>.json`, outside the manifest, so adding one never
/// changes the artifact's identity.
///
/// This type owns the files only; the umbrella `Registry` takes the writer lock and records `signature_added`.
public struct FileSignatureStore: Sendable {
    /// The registry.
    public let layout: RegistryLayout

    /// Creates a store.
    public init(layout: RegistryLayout) { self.layout = layout }

    /// The path a signature file is stored at.
    public func path(of file: SignatureFile) -> String {
        layout.signaturePath(of: file.artifact, name: file.fileName)
    }

    /// The path relative to the artifact directory (`signatures/<name>.json`), as events record it.
    public func relativePath(of file: SignatureFile) -> String { "signatures/" + file.fileName }

    /// The signature files of an artifact, by file name, sorted; a file that does not parse, or whose name is not
    /// the one its content implies, is returned with its error so callers can report it.
    public func files(of id: ArtifactID) throws -> [(name: String, file: Result<SignatureFile, RegistryError>)] {
        let directory = layout.signaturesPath(of: id)
        guard try FileSystem.exists(directory) else { return [] }
        return try FileSystem.listDirectory(directory).compactMap { entry in
            guard let name = entry.name, name.hasSuffix(".json") else { return nil }
            let path = layout.signaturePath(of: id, name: name)
            do {
                let file = try SignatureFile(fileBytes: FileSystem.readDocument(path, limit: 1 << 20), source: path)
                guard file.fileName == name, file.artifact == id else {
                    throw RegistryError(
                        .invalidDocument,
                        "\(path): the signature belongs in \(layout.relativePath(self.path(of: file)))",
                        path: path)
                }
                return (name, .success(file))
            } catch let error as RegistryError {
                return (name, .failure(error))
            }
        }.sorted { $0.name < $1.name }
    }

    /// Writes a signature file. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync (the file is read-only).
    public func write(_ file: SignatureFile) throws {
        try FileSystem.makeDirectory(layout.signaturesPath(of: file.artifact))
        try FileSystem.atomicReplace(path(of: file), contents: file.fileBytes(), mode: 0o444)
    }

    /// Removes a signature file (to undo a write whose event could not be recorded). The caller holds the lock.
    public func remove(_ file: SignatureFile) throws {
        guard try FileSystem.exists(path(of: file)) else { return }
        try FileSystem.removeFile(path(of: file))
        try FileSystem.syncDirectory(layout.signaturesPath(of: file.artifact))
    }
}

/// The payload of `signature_added`: a detached signature was attached to an artifact.
public struct SignatureAdded: AuditPayload {
    public static let eventTypes = ["signature_added"]

    /// The artifact signed.
    public var artifact: ArtifactID
    /// The signing key's id.
    public var keyID: String
    /// The signature algorithm (`ed25519`).
    public var algorithm: String
    /// The file, relative to the artifact directory (`signatures/<name>.json`).
    public var file: String
    /// The signature bytes, so the file can be re-derived from the log. Always written by this version; nil only
    /// in events written before it was recorded.
    public var signature: [UInt8]?
    /// Written by recovery for a signature whose own event a crash prevented (earlier versions).
    public var recovered: Bool

    /// Creates a payload.
    public init(
        artifact: ArtifactID, keyID: String, algorithm: String, file: String, signature: [UInt8]? = nil,
        recovered: Bool = false
    ) {
        self.artifact = artifact
        self.keyID = keyID
        self.algorithm = algorithm
        self.file = file
        self.signature = signature
        self.recovered = recovered
    }

    /// The payload that records `file`.
    public init(_ file: SignatureFile, recovered: Bool = false) {
        self.init(
            artifact: file.artifact, keyID: file.signature.keyID, algorithm: file.signature.algorithm,
            file: "signatures/" + file.fileName, signature: file.signature.bytes, recovered: recovered)
    }

    /// The signature file this event records, when the event carries the signature bytes.
    public var signatureFile: SignatureFile? {
        signature.map {
            SignatureFile(artifact: artifact, signature: Signature(keyID: keyID, algorithm: algorithm, bytes: $0))
        }
    }

    public var payloadMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "artifact": .string(artifact.description), "keyID": .string(keyID), "algorithm": .string(algorithm),
            "file": .string(file),
        ]
        if let signature { members["signature"] = .string(Data(signature).base64EncodedString()) }
        Self.markRecovered(&members, recovered)
        return members
    }

    public init(eventType: String, payload: JSONObjectReader) throws {
        self.init(
            artifact: try payload.artifactID("artifact"),
            keyID: try payload.string("keyID"), algorithm: try payload.string("algorithm"),
            file: try payload.string("file"), signature: try Self.signatureBytes(payload),
            recovered: try Self.isRecovered(payload))
    }

    private static func signatureBytes(_ payload: JSONObjectReader) throws -> [UInt8]? {
        guard let text = try payload.optionalString("signature") else { return nil }
        guard let bytes = Data(base64Encoded: text) else { throw payload.makeError(at: "signature", "is not base64") }
        return Array(bytes)
    }
}
