import Foundation

extension Registry {
    /// A verifier over this registry's artifacts, trusting the configuration's keys
    /// (``Configuration/trust``: the one place trust comes from).
    ///
    /// Stamps of files it hashes go to `indexes/stamps/` (or the per-user cache when that cannot be written); for a
    /// registry opened read-only, only to the per-user cache.
    public func verifier() -> ArtifactVerifier {
        verifier(stampRecording: isReadOnly ? .userCacheOnly : .registry)
    }

    /// A verifier over this registry's artifacts that records stamps where `stampRecording` says — for example
    /// `.registry` for `modelreg verify --deep`, which pre-stamps a registry it opened for reading.
    public func verifier(stampRecording: ArtifactVerifier.StampRecording) -> ArtifactVerifier {
        ArtifactVerifier(
            store: artifacts, trust: configuration.trust, stampRecording: stampRecording,
            userStampCache: configuration.userStampCache)
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
    /// only files that changed since they were last verified (or were never stamped).
    ///
    /// An artifact whose bytes changed is never served silently: this throws `.digestMismatch` listing every
    /// problem. Hard-linked files whose original was edited in place are caught here. An evicted artifact is
    /// fetched back first (writable registry) or refused with `.evicted` (read-only), as
    /// ``openForLoading(artifact:)-o63y`` does; that call also says what was re-hashed, why, and whether it fetched.
    /// - Throws: `.notFound`, `.digestMismatch`, `.evicted`, and what a fetch throws.
    public func openForLoading(_ id: ArtifactID) throws -> Artifact {
        try openForLoading(artifact: id).artifact
    }

    /// Opens an artifact for loading, as ``openForLoading(_:)-17ovs``, and says how it was verified: which files had to
    /// be re-hashed and why (never stamped, stamp changed).
    ///
    /// An evicted artifact (FORMAT.md §14.4) is fetched first from the remote its eviction recorded, verified in
    /// staging and published (``LoadedArtifact/fetched`` says so), when the registry was opened for writing; a
    /// read-only registry throws `.evicted`, naming the remote and how to fetch it.
    ///
    /// - Throws: `.notFound`, `.digestMismatch`, `.evicted` (read-only), and the errors of
    ///   `fetch(_:from:actor:)` when an on-demand fetch fails (nothing is published then).
    /// - Complexity: one `stat` per file when every stamp matches; otherwise reads the changed files once.
    public func openForLoading(artifact id: ArtifactID) throws -> LoadedArtifact {
        try load(id, alias: nil)
    }

    /// Resolves an alias and opens its target for loading, in one call with no window between the two.
    ///
    /// The alias file is read once; exactly the artifact that record names is verified and opened, and the
    /// record comes back with it. Artifacts are immutable and never removed from under an alias, so a promotion
    /// landing a microsecond later cannot change what this loads: it is a new change, which
    /// ``watch(_:pollInterval:polling:)`` delivers (start the watch before calling this).
    ///
    /// ```swift
    /// let loaded = try registry.openForLoading(alias: "document-classifier-champion")
    /// log("serving \(loaded.artifact.id), re-hashed \(loaded.rehashed)")  // [] when stamps matched
    /// let weights = loaded.artifact.url(for: "weights.bin")
    /// ```
    ///
    /// An evicted target is fetched on demand, as ``openForLoading(artifact:)-o63y`` does.
    ///
    /// - Throws: `.notFound` (no alias, or its target is missing), `.revoked` (its target was revoked: roll the
    ///   alias back), `.invalidName`, `.digestMismatch` (the target's bytes changed: not served), `.evicted`
    ///   (read-only registry) and on-demand fetch errors,
    ///   `.invalidJSON` / `.invalidDocument` for a damaged alias or state file.
    public func openForLoading(alias: String) throws -> LoadedArtifact {
        let record = try resolve(alias)
        return try load(record.artifact, alias: record)
    }

    private func load(_ id: ArtifactID, alias: AliasRecord?) throws -> LoadedArtifact {
        var fetched: FetchReport?
        if let record = try evictionStore.record(id) {
            // Evicted: fetched on demand from its recorded remote when this registry may be written.
            guard !isReadOnly else {
                throw evictedError(record, alias.map { "alias '\($0.alias)' points at \(id)" } ?? "cannot load \(id)")
            }
            fetched = try fetch(id)
        }
        let report = try verifier().verifyForLoading(id)
        let refusal = alias.map {
            "alias '\($0.alias)' points at \(id), which failed verification and will not be served"
        }
        try requireClean(report, refusal ?? "artifact \(id) failed verification and will not be served")
        return LoadedArtifact(
            alias: alias, artifact: try artifacts.artifact(id), verification: report, fetched: fetched)
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
