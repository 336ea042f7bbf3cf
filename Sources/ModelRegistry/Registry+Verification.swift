import Foundation

extension Registry {
    /// A verifier over this registry's artifacts with the given trusted keys.
    public func verifier(trust: TrustStore = TrustStore()) -> ArtifactVerifier {
        ArtifactVerifier(store: artifacts, trust: trust)
    }

    /// Verifies one artifact. See `ArtifactVerifier.verify(_:depth:)`.
    public func verify(_ id: ArtifactID, depth: VerificationReport.Depth = .full, trust: TrustStore = TrustStore()) throws -> VerificationReport {
        try verifier(trust: trust).verify(id, depth: depth)
    }

    /// Opens an artifact for loading after the cheap check: quick verification plus per-file stamps, re-hashing
    /// only files that changed since they were last verified (all of them the first time).
    ///
    /// An artifact whose bytes changed is never served silently: this throws `.digestMismatch` listing every
    /// problem. Hard-linked files whose original was edited in place are caught here.
    /// - Throws: `.notFound`, `.digestMismatch`.
    public func openForLoading(_ id: ArtifactID) throws -> Artifact {
        let report = try verifier().verifyForLoading(id)
        guard report.isClean else {
            throw RegistryError(
                .digestMismatch,
                "artifact \(id) failed verification and will not be served: "
                    + report.findings.map(\.description).joined(separator: "; "),
                path: layout.artifactPath(id))
        }
        return try artifacts.artifact(id)
    }

    static func signaturePayload(_ file: SignatureFile, recovered: Bool = false) -> [String: JSONValue] {
        var payload: [String: JSONValue] = [
            "artifact": .string(file.artifact.description), "keyID": .string(file.signature.keyID),
            "algorithm": .string(file.signature.algorithm), "file": .string("signatures/" + file.fileName),
        ]
        if recovered { payload["recovered"] = .bool(true) }
        return payload
    }

    /// Adds a detached signature of the artifact's manifest to `artifacts/<id>/signatures/` and records
    /// `signature_added`. The artifact's identity does not change.
    ///
    /// - Throws: `.notFound`; whatever the signer throws; I/O errors.
    /// - Durability: the signature file is written atomically (unique temp file, fsync, rename, directory fsync)
    ///   before the event is appended.
    @discardableResult
    public func sign(_ id: ArtifactID, with signer: any Signer, actor: String? = nil) throws -> SignatureFile {
        _ = try artifacts.artifact(id)  // exists, and its manifest hashes to its id
        let manifestBytes = try FileSystem.readDocument(layout.artifactPath(id) + "/manifest.json")
        let file = SignatureFile(artifact: id, signature: try signer.signature(for: manifestBytes))
        let directory = layout.artifactPath(id) + "/signatures"
        return try withWriterLock {
            try FileSystem.makeDirectory(directory)
            let path = directory + "/" + file.fileName
            try FileSystem.atomicReplace(path, contents: file.fileBytes(), mode: 0o444)
            do {
                try journal.append(.signatureAdded, actor: actor ?? configuration.actor, payload: Self.signaturePayload(file))
            } catch {
                try? FileSystem.removeTree(path)  // keep file and log in agreement
                throw error
            }
            return file
        }
    }
}
