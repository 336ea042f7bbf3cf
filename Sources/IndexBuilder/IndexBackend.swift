import RegistryCore

/// Where an index is kept and how it answers queries: the plug-in point between ``RegistryIndex`` and storage.
///
/// ``RegistryIndex`` decides *what* the index must hold: it scans artifacts and the audit log, works out which
/// events a stored index has not seen yet, and chooses between catching up, rebuilding and scanning in memory.
/// A backend decides *how* that is stored and queried. The built-in backend is ``FileIndexBackend`` (a binary
/// file in `indexes/` read in place, plus a journal of updates); a database can serve as an index over the same immutable store by conforming to this
/// protocol, without changing the public API that callers use.
///
/// ## Contract
///
/// - **A cache, never a source of truth.** Everything a backend stores must be reproducible from
///   ``RegistryIndex/Contents``; losing it all loses nothing.
/// - **Never trust damaged storage.** ``refresh()`` throws (naming what is wrong) rather than answer from
///   storage that is incomplete, inconsistent or unparseable. ``RegistryIndex`` then rebuilds or scans.
/// - **Stamps.** ``refresh()`` returns the stamp of exactly the data queries are answered from, including
///   changes applied with `persist: false`.
/// - **Idempotent changes.** ``apply(_:persist:)`` follows the rules of ``RegistryIndex/Changes``: a
///   registration counts only if none with a smaller sequence number is held; a state only if it is newer.
///   Changes whose ``RegistryIndex/Changes/through`` position is not beyond the current stamp still apply (they
///   may carry what an in-memory catch-up already holds) but never move the stamp back.
/// - **Result order.** Query results are ordered most recent first (highest ``ArtifactSummary/registrationSequence``
///   first), then artifacts without a registration by id; ``lineage(of:direction:)`` is nearest first.
/// - **Writers hold the lock.** Methods called with `persist: true`, and ``IndexCompaction/install()``, run under
///   the registry's writer lock; ``prepareCompaction()`` runs without it (one compactor per registry at a time).
///   The backend needs no cross-process locking of its own, but must leave storage readable at every instant (for
///   files: atomic replacement, complete appended lines).
/// - `Sendable`, and safe to call from several threads at once.
///
/// A conformance can be checked against the built-in backend over the same contents, as the package's tests do
/// for ``FileIndexBackend`` against full rebuilds:
///
/// ```swift
/// @Test func myBackendAnswersLikeTheBuiltInOne() throws {
///     let contents = try RegistryIndex(artifacts: store, journal: journal).scan().contents
///     let mine = MyBackend()
///     try mine.replaceContents(with: contents, persist: true)
///     #expect(try mine.refresh() == contents.stamp)
///     #expect(try mine.contents() == contents)
///     let reference = FileIndexBackend(layout: scratchLayout)
///     try reference.replaceContents(with: contents, persist: false)
///     for query in [IndexQuery(), IndexQuery(capabilities: ["ocr"]), IndexQuery(text: "bert", limit: 3)] {
///         #expect(try mine.summaries(matching: query) == reference.summaries(matching: query))
///     }
/// }
/// ```
public protocol IndexBackend: AnyObject, Sendable {
    /// Brings the backend's view up to date with its storage and returns the view's stamp.
    ///
    /// Cheap when nothing changed (for files: a few `stat` calls).
    /// - Returns: the stamp of the data queries are answered from, or nil when nothing is stored.
    /// - Throws: ``RegistryError`` naming the problem when the stored index is damaged, incomplete or
    ///   inconsistent; I/O errors.
    func refresh() throws -> RegistryIndex.Stamp?

    /// The audit position the *stored* index reflects, read as cheaply as possible and without loading it: the
    /// writers' fast path, which must stay fast however large the index is.
    ///
    /// - Returns: the position, or nil when nothing usable is stored.
    /// - Throws: I/O errors. A damaged store may return nil or a position; ``refresh()`` is what must detect damage.
    func storedAuditPosition() throws -> RegistryIndex.AuditPosition?

    /// Replaces everything the backend holds.
    ///
    /// - Parameters:
    ///   - contents: the complete new contents.
    ///   - persist: store them (true; the caller holds the writer lock), or only answer queries from them in this
    ///     process (false; for read-only registries and damaged stores that cannot be rewritten).
    /// - Throws: I/O errors when persisting fails; the previous stored index may then be gone, which
    ///   ``refresh()`` reports.
    func replaceContents(with contents: RegistryIndex.Contents, persist: Bool) throws

    /// Applies an incremental update.
    ///
    /// - Parameters:
    ///   - changes: what a run of audit events changed.
    ///   - persist: store the update (true; the caller holds the writer lock, and `changes.after` is the stored
    ///     position) or apply it to this process's view only (false).
    /// - Throws: I/O errors when persisting fails.
    func apply(_ changes: RegistryIndex.Changes, persist: Bool) throws

    /// The summaries that match `query`, most recent first, at most `query.limit`.
    ///
    /// - Throws: what ``refresh()`` throws, when the view has to be (re)loaded first.
    func summaries(matching query: IndexQuery) throws -> [ArtifactSummary]

    /// The summaries that match `query` and come after `cursor` in the result order, most recent first, at most
    /// `query.limit`: one page of a longer result. Has a default implementation (the whole result, filtered), so
    /// conformances need not provide it.
    ///
    /// - Throws: what ``refresh()`` throws.
    func summaries(matching query: IndexQuery, after cursor: IndexQuery.Cursor) throws -> [ArtifactSummary]

    /// The summary of one artifact, or nil when the index has none.
    ///
    /// - Throws: what ``refresh()`` throws.
    func summary(of id: ArtifactID) throws -> ArtifactSummary?

    /// The transitive ancestors or descendants of an artifact, nearest first (each generation sorted by id),
    /// without the artifact itself. Ids the lineage names but the index does not hold are walked through but not
    /// returned.
    ///
    /// - Throws: ``RegistryError/Code/notFound`` when the index holds no such artifact; what ``refresh()`` throws.
    func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactSummary]

    /// Everything the current view holds, or nil when there is nothing.
    ///
    /// - Throws: what ``refresh()`` throws.
    func contents() throws -> RegistryIndex.Contents?

    /// Whether the stored incremental updates have grown past the point where they should be folded into the
    /// base (``prepareCompaction()``). Asked after every write, so it must be as cheap as
    /// ``storedAuditPosition()`` (for files: one `stat`). Has a default implementation (false).
    ///
    /// - Throws: I/O errors.
    func isCompactionDue() throws -> Bool

    /// Does the expensive part of folding the stored updates into the base, **without** the writer lock, so that
    /// writers and readers go on meanwhile, and returns what is left to do under the lock; nil when nothing is due.
    /// Called by `RegistryIndex.compact()` (in the background of a write, or by `modelreg index compact`), never
    /// on a reader's path. Has a default implementation (nil: nothing to compact).
    ///
    /// - Returns: the prepared compaction, to ``IndexCompaction/install()`` under the writer lock or
    ///   ``IndexCompaction/discard()``.
    /// - Throws: ``RegistryError`` when the stored index is damaged (the caller rebuilds); I/O errors.
    func prepareCompaction() throws -> (any IndexCompaction)?

    /// Checks every byte of the stored index, beyond what ``refresh()`` checks on the query path (for files: a
    /// checksum of the whole file, which a query must not pay for). Called by `RegistryIndex.status()` (and so by
    /// `index status` and `fsck`). Has a default implementation (nothing beyond ``refresh()``).
    ///
    /// - Throws: ``RegistryError`` naming the damage.
    func verifyStoredIndex() throws

    /// The order in which a full build hands summaries to ``replaceContents(persist:producing:)``: the order a
    /// backend can store them in fastest. Has a default implementation (``IndexBuildOrder/id``).
    var buildOrder: IndexBuildOrder { get }

    /// Replaces everything the backend holds with summaries that `produce` hands over one at a time, so that a
    /// full rebuild of a large registry need not hold every summary at once. Called by
    /// `RegistryIndex.rebuild()`. Has a default implementation that collects the summaries and calls
    /// ``replaceContents(with:persist:)``; a backend that can store summaries as they come overrides it.
    ///
    /// - Parameters:
    ///   - persist: as in ``replaceContents(with:persist:)``.
    ///   - produce: calls its argument with each summary, in ``buildOrder`` with its state set, then
    ///     returns the stamp and the latest state of every artifact the log names (as ``RegistryIndex/Contents``).
    /// - Throws: what `produce` throws; as ``replaceContents(with:persist:)``.
    func replaceContents(
        persist: Bool,
        producing produce: (_ add: (ArtifactSummary) throws -> Void) throws -> (
            stamp: RegistryIndex.Stamp, states: [ArtifactID: String]
        )
    ) throws
}

/// The order in which a full build's scan hands summaries over (``IndexBackend/buildOrder``).
public enum IndexBuildOrder: Sendable, Equatable {
    /// Ids ascending by bytes: the order of `artifacts/`'s sorted listing, and of ``RegistryIndex/Contents``.
    case id
    /// Registration sequence ascending, then the artifacts without a registration by id: the result order
    /// reversed, for a backend that stores rows keyed by registration sequence (appending is much faster than
    /// inserting at random once the rows outgrow the cache). The scan reads the log before the first manifest.
    case registration
}

extension IndexBackend {
    /// The default: id order.
    public var buildOrder: IndexBuildOrder { .id }

    /// The default for backends without an update journal: nothing to compact.
    ///
    /// - Returns: false.
    public func isCompactionDue() throws -> Bool { false }

    /// The default for backends without an update journal: nothing to compact.
    ///
    /// - Returns: nil.
    public func prepareCompaction() throws -> (any IndexCompaction)? { nil }

    /// Compacts in one go, for a caller that holds the writer lock: ``prepareCompaction()``, then
    /// ``IndexCompaction/install()``. `RegistryIndex.compact()` does the same without holding the lock while it
    /// prepares.
    ///
    /// - Returns: true when something was compacted.
    /// - Throws: what ``prepareCompaction()`` and ``IndexCompaction/install()`` throw.
    public func compactUpdatesIfNeeded() throws -> Bool {
        guard let prepared = try prepareCompaction() else { return false }
        do {
            return try prepared.install()
        } catch {
            prepared.discard()
            throw error
        }
    }

    /// The default for backends whose ``refresh()`` already checks everything: nothing more to do.
    public func verifyStoredIndex() throws {}

    /// The default: collects every summary, then replaces the contents in one go (sorting them by id first
    /// unless they came in id order).
    public func replaceContents(
        persist: Bool,
        producing produce: (_ add: (ArtifactSummary) throws -> Void) throws -> (
            stamp: RegistryIndex.Stamp, states: [ArtifactID: String]
        )
    ) throws {
        var summaries: [ArtifactSummary] = []
        let (stamp, states) = try produce { summaries.append($0) }
        let contents =
            buildOrder == .id
            ? RegistryIndex.Contents(sortedStamp: stamp, summaries: summaries, states: states)
            : RegistryIndex.Contents(stamp: stamp, summaries: summaries, states: states)
        try replaceContents(with: contents, persist: persist)
    }
}

/// A compaction whose expensive part is done (``IndexBackend/prepareCompaction()``): what remains is short and
/// runs under the writer lock.
///
/// Preparing and installing are split so that a compaction of a large index (seconds at a million artifacts)
/// never holds up a write: the new base is built from a snapshot of what is stored while writers go on appending
/// updates, and installing it checks that the snapshot is still what is stored and carries over what was appended
/// since.
public protocol IndexCompaction: AnyObject {
    /// Installs the compaction. The caller holds the writer lock.
    ///
    /// - Returns: true when installed; false when the stored index changed so that the prepared compaction no
    ///   longer applies (a rebuild replaced it meanwhile): nothing is changed then, and what was prepared is gone.
    /// - Throws: I/O errors; what was stored stays readable (current, or behind the log and caught up from it).
    func install() throws -> Bool

    /// Lets go of what was prepared (temporary files) without installing it.
    func discard()
}
