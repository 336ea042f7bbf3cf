import RegistryCore

extension Registry {
    /// Pins an artifact, so that the garbage collector keeps it and `rm` refuses it (unless forced), whatever its
    /// aliases and state say: `pins/<artifact-id>.json`, recorded as `artifact_pinned` (FORMAT.md §14.1).
    ///
    /// - Parameters:
    ///   - artifact: the artifact.
    ///   - reason: why, recorded in the pin and the event.
    ///   - actor: who pins; the configuration's actor by default.
    /// - Returns: the event, or nil when the artifact was already pinned (nothing is written).
    /// - Throws: `.notFound` when there is no such artifact; `.invalidJSON` / `.invalidDocument` naming a damaged
    ///   pin file (``recover(actor:)-7k7gj`` rewrites it from the log); `.symlinkRefused` when `pins/` is a
    ///   symbolic link; `.lockTimeout`; I/O errors.
    /// - Durability: event first (it carries the whole record), then the file, both synced before this returns.
    @discardableResult
    public func pin(_ artifact: ArtifactID, reason: String? = nil, actor: String? = nil) throws -> AuditEvent? {
        try commit(
            JournaledPins.Change(artifact: artifact, pin: true, reason: reason),
            to: JournaledPins(store: pins, artifacts: artifacts), actor: actor)?.event
    }

    /// Removes an artifact's pin, recorded as `artifact_unpinned`. Works for an artifact that is gone too (a pin
    /// a forced removal overrode).
    ///
    /// - Parameters:
    ///   - artifact: the artifact.
    ///   - reason: why, recorded in the event.
    ///   - actor: who unpins; the configuration's actor by default.
    /// - Returns: the event, or nil when the artifact was not pinned (nothing is written).
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming a damaged pin file; `.lockTimeout`; I/O errors.
    /// - Durability: event first, then the file is removed and `pins/` synced.
    @discardableResult
    public func unpin(_ artifact: ArtifactID, reason: String? = nil, actor: String? = nil) throws -> AuditEvent? {
        try commit(
            JournaledPins.Change(artifact: artifact, pin: false, reason: reason),
            to: JournaledPins(store: pins, artifacts: artifacts), actor: actor)?.event
    }

    /// The artifact's pin, or nil when it is not pinned. Lock-free.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming a damaged pin file.
    public func pinRecord(of artifact: ArtifactID) throws -> PinRecord? {
        try pins.record(artifact)
    }

    /// Async twin of the blocking `pin(_:reason:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func pin(_ artifact: ArtifactID, reason: String? = nil, actor: String? = nil) async throws -> AuditEvent? {
        try await run { try self.pin(artifact, reason: reason, actor: actor) }
    }

    /// Async twin of the blocking `unpin(_:reason:actor:)` (same parameters and errors), run on the registry's
    /// queue.
    @discardableResult
    public func unpin(_ artifact: ArtifactID, reason: String? = nil, actor: String? = nil) async throws -> AuditEvent? {
        try await run { try self.unpin(artifact, reason: reason, actor: actor) }
    }

    /// Async twin of the blocking `pinRecord(of:)`, run on the registry's queue.
    public func pinRecord(of artifact: ArtifactID) async throws -> PinRecord? {
        try await run { try self.pinRecord(of: artifact) }
    }
}
