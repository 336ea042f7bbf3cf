/// Registering an artifact directory that is already in `artifacts/` but has no `artifact_registered` event (one
/// copied in by hand, or reported by recovery): the bytes are there, so only the event is written.
struct JournaledAdoptions: JournaledStore {
    let registry: Registry
    var name: String { "adoption" }

    func check(_ id: ArtifactID, in transaction: Transaction) throws -> ArtifactRegistered? {
        let artifact = try registry.artifacts.artifact(id)  // exists, and its manifest hashes to its id
        guard try !registry.logRegisters(id) else { return nil }
        return ArtifactRegistered(artifact)
    }

    func apply(_ id: ArtifactID, as event: ArtifactRegistered, in transaction: Transaction) throws {}

    func key(of event: ArtifactRegistered) -> String { event.artifact.description }
    func discrepancies(lastEvents: [String: ArtifactRegistered]) throws -> [Discrepancy] { [] }
    func restore(_ key: String, to event: ArtifactRegistered?) throws -> Bool { false }
}

extension Registry {
    /// Whether the audit log registers `id` — an `artifact_registered` event not followed by an
    /// `artifact_collected`: the index answers when it lists the registration (it drops collected artifacts),
    /// otherwise one pass over the log decides.
    func logRegisters(_ id: ArtifactID) throws -> Bool {
        if (try? index.summary(of: id))??.registrationSequence != nil { return true }
        // The last registration or collection decides: a collected artifact copied back needs a new event.
        var registered = false
        try journal.forEachEvent(.init(types: [.artifactRegistered, .artifactCollected], artifact: id.description)) {
            registered = $0.type == .artifactRegistered
        }
        return registered
    }

    /// Registers an artifact directory that is in `artifacts/` without its `artifact_registered` event — one
    /// copied in by hand, or one `fsck` and ``recover(actor:)-7k7gj`` report as unregistered — after verifying every
    /// file.
    ///
    /// - Returns: the event, or nil when the log already registered the artifact.
    /// - Throws: `.notFound` when there is no such directory; `.digestMismatch` when it fails full verification
    ///   (nothing is written); `.lockTimeout`; I/O errors.
    /// - Complexity: reads the audit log once and re-hashes the artifact's files.
    @discardableResult
    public func adopt(_ id: ArtifactID, actor: String? = nil) throws -> AuditEvent? {
        // Re-hashing happens before the writer lock: artifact directories are immutable, so the check holds.
        try requireClean(verifier().verify(id, depth: .full), "cannot adopt \(id): it fails verification")
        return try commit(id, to: JournaledAdoptions(registry: self), actor: actor)?.event
    }

    /// Async twin of the blocking `adopt(_:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func adopt(_ id: ArtifactID, actor: String? = nil) async throws -> AuditEvent? {
        try await run { try self.adopt(id, actor: actor) }
    }
}
