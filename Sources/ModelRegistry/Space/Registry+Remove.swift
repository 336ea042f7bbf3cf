import RegistryCore

extension Registry {
    /// What `remove(_:force:actor:)` did.
    public struct Removal: Sendable {
        /// The artifact removed.
        public var artifact: ArtifactID
        /// The `artifact_collected` event that records it.
        public var event: AuditEvent
        /// The bytes freed: files no other artifact or user file shares.
        public var bytesFreed: Int64
        /// What still held the artifact and was overridden by `force`; empty for an unforced removal.
        public var overridden: [ArtifactHold]
    }

    /// Removes one artifact directory, audited as `artifact_collected` with reason `removed` (FORMAT.md §14.3).
    ///
    /// Refused — nothing written — while something still needs the artifact: an alias pointing at it, an alias
    /// whose history `rollback` could return to it, a protected lifecycle state (`production`, `candidate`), a
    /// pin, or an ingest in progress sharing its files (a live staging lease). `force` removes it anyway and
    /// records what it overrode; aliases that pointed at it then fail to resolve with a message saying it was
    /// removed. Its state file, evaluation records and the log's history stay (they are views of the log, about
    /// content: registering the same bytes again publishes the same id, with a new `artifact_registered`, and
    /// they apply again); its signatures live inside its directory and go with it.
    ///
    /// - Parameters:
    ///   - artifact: the artifact.
    ///   - force: remove it even when something holds it.
    ///   - actor: who removes, for the audit event; the configuration's actor by default.
    /// - Returns: the removal, its event and the bytes freed.
    /// - Throws: `.notFound` when there is no such artifact; `.inUse` naming every holder (unless `force`);
    ///   `.lockTimeout`; `.reentrantWrite`; I/O errors. An error after the event says the removal is recorded
    ///   and its directory not yet taken away: the next write or ``recover(actor:)-7k7gj`` finishes it.
    /// - Durability: the event is appended and synced first; then one rename out of `artifacts/`, synced; then
    ///   the renamed tree is deleted. A crash after the event leaves the directory for recovery to remove.
    @discardableResult
    public func remove(_ artifact: ArtifactID, force: Bool = false, actor: String? = nil) throws -> Removal {
        let change = JournaledCollections.Change(artifact: artifact, reason: .removed, force: force, holds: nil)
        guard let committed = try commit(change, to: JournaledCollections(registry: self), actor: actor) else {
            preconditionFailure("checking a removal returns its event or throws (.notFound for no artifact)")
        }
        let holds = committed.payload.holds.map(ArtifactHold.init(token:))
        return Removal(
            artifact: artifact, event: committed.event, bytesFreed: committed.payload.bytesFreed, overridden: holds)
    }

    /// Async twin of the blocking `remove(_:force:actor:)` (same parameters and errors), run on the registry's
    /// queue.
    @discardableResult
    public func remove(_ artifact: ArtifactID, force: Bool = false, actor: String? = nil) async throws -> Removal {
        try await run { try self.remove(artifact, force: force, actor: actor) }
    }

    /// What holds an artifact now — what `rm` would name when refusing: aliases, alias history, protected states
    /// (`production`, `candidate`), pins, live staging leases. Lock-free; empty when nothing holds it.
    ///
    /// - Throws: `.notFound` when there is no such artifact.
    /// - Complexity: reads the log's alias events once and the `states/`, `pins/` and `staging/` directories.
    public func holds(of artifact: ArtifactID) throws -> [ArtifactHold] {
        try artifacts.requireContains(artifact)
        return readProtections().holds(
            of: artifact, protectedStates: GarbageCollectionOptions.defaultProtectedStates,
            inodes: (try? inodes(of: artifact)).map { Set($0.map(\.inode)) })
    }

    /// Async twin of the blocking `holds(of:)`, run on the registry's queue.
    public func holds(of artifact: ArtifactID) async throws -> [ArtifactHold] {
        try await run { try self.holds(of: artifact) }
    }
}

extension ArtifactHold {
    /// Parses the compact `kind` or `kind:detail` form of `artifact_collected`'s `holds`.
    init(token: String) {
        if let colon = token.firstIndex(of: ":") {
            self.init(Kind(rawValue: String(token[..<colon])), String(token[token.index(after: colon)...]))
        } else {
            self.init(Kind(rawValue: token))
        }
    }
}
