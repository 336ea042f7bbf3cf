import Foundation

extension Registry {
    /// A verifier over this registry's artifacts, trusting the configuration's keys
    /// (``Configuration/trust``: the one place trust comes from).
    public func verifier() -> ArtifactVerifier {
        ArtifactVerifier(store: artifacts, trust: configuration.trust)
    }

    /// Verifies one artifact, checking signatures against the configuration's trusted keys at `.trust` depth.
    /// See `ArtifactVerifier.verify(_:depth:)`.
    ///
    /// - Returns: every problem found; a failed verification is a value, not a throw.
    /// - Throws: only when verification cannot run at all.
    public func verify(_ id: ArtifactID, depth: VerificationReport.Depth = .full) throws -> VerificationReport {
        try verifier().verify(id, depth: depth)
    }

    /// Opens an artifact for loading after the cheap check: quick verification plus per-file stamps, re-hashing
    /// only files that changed since they were last verified (all of them the first time).
    ///
    /// An artifact whose bytes changed is never served silently: this throws `.digestMismatch` listing every
    /// problem. Hard-linked files whose original was edited in place are caught here.
    /// - Throws: `.notFound`, `.digestMismatch`.
    public func openForLoading(_ id: ArtifactID) throws -> Artifact {
        try requireClean(verifier().verifyForLoading(id), "artifact \(id) failed verification and will not be served")
        return try artifacts.artifact(id)
    }

    /// Throws `.digestMismatch` naming the artifact directory and listing every finding, unless `report` is clean.
    func requireClean(_ report: VerificationReport, _ refusal: String) throws {
        guard !report.isClean else { return }
        throw RegistryError(
            .digestMismatch, refusal + ": " + report.findings.map(\.description).joined(separator: "; "),
            path: layout.artifactPath(report.artifact))
    }

    /// Adds a detached signature of the artifact's manifest to `artifacts/<id>/signatures/` and records
    /// `signature_added`. The artifact's identity does not change. Signing happens before the writer lock is
    /// taken (a remote signer may be slow).
    ///
    /// - Returns: the signature file (also when the same signature was already attached: nothing is written).
    /// - Throws: `.notFound`; whatever the signer throws; `.lockTimeout`; I/O errors (after the event was
    ///   appended, the error says the signature is recorded; ``recover(actor:)-7k7gj`` writes its file).
    /// - Durability: `signature_added` (carrying the signature) is appended and synced first, then the signature
    ///   file is written atomically (unique temp file, fsync, rename, directory fsync).
    @discardableResult
    public func sign(_ id: ArtifactID, with signer: any Signer, actor: String? = nil) throws -> SignatureFile {
        _ = try artifacts.artifact(id)  // exists, and its manifest hashes to its id
        let manifestBytes = try FileSystem.readDocument(layout.manifestPath(of: id))
        let file = SignatureFile(artifact: id, signature: try signer.signature(for: manifestBytes))
        _ = try commit(file, to: JournaledSignatures(store: signatures, artifacts: artifacts), actor: actor)
        return file
    }
}
