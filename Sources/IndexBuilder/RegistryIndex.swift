import ArtifactStore
import AuditLog
import Foundation
import RegistryCore

/// Queries over a registry — by capability, state, text, lineage, recency — answered from a rebuildable index.
///
/// ```swift
/// let index = registry.index
/// let recent = try index.query(.mostRecent(10))
/// let staging = try index.query(IndexQuery(capabilities: ["text-classification"], state: "staging"))
/// let ancestors = try index.lineage(of: id, direction: .ancestors)
/// ```
///
/// ## Indexes are caches
///
/// The index is built from the artifacts' manifests (and their bundles' `lineage.json`) and the audit log, and is
/// stored by an ``IndexBackend`` (``FileIndexBackend`` by default, files in `indexes/`). It is never
/// authoritative: deleting or damaging it loses nothing, and ``rebuild()`` restores it byte for byte.
///
/// Before every query the index checks its ``Stamp`` against the registry — the audit log's last sequence number
/// (one short read) and the number of artifact directories (one `stat`, and a listing when the directory
/// changed):
///
/// - **behind the log:** the events it has not seen are read from the log and applied in memory (an exact,
///   incremental catch-up: every registration and state change is an audit event);
/// - **missing, damaged or inconsistent** (including artifacts that appeared without an event): it is rebuilt
///   under the writer lock when the index was made by the umbrella `Registry`, or, when that is not possible
///   (a read-only registry, another writer holding the lock), scanned into memory without writing anything.
///
/// Writers keep the stored index current: after each registration the umbrella `Registry` calls the
/// incremental update, which appends one line instead of rewriting the files. An update that fails never fails
/// the registration; the index is then simply behind, and catches up as above.
///
/// ## Consistency
///
/// A query sees every registration and state change whose audit event was complete when it started. Results are
/// summaries, copied out of the index: to use an artifact, open it with `FileArtifactStore.artifact(_:)`.
///
/// `RegistryIndex` is `Sendable`; queries may run on any number of threads.
public final class RegistryIndex: Sendable {
    /// The artifacts the index describes.
    public let artifacts: FileArtifactStore
    /// The audit log the index follows.
    public let journal: AuditJournal
    /// Where the index is stored and how queries run.
    public let backend: any IndexBackend

    let writerLock: WriterLock?
    let lockTimeout: Duration
    let state = IndexState()
    /// The compactions ``compactInBackgroundIfDue()`` started and that have not finished.
    let backgroundCompactions = DispatchGroup()

    /// The largest registry whose missing index a writer builds right away, inside a registration.
    static let inlineRebuildLimit = 1000
    /// The most artifacts one stored update line registers; larger catch-ups are split.
    static let changesPerUpdate = 256

    /// Creates an index over a registry's artifacts and audit log.
    ///
    /// An index created this way never writes on its own: queries over a missing or damaged index scan the
    /// registry into memory. ``rebuild()`` and ``update()`` write, and their caller must hold the registry's
    /// writer lock. The umbrella's `Registry.index` takes the lock itself.
    ///
    /// - Parameters:
    ///   - artifacts: the artifact store.
    ///   - journal: the audit log.
    ///   - backend: the storage; by default ``FileIndexBackend`` in the registry's `indexes/`.
    public convenience init(artifacts: FileArtifactStore, journal: AuditJournal, backend: (any IndexBackend)? = nil) {
        self.init(artifacts: artifacts, journal: journal, backend: backend, writerLock: nil, lockTimeout: .seconds(30))
    }

    /// Creates an index that takes `writerLock` whenever it writes.
    ///
    /// - Parameters:
    ///   - artifacts: the artifact store.
    ///   - journal: the audit log.
    ///   - backend: the storage; by default ``FileIndexBackend``.
    ///   - writerLock: the registry's writer lock (one per root per process).
    ///   - lockTimeout: how long ``rebuild()`` waits for the lock.
    package init(
        artifacts: FileArtifactStore, journal: AuditJournal, backend: (any IndexBackend)?, writerLock: WriterLock?,
        lockTimeout: Duration
    ) {
        self.artifacts = artifacts
        self.journal = journal
        self.backend = backend ?? FileIndexBackend(layout: artifacts.layout)
        self.writerLock = writerLock
        self.lockTimeout = lockTimeout
    }

    // MARK: Queries

    /// The summaries that match a combined query, most recent first.
    ///
    /// ```swift
    /// let hits = try index.query(IndexQuery(capabilities: ["ocr"], text: "invoice", limit: 20))
    /// ```
    ///
    /// - Parameter query: the conditions; see ``IndexQuery``.
    /// - Returns: at most `query.limit` summaries.
    /// - Throws: I/O errors; ``RegistryError`` when neither the stored index nor a scan can be read.
    /// - Complexity: proportional to the posting lists the conditions select (not to the registry), after a
    ///   freshness check of a few system calls.
    public func query(_ query: IndexQuery) throws -> [ArtifactSummary] {
        try answer { try backend.summaries(matching: query) }
    }

    /// One page of a query's results: those that come after `cursor` (the end of the previous page), at most
    /// `query.limit`, most recent first.
    ///
    /// ```swift
    /// let first = try index.query(IndexQuery(capabilities: ["ocr"], limit: 20))
    /// let second = try index.query(IndexQuery(capabilities: ["ocr"], limit: 20), after: .init(after: first.last!))
    /// ```
    ///
    /// - Parameters:
    ///   - query: the conditions and the page size.
    ///   - cursor: where the previous page ended; nil for the first page.
    /// - Returns: at most `query.limit` summaries.
    /// - Throws: as ``query(_:)``.
    /// - Complexity: with the built-in backend, that of the query plus O(log *n*) to find the cursor.
    public func query(_ query: IndexQuery, after cursor: IndexQuery.Cursor?) throws -> [ArtifactSummary] {
        guard let cursor else { return try self.query(query) }
        return try answer { try backend.summaries(matching: query, after: cursor) }
    }

    /// The summary of one artifact, or nil when the registry has no readable artifact with this id.
    ///
    /// - Parameter id: the artifact.
    /// - Throws: as ``query(_:)``.
    public func summary(of id: ArtifactID) throws -> ArtifactSummary? {
        try answer { try backend.summary(of: id) }
    }

    /// The most recently registered artifacts.
    ///
    /// - Parameter count: how many.
    /// - Throws: as ``query(_:)``.
    /// - Complexity: O(`count`).
    public func mostRecent(_ count: Int) throws -> [ArtifactSummary] {
        try query(.mostRecent(count))
    }

    /// The artifacts with a capability, most recent first.
    ///
    /// - Parameters:
    ///   - capability: the exact capability name.
    ///   - limit: the most summaries to return.
    /// - Throws: as ``query(_:)``.
    /// - Complexity: O(*k*) for *k* summaries returned.
    public func summaries(withCapability capability: String, limit: Int? = nil) throws -> [ArtifactSummary] {
        try query(IndexQuery(capabilities: [capability], limit: limit))
    }

    /// The artifacts whose latest lifecycle state is `state`, most recent first.
    ///
    /// - Parameters:
    ///   - state: the state, as `state_changed` events record it.
    ///   - limit: the most summaries to return.
    /// - Throws: as ``query(_:)``.
    /// - Complexity: O(*k*) for *k* summaries returned.
    public func summaries(inState state: LifecycleState, limit: Int? = nil) throws -> [ArtifactSummary] {
        try query(IndexQuery(state: state, limit: limit))
    }

    /// The artifacts whose name, capabilities or labels match free text (see ``IndexQuery/text``).
    ///
    /// - Parameters:
    ///   - text: the words to look for; each must start a token of the artifact.
    ///   - limit: the most summaries to return.
    /// - Throws: as ``query(_:)``.
    /// - Complexity: proportional to the posting lists of the tokens the words start.
    public func search(_ text: String, limit: Int? = nil) throws -> [ArtifactSummary] {
        try query(IndexQuery(text: text, limit: limit))
    }

    /// The transitive ancestors or descendants of an artifact, nearest first, each generation sorted by id.
    ///
    /// Lineage comes from the manifest's `parents` and from the bundle's `lineage.json`. Ancestors that are not
    /// in the registry are walked through (when known) but not returned.
    ///
    /// - Parameters:
    ///   - id: the artifact.
    ///   - direction: ``LineageDirection/ancestors`` or ``LineageDirection/descendants``.
    /// - Throws: ``RegistryError/Code/notFound`` when the registry has no such (readable) artifact; as
    ///   ``query(_:)``.
    /// - Complexity: O(*a* log *a*) in the number of artifacts reached.
    public func lineage(of id: ArtifactID, direction: LineageDirection) throws -> [ArtifactSummary] {
        try answer { try backend.lineage(of: id, direction: direction) }
    }

    /// Everything the index holds, brought up to date first: the input a migration to another backend needs.
    ///
    /// - Throws: as ``query(_:)``.
    /// - Complexity: O(*n* log *n*).
    public func contents() throws -> Contents {
        guard let contents = try answer({ try backend.contents() }) else {
            throw RegistryError(.notFound, "the index holds nothing for '\(artifacts.layout.rootPath)'")
        }
        return contents
    }

    // MARK: Status

    /// How the index compares with the registry, without changing anything.
    ///
    /// - Returns: the backend's stamp (or why it cannot be used) next to the registry's artifact count and last
    ///   audit position.
    /// - Throws: I/O errors reading the registry; ``RegistryError`` for an audit log whose last line is not an
    ///   event.
    /// - Complexity: one listing of `artifacts/`, plus loading the index if it is not loaded yet.
    public func status() throws -> Status {
        var stored: Stamp?
        var damage: Finding?
        do {
            stored = try backend.refresh()
            try backend.verifyStoredIndex()
        } catch {
            stored = nil
            damage = Finding(.damagedIndex, path: (error as? RegistryError)?.path ?? "", "\(error)")
        }
        let head = try journal.lastEvent().map(Self.position(of:)) ?? .start
        return Status(
            stored: stored, damage: damage, artifactCount: try countArtifacts(useCache: false), auditPosition: head)
    }

    /// The problem the last write-side update hit, if any (it did not fail the registration that triggered it).
    public var lastUpdateProblem: String? {
        state.withLock { $0.lastUpdateProblem }
    }

    /// The report of the last rebuild or in-memory scan this index made, if any.
    public var lastReport: Report? {
        state.withLock { $0.lastReport }
    }

    // MARK: Freshness

    private enum Verdict {
        case current
        case missing
        /// Unusable or out of date; the finding says why (`.damagedIndex` or
        /// `.staleIndex`).
        case stale(Finding)
    }

    /// Checks the backend's view against the registry, catching up in memory from the log when it is behind;
    /// rebuilds or scans when it cannot be used.
    private func makeCurrent() throws {
        var problem = Finding(.staleIndex, "no index is stored")
        for attempt in 0..<4 {
            if attempt > 0 { Thread.sleep(forTimeInterval: 0.002 * Double(attempt)) }
            switch try check(recount: attempt > 0) {
            case .current:
                return
            case .missing:
                problem = Finding(.staleIndex, "no index is stored")
            case .stale(let finding):
                problem = finding
                continue
            }
            break
        }
        try repair(problem)
    }

    /// Makes the index current, then answers with `body`. A stored index can pass the checks of ``refresh()`` and
    /// still be damaged where a query reads it (a backend reading in place checks each number as it goes): such
    /// an error makes the index be scanned into memory, and the question is asked again of the scan.
    private func answer<R>(_ body: () throws -> R) throws -> R {
        try makeCurrent()
        do {
            return try body()
        } catch let error as RegistryError where error.code == .notFound {
            throw error
        } catch {
            try repair(
                Finding(
                    .damagedIndex, path: (error as? RegistryError)?.path ?? "",
                    "the stored index cannot be used: \(error)"))
            return try body()
        }
    }

    private func check(recount: Bool) throws -> Verdict {
        var stamp: Stamp
        do {
            guard let stored = try backend.refresh() else { return .missing }
            stamp = stored
        } catch {
            return .stale(
                Finding(
                    .damagedIndex, path: (error as? RegistryError)?.path ?? "",
                    "the stored index cannot be used: \(error)"))
        }
        let head: AuditPosition?
        do {
            head = try auditHead()
        } catch {
            head = nil  // a damaged log tail: the writers refuse to append, so what the index holds is all there is
        }
        if let head, head.sequence > stamp.auditSequence {
            do {
                for changes in try collectChanges(after: stamp.auditPosition, through: head.sequence, chunked: false) {
                    try backend.apply(changes, persist: false)
                }
                guard let caughtUp = try backend.refresh() else { return .missing }
                stamp = caughtUp
            } catch {
                return .stale(Finding(.staleIndex, "could not catch up from the audit log: \(error)"))
            }
        }
        if let head, head.sequence < stamp.auditSequence {
            return .stale(
                Finding(
                    .staleIndex,
                    "the index reflects audit event #\(stamp.auditSequence) but the log ends at #\(head.sequence)"))
        }
        let count = try countArtifacts(useCache: !recount)
        if count != stamp.artifactCount {
            return .stale(
                Finding(
                    .staleIndex,
                    "the index counts \(stamp.artifactCount) artifacts but artifacts/ holds \(count)"))
        }
        return .current
    }

    /// Scans the registry into memory: readers never take the writer lock and never write index files
    /// (FORMAT.md §7). The stored index is brought up to date by the next write, or by ``rebuild()``.
    private func repair(_ problem: Finding) throws {
        let scan = try scan()
        var report = scan.report
        report.findings.insert(problem, at: 0)
        try backend.replaceContents(with: scan.contents, persist: false)
        state.withLock { $0.lastReport = report }
    }

    // MARK: Writing

    /// Rebuilds the stored index from scratch: scans every manifest and the whole audit log, then replaces what
    /// the backend stores.
    ///
    /// Takes the writer lock when this index was created with one (the umbrella's `Registry.index`); otherwise
    /// the caller must hold it. Do not call it while holding the lock through the umbrella.
    ///
    /// **Durability:** see the backend (``FileIndexBackend`` replaces its file atomically and syncs it).
    ///
    /// - Returns: what was built and every problem worked around: unreadable manifests (skipped), malformed
    ///   `lineage.json` files (ignored) and unusable audit lines. The stored index is replaced without being read;
    ///   ``status()`` tells whether it was damaged.
    /// - Throws: ``RegistryError/Code/lockTimeout``; I/O errors listing `artifacts/` or writing the index.
    /// - Complexity: O(*n*) manifest reads (in parallel) plus one pass over the audit log.
    @discardableResult
    public func rebuild() throws -> Report {
        if let writerLock {
            return try writerLock.withLock(timeout: lockTimeout) { try rebuildHoldingLock() }
        }
        return try rebuildHoldingLock()
    }

    /// ``rebuild()`` for a caller that holds the writer lock. The stored index is not read first: a rebuild
    /// replaces it whatever its condition (``status()`` reports that).
    package func rebuildHoldingLock() throws -> Report {
        // The status before the scan's listing: a directory that changes during the scan does not match it later.
        let directory = try FileSystem.status(artifacts.layout.artifactsPath, followLinks: true)
        // Streamed: the backend takes each summary as its batch of manifests is read (bounded memory for the
        // built-in backend), instead of a scan holding them all.
        var report: Report?
        try backend.replaceContents(persist: true) { add in
            let scanned = try scan(order: backend.buildOrder, add)
            report = scanned.report
            // The scan's listing, log facts and batches are freed, much of it amid the heap or in other threads'
            // arenas, where glibc keeps it: hand it back before the backend's last phase allocates its own. With
            // the scan letting its listing and facts go as it passes them, this took the peak of a
            // 1,000,000-artifact rebuild from 260 to 233 MiB (each alone changed nothing, docs/PERFORMANCE.md).
            FreedMemory.returnToSystem()
            return (scanned.stamp, scanned.states)
        }
        guard let report else {
            throw RegistryError(
                .invalidDocument, "the index backend did not run the scan", path: artifacts.layout.indexesPath)
        }
        state.withLock { $0.lastReport = report }
        if let directory {
            try? ArtifactCountRecord(status: .init(directory), count: report.stamp.artifactCount)
                .write(artifacts.layout)  // a cache: a failure only makes cold readers list the directory
        }
        return report
    }

    /// Moves the recorded artifact count (``ArtifactCountRecord``) along with stored changes: when the record
    /// agreed with the index before them, the index's count after them is the directory's count now.
    private func recordArtifactCount(before: Stamp?) {
        guard let before, let recorded = ArtifactCountRecord.read(artifacts.layout),
            recorded.count == before.artifactCount,
            let after = try? backend.refresh(),
            let directory = try? FileSystem.status(artifacts.layout.artifactsPath, followLinks: true)
        else { return }
        let record = ArtifactCountRecord(status: .init(directory), count: after.artifactCount)
        if record != recorded { try? record.write(artifacts.layout) }
    }

    /// Brings the stored index up to date with the audit log incrementally, and stores the update.
    ///
    /// Takes the writer lock when this index was created with one; otherwise the caller must hold it.
    ///
    /// - Returns: true when something was stored; false when the index was current, or nothing is stored (a
    ///   small registry's index is then built).
    /// - Throws: ``RegistryError/Code/lockTimeout``; I/O errors; ``RegistryError`` when the log cannot be read
    ///   from the stored position on.
    /// - Complexity: O(1) in the size of the registry when one event was added since the stored position;
    ///   otherwise it reads the log from the stored position's day on.
    @discardableResult
    public func update() throws -> Bool {
        if let writerLock {
            return try writerLock.withLock(timeout: lockTimeout) { try updateHoldingLock() }
        }
        return try updateHoldingLock()
    }

    /// The write-side incremental update, for a caller that holds the writer lock (the umbrella calls it after
    /// each registration).
    ///
    /// Reads only the stored position and the end of the log when one event was added since: O(1) in the size of
    /// the registry. A missing index is built when the registry is small, and otherwise left to the next query or
    /// rebuild.
    ///
    /// - Returns: true when an update was stored.
    @discardableResult
    package func updateHoldingLock() throws -> Bool {
        guard let stored = try backend.storedAuditPosition() else {
            if try countArtifacts() <= Self.inlineRebuildLimit {  // cached while artifacts/ is unchanged
                _ = try rebuildHoldingLock()
                return true
            }
            return false
        }
        guard let last = try journal.lastEvent(), last.sequence > stored.sequence else { return false }
        let batches: [Changes]
        if last.sequence == stored.sequence + 1 {
            batches = [try makeChanges(from: [last], after: stored, strict: true)]
        } else {
            batches = try collectChanges(after: stored, through: last.sequence, chunked: true)
        }
        let before = try? backend.refresh()
        for changes in batches { try backend.apply(changes, persist: true) }
        recordArtifactCount(before: before)
        return true  // compaction is never part of the write: see compact()
    }

    /// Records that a write-side update failed (the registration went on; the index is behind).
    package func noteUpdateFailure(_ error: any Error) {
        state.withLock { $0.lastUpdateProblem = "\(error)" }
    }

    // MARK: The log's head

    /// The audit log's last position. Re-read (`AuditJournal.lastEvent()`) only when `audit/` or its newest day
    /// file changed since the last read; otherwise two `stat` calls.
    private func auditHead() throws -> AuditPosition {
        let directory = journal.layout.auditPath
        let directoryStatus = try FileSystem.status(directory, followLinks: true)
        if let cached = state.withLock({ $0.auditHead }), cached.directory == directoryStatus {
            let newestStatus = try cached.newestPath.flatMap { try FileSystem.status($0) }
            if newestStatus == cached.newest { return cached.position }
        }
        var newestPath: String?
        if directoryStatus != nil {
            let names = try FileSystem.listDirectory(directory).compactMap(\.name).filter(Self.isJournalFileName)
            newestPath = names.max().map { directory + "/" + $0 }
        }
        // Statuses first, then the head: an append in between makes the next check read again.
        let newest = try newestPath.flatMap { try FileSystem.status($0) }
        let position = try journal.lastEvent().map(Self.position(of:)) ?? .start
        state.withLock {
            $0.auditHead = (directoryStatus, newestPath, newest, position)
        }
        return position
    }

    /// Whether a name is an audit day file, `YYYY-MM-DD.jsonl` (docs/FORMAT.md §9.1).
    private static func isJournalFileName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 16, name.hasSuffix(".jsonl") else { return false }
        return bytes.prefix(10).enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 ? byte == UInt8(ascii: "-") : (byte >= 0x30 && byte <= 0x39)
        }
    }

    // MARK: Counting

    /// The number of entries of `artifacts/` that are artifact ids; cached until the directory changes.
    private func countArtifacts(useCache: Bool = true) throws -> Int {
        let path = artifacts.layout.artifactsPath
        let status = try FileSystem.status(path, followLinks: true)
        if useCache, let status, let cached = state.withLock({ $0.artifactCount }), cached.status == status {
            return cached.count
        }
        if useCache, let recorded = ArtifactCountRecord.read(artifacts.layout), recorded.matches(status) {
            return recorded.count  // one stat instead of a listing (FORMAT.md §13.4)
        }
        let count = try countArtifactEntries()
        if let status { state.withLock { $0.artifactCount = (status, count) } }
        return count
    }

    /// The number of entries of `artifacts/` that are artifact ids, without sorting or keeping them: the same
    /// count as `listArtifactIDs().count`, with a fast path for `sha256-` names.
    private func countArtifactEntries() throws -> Int {
        let entries: [FileSystem.DirectoryEntry]
        do {
            entries = try FileSystem.listDirectory(artifacts.layout.artifactsPath)
        } catch RegistryError.Code.notFound {
            return 0
        }
        var count = 0
        for entry in entries {
            if Self.isSHA256ID(entry.nameBytes) {
                count += 1
            } else if let name = entry.name, ArtifactID(name) != nil {
                count += 1
            }
        }
        return count
    }

    /// Whether name bytes spell `sha256-` and 64 lowercase hex digits.
    private static let sha256Prefix = Array("sha256-".utf8)

    private static func isSHA256ID(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 71, bytes.starts(with: sha256Prefix) else { return false }
        return bytes[7...].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The ids in `artifacts/`, sorted by id; empty when the directory does not exist.
    func listArtifactIDs() throws -> [ArtifactID] {
        let entries: [FileSystem.DirectoryEntry]
        do {
            entries = try FileSystem.listDirectory(artifacts.layout.artifactsPath)
        } catch RegistryError.Code.notFound {
            return []
        }
        return entries.compactMap { entry in entry.name.flatMap { ArtifactID($0) }.map { (entry.name ?? "", $0) } }
            .sorted { bytesPrecede($0.0, $1.0) }
            .map(\.1)
    }

    static func position(of event: AuditEvent) -> AuditPosition {
        AuditPosition(sequence: event.sequence, time: event.time)
    }
}

/// The mutable state of a ``RegistryIndex``.
final class IndexState: @unchecked Sendable {
    struct Values {
        var artifactCount: (status: FileStatus, count: Int)?
        var auditHead:
            (directory: FileStatus?, newestPath: String?, newest: FileStatus?, position: RegistryIndex.AuditPosition)?
        var lastUpdateProblem: String?
        var lastReport: RegistryIndex.Report?
        /// A compaction started by ``RegistryIndex/compactInBackgroundIfDue()`` is running.
        var isCompacting = false
    }

    private let lock = NSLock()
    private var values = Values()

    func withLock<R>(_ body: (inout Values) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&values)
    }
}
