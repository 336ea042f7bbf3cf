/// Async twins of the remote, eviction and fetch calls: the same blocking code, run on the registry's queue.
extension Registry {
    /// Async twin of the blocking `addRemote(name:url:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func addRemote(name: String, url: String, actor: String? = nil) async throws -> RemoteRecord {
        try await run { try self.addRemote(name: name, url: url, actor: actor) }
    }

    /// Async twin of the blocking `removeRemote(_:actor:)` (same parameters and errors), run on the registry's queue.
    public func removeRemote(_ name: String, actor: String? = nil) async throws {
        try await run { try self.removeRemote(name, actor: actor) }
    }

    /// Async twin of the blocking `remotes()` (same errors), run on the registry's queue.
    public func remotes() async throws -> [RemoteRecord] {
        try await run { try self.remotes() }
    }

    /// Async twin of the blocking `eviction(of:)` (same parameters and errors), run on the registry's queue.
    public func eviction(of id: ArtifactID) async throws -> EvictionRecord? {
        try await run { try self.eviction(of: id) }
    }

    /// Async twin of the blocking `evict(_:remote:force:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func evict(
        _ artifact: ArtifactID, remote: String? = nil, force: Bool = false, actor: String? = nil
    ) async throws -> EvictionRecord {
        try await run { try self.evict(artifact, remote: remote, force: force, actor: actor) }
    }

    /// Async twin of the blocking `fetch(_:from:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func fetch(_ artifact: ArtifactID, from remote: String? = nil, actor: String? = nil) async throws
        -> FetchReport
    {
        try await run { try self.fetch(artifact, from: remote, actor: actor) }
    }
}
