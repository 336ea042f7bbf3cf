import Foundation

extension Registry {
    /// The registry's index: queries by capability, state, text, lineage and recency.
    ///
    /// One index per registry root (and hash configuration) per process, shared by every `Registry` value opened
    /// on it, so that what it has loaded is reused. Queries never lock and never write: a stale or damaged stored
    /// index is scanned into memory, and stored again by the next write or by ``rebuildIndexes()-5wmo8``.
    ///
    /// ```swift
    /// let latest = try registry.index.mostRecent(5)
    /// let family = try registry.index.lineage(of: base, direction: .descendants)
    /// ```
    public var index: RegistryIndex {
        SharedIndexes.shared.index(for: self)
    }

    /// The summaries that match a combined query, most recent first. See `RegistryIndex.query(_:)`.
    ///
    /// - Parameter query: the conditions.
    /// - Returns: at most `query.limit` summaries.
    /// - Throws: I/O errors; `RegistryError` when neither the index nor a scan can be read.
    /// - Complexity: proportional to the posting lists the conditions select.
    public func query(_ query: IndexQuery) throws -> [ArtifactSummary] {
        try index.query(query)
    }

    /// One page of a query's results: those after `cursor`, at most `query.limit`. See
    /// `RegistryIndex.query(_:after:)`.
    ///
    /// - Parameters:
    ///   - query: the conditions and the page size.
    ///   - cursor: where the previous page ended (`IndexQuery.Cursor(after: lastSummary)`); nil for the first.
    /// - Throws: as `query(_:)`.
    public func query(_ query: IndexQuery, after cursor: IndexQuery.Cursor?) throws -> [ArtifactSummary] {
        try index.query(query, after: cursor)
    }

    /// The transitive ancestors or descendants of an artifact, nearest first. See
    /// `RegistryIndex.lineage(of:direction:)`.
    ///
    /// - Throws: `.notFound` when the registry has no such artifact.
    public func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactSummary] {
        try index.lineage(of: id, direction: direction)
    }

    /// Rebuilds the indexes in `indexes/` from the artifacts and the audit log, under the writer lock.
    ///
    /// Indexes are caches: this never changes an artifact, an alias or the log, and the result is byte for byte
    /// the same whenever the registry is the same.
    ///
    /// - Returns: what was built and every problem worked around (unreadable manifests, malformed lineage files,
    ///   unusable audit lines). The old index is replaced without being read; `index.status()` reports on it.
    /// - Throws: `.lockTimeout`; I/O errors.
    /// - Durability: each index file is replaced atomically and synced.
    /// - Complexity: O(*n*) manifest reads plus one pass over the audit log.
    @discardableResult
    public func rebuildIndexes() throws -> RegistryIndex.Report {
        try index.rebuild()
    }

    /// Async twin of the blocking `query(_:)` (same parameters and errors), run on the registry's queue; runs on the registry's queue.
    public func query(_ query: IndexQuery) async throws -> [ArtifactSummary] {
        try await run { try self.query(query) }
    }

    /// Async twin of the blocking `query(_:after:)` (same parameters and errors), run on the registry's queue.
    public func query(_ query: IndexQuery, after cursor: IndexQuery.Cursor?) async throws -> [ArtifactSummary] {
        try await run { try self.query(query, after: cursor) }
    }

    /// Async twin of the blocking `lineage(of:direction:)` (same parameters and errors), run on the registry's queue; runs on the registry's queue.
    public func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) async throws -> [ArtifactSummary]
    {
        try await run { try self.lineage(of: id, direction: direction) }
    }

    /// Async twin of the blocking `rebuildIndexes()` (same parameters and errors), run on the registry's queue; runs on the registry's queue.
    @discardableResult
    public func rebuildIndexes() async throws -> RegistryIndex.Report {
        try await run { try self.rebuildIndexes() }
    }

    /// Brings the stored index up to date after a write; the caller holds the writer lock.
    ///
    /// Never throws: the index is a cache, so a failure here must not fail the write. The index is then behind
    /// the audit log, which every reader detects and catches up from.
    func updateIndexesAfterWrite() {
        let index = self.index
        do {
            try index.updateHoldingLock()
        } catch {
            index.noteUpdateFailure(error)
        }
    }
}

/// The process-wide table of indexes, one per registry root, hash configuration and index backend.
///
/// Keyed by the identity of the root's `WriterLock`, which `OpenRegistries` keeps for the life of the process,
/// so a key is never reused for another root.
final class SharedIndexes: @unchecked Sendable {
    static let shared = SharedIndexes()

    private struct Key: Hashable {
        var lock: ObjectIdentifier
        var algorithms: [String]
        var backend: String
    }

    private let lock = NSLock()
    private var indexes: [Key: RegistryIndex] = [:]

    func index(for registry: Registry) -> RegistryIndex {
        let key = Key(
            lock: ObjectIdentifier(registry.writerLock),
            algorithms: [registry.configuration.hashAlgorithm.name]
                + registry.configuration.additionalHashAlgorithms.map(\.name).sorted(),
            backend: registry.configuration.indexBackend.name)
        lock.lock()
        defer { lock.unlock() }
        if let existing = indexes[key] { return existing }
        let index = RegistryIndex(
            artifacts: registry.artifacts, journal: registry.journal,
            backend: registry.configuration.indexBackend.makeBackend(for: registry.layout),
            writerLock: registry.writerLock,
            lockTimeout: registry.configuration.lockTimeout)
        indexes[key] = index
        return index
    }

    /// Drops the indexes of one registry root (every hash configuration and backend).
    func remove(for registry: Registry) {
        let root = ObjectIdentifier(registry.writerLock)
        lock.lock()
        defer { lock.unlock() }
        indexes = indexes.filter { $0.key.lock != root }
    }

    /// Drops every index the process holds, so their open files and mappings go once no registry uses them.
    func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        indexes.removeAll()
    }
}

extension Registry {
    /// Lets go of the index this process keeps for this registry's root, so that its memory, its mapping of
    /// `indexes/index.bin` and its open files go once no ``RegistryIndex`` value obtained earlier is still used.
    ///
    /// Every `Registry` value opened on a root shares one index for the life of the process, which is what a
    /// long-running server wants. A process that works through many registries one after another (a batch job
    /// over per-team registries, a test that unmounts the registry's file system) calls this when it is done
    /// with one. Nothing on disk changes; the next query of any `Registry` on this root loads the index again.
    public func releaseIndex() {
        SharedIndexes.shared.remove(for: self)
    }

    /// Lets go of the indexes this process keeps for every registry (an index keeps `index.bin` mapped): what a
    /// process that must unmount a registry's file system, such as the loop-device tests, calls first.
    package static func releaseSharedIndexes() {
        SharedIndexes.shared.removeAll()
    }
}
