import Foundation
import RegistryCore

/// The built-in ``IndexBackend``: one binary file, `<registry>/indexes/index.bin`, read in place through a
/// read-only mapping, plus the append-only `updates.jsonl` (FORMAT.md §13).
///
/// ## Files
///
/// `index.bin` (index format version 3) holds the summaries sorted by id, interned strings, and the posting
/// lists of every query condition as sorted lists of 32-bit record numbers, each table sorted for binary search.
/// A process that asks one question maps the file, checks its header and section table, and touches only the
/// pages that question needs: a cold `find` at 100,000 artifacts reads a few hundred KiB, not the whole index.
/// The file is a pure function of ``RegistryIndex/Contents`` (a rebuild writes the same bytes) and is written by
/// atomic replace.
///
/// Incremental updates are appended to `updates.jsonl`, one canonical JSON line per update (`after`, `through`,
/// `registered`, `states`, …), so that registering one artifact or setting one state writes one short line
/// instead of rewriting the index. Readers apply the lines on top of the base file in memory. Once the file passes
/// ``compactionThreshold`` bytes (1 MiB), a compaction folds them into a new `index.bin`, prepared without the
/// writer lock and installed under it (``prepareCompaction()``), never inside a write; a rebuild always folds
/// them; readers never do.
///
/// ## Reading
///
/// Every offset, count and number read from `index.bin` is checked before use: a truncated, damaged or hostile
/// file gives a ``RegistryError`` naming the file (the index is then rebuilt or scanned), never a crash or a read
/// outside the file. Every update line must parse and continue exactly where the previous one ended. A final
/// update line without a newline (a crash mid-append) is ignored. A format-1 index (the JSON files of earlier
/// versions) is refused as ``RegistryError/Code/unsupportedFormatVersion`` until a rebuild replaces it.
///
/// `FileIndexBackend` is `Sendable`: its state is guarded by a lock.
public final class FileIndexBackend: IndexBackend, @unchecked Sendable {
    /// The `indexes/` directory.
    public let directory: String
    /// The size of `updates.jsonl` past which a compaction is due (``isCompactionDue()``) (1 MiB): large enough that compaction is rare, small enough that a cold reader parses the lines in a few
    /// milliseconds. Debug builds take `MODELREG_INDEX_COMPACTION_BYTES` from the environment instead, so that
    /// crash tests reach compaction after a few writes.
    public static let defaultCompactionThreshold: Int64 = {
        #if DEBUG
            // Crash tests make compaction happen after a few writes instead of a few thousand.
            if let text = ProcessInfo.processInfo.environment["MODELREG_INDEX_COMPACTION_BYTES"],
                let bytes = Int64(text), bytes >= 0
            {
                return bytes
            }
        #endif
        return 1 << 20
    }()

    /// This backend's compaction threshold, in bytes of `updates.jsonl`.
    public let compactionThreshold: Int64

    private let lock = NSLock()
    private var loaded: Loaded?
    private var failedLoad: (base: FileStatus?, updates: FileStatus?, error: any Error)?

    /// What the backend answers from.
    private struct Loaded {
        var view: IndexView
        /// The status of `index.bin` when it was mapped (nil for an index built in memory).
        var baseStatus: FileStatus?
        /// The update file as far as it was read: its identity, its status then, the offset after the last line
        /// applied and that line (with its newline), which the file must still end with at that offset.
        var updatesIdentity: [UInt64]?
        var updatesStatus: FileStatus?
        var updatesOffset: Int64 = 0
        var lastUpdateLine: [UInt8] = []
        /// Where the stored index ends: the base file plus the update lines read.
        var storedPosition: RegistryIndex.AuditPosition
        /// True when the view was built in memory and does not correspond to the files.
        var isDetached: Bool
    }

    /// Creates a backend over a registry's `indexes/` directory. Nothing is read until the first call.
    ///
    /// - Parameter layout: the registry.
    public init(layout: RegistryLayout) {
        self.directory = layout.indexesPath
        self.compactionThreshold = Self.defaultCompactionThreshold
    }

    /// Creates a backend with another compaction threshold: a smaller one keeps cold readers' parsing of
    /// `updates.jsonl` shorter at the price of compacting more often (tests and benchmarks make it tiny).
    ///
    /// - Parameters:
    ///   - layout: the registry.
    ///   - compactionThreshold: the size of `updates.jsonl`, in bytes, past which a compaction is due.
    public init(layout: RegistryLayout, compactionThreshold: Int64) {
        self.directory = layout.indexesPath
        self.compactionThreshold = compactionThreshold
    }

    private var basePath: String { directory + "/" + BinaryIndexLayout.fileName }
    private var updatesPath: String { directory + "/" + IndexFileFormat.updatesFileName }

    // MARK: IndexBackend

    /// Maps `index.bin` again when it was replaced since it was mapped, applies update lines appended since, and
    /// returns the stamp of what queries are answered from.
    ///
    /// - Returns: the stamp, or nil when `indexes/` holds no index.
    /// - Throws: ``RegistryError/Code/invalidDocument``, ``RegistryError/Code/invalidJSON`` or
    ///   ``RegistryError/Code/unsupportedFormatVersion`` naming the damaged file; I/O errors.
    /// - Complexity: two `stat` calls when nothing changed; otherwise the header of `index.bin` and the update
    ///   lines, never the whole index.
    public func refresh() throws -> RegistryIndex.Stamp? {
        lock.lock()
        defer { lock.unlock() }
        return try refreshLocked()
    }

    /// Reads the position of the stored index from the end of `updates.jsonl`, or from the header of `index.bin`
    /// when there are no update lines.
    ///
    /// - Returns: the stored position, or nil when there is no index or its start cannot be read.
    /// - Throws: I/O errors.
    /// - Complexity: O(1): reads at most the last line of the update file and 1 KiB.
    public func storedAuditPosition() throws -> RegistryIndex.AuditPosition? {
        guard let file = try FileSystem.openForReading(basePath) else { return nil }
        let prefix = try file.closeAfter { try $0.read(at: 0, count: 1024) }
        guard let stamp = MappedIndex.stamp(fromPrefix: prefix) else { return nil }
        if let line = try lastCompleteUpdateLine(),
            let changes = try? IndexFileFormat.decodeUpdate(line, source: updatesPath)
        {
            return changes.through
        }
        return stamp.auditPosition
    }

    /// Writes `index.bin` (after removing `updates.jsonl`) and answers from it; or, without `persist`, only
    /// answers from `contents` in this process.
    ///
    /// **Durability:** the update file is removed and `indexes/` synced first, then `index.bin` is replaced
    /// atomically and synced. A crash in between leaves the previous `index.bin`, which is behind the log and is
    /// caught up from it.
    ///
    /// - Parameters:
    ///   - contents: the new contents.
    ///   - persist: write the file (the caller holds the writer lock).
    /// - Throws: I/O errors.
    /// - Complexity: O(*s* log *s*) in the number of distinct strings, O(*p* log *p*) in the number of postings.
    public func replaceContents(with contents: RegistryIndex.Contents, persist: Bool) throws {
        lock.lock()
        defer { lock.unlock() }
        try replaceContentsLocked(with: contents, persist: persist)
    }

    /// Replaces the contents with summaries encoded as they come (`BinaryIndexEncoder.Builder`): a rebuild
    /// holds the string pool and a few numbers per summary, not every summary, and with `persist` writes
    /// `index.bin` section by section into its temporary file instead of assembling it in memory.
    ///
    /// **Durability:** as ``replaceContents(with:persist:)``: `updates.jsonl` is removed and `indexes/` synced
    /// first, then the new file is written to a `.tmp-` file, synced, renamed over `index.bin` and the directory
    /// synced. The summaries' strings spill to an unlinked scratch file in `indexes/` meanwhile. A crash leaves
    /// the previous `index.bin` or the new one, plus at worst a `.tmp-` file that the next writer removes.
    ///
    /// - Parameters:
    ///   - persist: write the file (the caller holds the writer lock).
    ///   - produce: hands over each summary in id order, then returns the stamp and the log's states.
    /// - Throws: what `produce` throws; I/O errors.
    /// - Complexity: as ``replaceContents(with:persist:)``.
    public func replaceContents(
        persist: Bool,
        producing produce: (_ add: (ArtifactSummary) throws -> Void) throws -> (
            stamp: RegistryIndex.Stamp, states: [ArtifactID: String]
        )
    ) throws {
        guard persist else {
            var builder = BinaryIndexEncoder.Builder(capacity: 0)
            let (stamp, states) = try produce { try builder.add($0) }
            let bytes = try builder.finish(stamp: stamp, states: states)
            lock.lock()
            defer { lock.unlock() }
            try answerInMemory(encoded: bytes, stamp: stamp)
            return
        }
        var builder = try spillingBuilder(capacity: 0)
        let (stamp, states) = try produce { try builder.add($0) }
        lock.lock()
        defer { lock.unlock() }
        try writeStreamed(builder, stamp: stamp, states: states)
    }

    /// Replaces `index.bin` with what `builder` holds, written section by section (the caller holds `lock`).
    private func writeStreamed(
        _ builder: consuming BinaryIndexEncoder.Builder, stamp: RegistryIndex.Stamp, states: [ArtifactID: String]
    ) throws {
        loaded = nil
        failedLoad = nil
        try removeUpdates()
        let output = try FileSystem.StreamingReplacement(replacing: basePath)
        do {
            try builder.finish(stamp: stamp, states: states, into: output)
            try output.commit()
        } catch {
            output.abandon()
            throw error
        }
        try didReplaceBase(stamp: stamp)
    }

    private func replaceContentsLocked(with contents: RegistryIndex.Contents, persist: Bool) throws {
        guard persist else {
            try answerInMemory(encoded: try BinaryIndexEncoder.encode(contents), stamp: contents.stamp)
            return
        }
        var builder = try spillingBuilder(capacity: contents.summaries.count)
        for summary in contents.summaries { try builder.add(summary) }
        try writeStreamed(builder, stamp: contents.stamp, states: contents.states)
    }

    /// Answers queries in this process from an index encoded in memory, without storing it.
    private func answerInMemory(encoded bytes: [UInt8], stamp: RegistryIndex.Stamp) throws {
        loaded = nil
        failedLoad = nil
        loaded = Loaded(
            view: IndexView(base: try MappedIndex(encoded: bytes, source: basePath + " (in memory)")),
            baseStatus: try FileSystem.status(basePath), storedPosition: stamp.auditPosition,
            isDetached: true)
    }

    /// Removes `updates.jsonl` (and syncs `indexes/`) before `index.bin` is replaced.
    private func removeUpdates() throws {
        if try FileSystem.exists(updatesPath) {
            try FileSystem.removeFile(updatesPath)
            try FileSystem.syncDirectory(directory)
            CrashPoint.hit("index.afterUpdatesRemoved")
        }
    }

    /// After `index.bin` was replaced: removes a format-1 index and maps the new file.
    private func didReplaceBase(stamp: RegistryIndex.Stamp) throws {
        var removedLegacy = false
        for name in IndexFileFormat.legacyFileNames where try FileSystem.exists(directory + "/" + name) {
            try FileSystem.removeFile(directory + "/" + name)
            removedLegacy = true
        }
        if removedLegacy { try FileSystem.syncDirectory(directory) }
        if let file = try MappedFile.map(basePath) {
            let view = IndexView(base: try MappedIndex(file: file, source: basePath))
            loaded = Loaded(
                view: view, baseStatus: file.status, storedPosition: stamp.auditPosition, isDetached: false)
        }
    }

    /// Appends one line to `updates.jsonl` (persist), or applies the changes to the loaded view only.
    ///
    /// **Durability:** the line is written with one `write` and synced. A torn final line left by a crash is cut
    /// off before appending; readers ignore it until then.
    ///
    /// - Parameters:
    ///   - changes: the update.
    ///   - persist: append it to the file (the caller holds the writer lock and `changes.after` is the stored
    ///     position).
    /// - Throws: I/O errors; with `persist: false`, ``RegistryError`` when the loaded base is damaged.
    /// - Complexity: O(*c*) in the size of the update; never reads or writes the base file.
    public func apply(_ changes: RegistryIndex.Changes, persist: Bool) throws {
        if persist {
            try FileSystem.makeDirectory(directory)  // a real directory: a symbolic link is refused
            try cutTornUpdate()
            try FileSystem.append(updatesPath, record: IndexFileFormat.encodeUpdate(changes) + [0x0A])
            return
        }
        lock.lock()
        defer { lock.unlock() }
        guard var current = loaded.take() else { return }
        try current.view.apply(changes)
        loaded = current
    }

    /// Whether `updates.jsonl` is larger than ``compactionThreshold``.
    ///
    /// - Complexity: one `stat`.
    public func isCompactionDue() throws -> Bool {
        guard let status = try FileSystem.status(updatesPath) else { return false }
        return status.size > compactionThreshold
    }

    /// Writes, without the writer lock, a new `index.bin` that folds in the lines `updates.jsonl` holds now, as a
    /// `.tmp-` file in `indexes/`; ``IndexCompaction/install()`` then renames it over `index.bin` and carries the
    /// lines appended meanwhile over to a new `updates.jsonl`.
    ///
    /// Reads its own snapshot of the files (never this process's view, which may hold changes caught up in
    /// memory), checks the digest of the whole base first, and streams the summaries into the encoder as a
    /// rebuild does: the memory of a rebuild's encoding, not every summary at once.
    ///
    /// - Returns: the prepared compaction, or nil below the threshold or when there is nothing to fold.
    /// - Throws: ``RegistryError`` when the stored index is damaged (the caller rebuilds); I/O errors.
    /// - Complexity: below the threshold one `stat`; above it a full re-encode of the index.
    public func prepareCompaction() throws -> (any IndexCompaction)? {
        guard try isCompactionDue(), let snapshot = try loadConsistently(), snapshot.updatesOffset > 0 else {
            return nil
        }
        CrashPoint.hit("index.beforeCompaction")
        try snapshot.view.base.verifyDigest()
        var builder = try spillingBuilder(capacity: 0)
        let states = try snapshot.view.forEachSummary { try builder.add($0) }
        let output = try FileSystem.StreamingReplacement(replacing: basePath)
        do {
            try builder.finish(stamp: snapshot.view.stamp, states: states, into: output)
            try output.seal()
        } catch {
            output.abandon()
            throw error
        }
        CrashPoint.hit("index.compactionPrepared")
        return PreparedCompaction(backend: self, snapshot: snapshot, output: output)
    }

    /// A new `index.bin` written and synced, waiting to be installed under the writer lock.
    private final class PreparedCompaction: IndexCompaction {
        let backend: FileIndexBackend
        let snapshot: Loaded
        let output: FileSystem.StreamingReplacement

        init(backend: FileIndexBackend, snapshot: Loaded, output: FileSystem.StreamingReplacement) {
            self.backend = backend
            self.snapshot = snapshot
            self.output = output
        }

        func install() throws -> Bool {
            try backend.install(self)
        }

        func discard() {
            output.abandon()
        }
    }

    /// Installs a prepared compaction (the caller holds the writer lock).
    ///
    /// **Durability:** the new `index.bin` is renamed into place and `indexes/` synced; then the update lines
    /// appended since the snapshot replace `updates.jsonl` (atomically, or the file is removed when there are
    /// none) and `indexes/` is synced again. A crash in between leaves the new base with the whole old update
    /// file, whose lines up to the base's position readers skip (FORMAT.md §13.2).
    private func install(_ prepared: PreparedCompaction) throws -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let snapshot = prepared.snapshot
        // The base must still be the one the snapshot read (a rebuild may have replaced it), and the update file
        // must still hold the lines it read (only appended to since).
        guard try FileSystem.status(basePath) == snapshot.baseStatus,
            let updates = try FileSystem.status(updatesPath),
            snapshot.updatesIdentity == [updates.device, updates.inode], updates.size >= snapshot.updatesOffset,
            try stillEnds(with: snapshot)
        else {
            prepared.discard()
            return false
        }
        try cutTornUpdate()
        let appended = try appendedUpdates(after: snapshot.updatesOffset)
        loaded = nil
        failedLoad = nil
        try prepared.output.install()
        CrashPoint.hit("index.compactionBaseInstalled")
        if appended.isEmpty {
            try FileSystem.removeFile(updatesPath)
            try FileSystem.syncDirectory(directory)
        } else {
            try FileSystem.atomicReplace(updatesPath, contents: appended)
        }
        return true
    }

    /// The bytes of `updates.jsonl` after `offset` (complete lines: the caller cut a torn one off).
    private func appendedUpdates(after offset: Int64) throws -> [UInt8] {
        guard let file = try FileSystem.openForReading(updatesPath) else { return [] }
        return try file.closeAfter { file in
            let size = try file.fileStatus().size
            guard size > offset else { return [] }
            return try file.read(at: offset, count: Int(size - offset))
        }
    }

    /// Checks the SHA-256 of the whole of `index.bin` against its header, on top of the structural checks every
    /// read makes.
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` naming the file when it is damaged; what ``refresh()``
    ///   throws.
    /// - Complexity: reads the whole file.
    public func verifyStoredIndex() throws {
        lock.lock()
        defer { lock.unlock() }
        guard try refreshLocked() != nil, let current = loaded, !current.isDetached else { return }
        try current.view.base.verifyDigest()
    }

    /// The matching summaries, most recent first; see ``IndexBackend/summaries(matching:)``.
    ///
    /// - Complexity: see ``IndexQuery``; proportional to the posting lists involved, not to the registry.
    public func summaries(matching query: IndexQuery) throws -> [ArtifactSummary] {
        try withView { try $0?.summaries(matching: query) ?? [] }
    }

    /// One page: the matching summaries after `cursor`, most recent first.
    ///
    /// - Complexity: that of ``summaries(matching:)`` plus O(log *n*) to find the cursor.
    public func summaries(matching query: IndexQuery, after cursor: IndexQuery.Cursor) throws -> [ArtifactSummary] {
        try withView { try $0?.summaries(matching: query, after: cursor) ?? [] }
    }

    /// The summary of one artifact, or nil.
    ///
    /// - Complexity: O(log *n*).
    public func summary(of id: ArtifactID) throws -> ArtifactSummary? {
        try withView { try $0?.summary(of: id) }
    }

    /// The transitive lineage of an artifact, nearest first.
    ///
    /// - Throws: ``RegistryError/Code/notFound`` when the index holds no such artifact.
    /// - Complexity: O(*a* log *n*) in the number of artifacts reached.
    public func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactSummary] {
        let result = try withView { try $0?.lineage(of: id, direction: direction) }
        guard let result else {
            throw RegistryError(.notFound, "the index has no artifact '\(id)'")
        }
        return result
    }

    /// Everything the view holds.
    ///
    /// - Complexity: O(*n* log *n*); reads the whole base file.
    public func contents() throws -> RegistryIndex.Contents? {
        try withView { try $0?.contents() }
    }

    // MARK: Loading

    private func withView<R>(_ body: (IndexView?) throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        if loaded == nil { _ = try refreshLocked() }
        return try body(loaded?.view)
    }

    private func refreshLocked() throws -> RegistryIndex.Stamp? {
        let baseStatus = try FileSystem.status(basePath)
        var appended = false
        if let current = loaded, current.baseStatus == baseStatus {
            let updates = try FileSystem.status(updatesPath)
            if current.isDetached || updates == current.updatesStatus { return current.view.stamp }
            if let updates,
                current.updatesIdentity == nil || current.updatesIdentity == [updates.device, updates.inode],
                updates.size >= current.updatesOffset, try stillEnds(with: current)
            {
                appended = true
            }
        }
        // Take the view out, so that it is uniquely referenced and updates in place; on error it stays out, and
        // the next call reloads.
        if appended, var growing = loaded.take() {
            try readUpdates(into: &growing)
            loaded = growing
            return growing.view.stamp
        }
        let updates = try FileSystem.status(updatesPath)
        if let failedLoad, failedLoad.base == baseStatus, failedLoad.updates == updates { throw failedLoad.error }
        do {
            loaded = try loadConsistently()
            failedLoad = nil
            return loaded?.view.stamp
        } catch {
            loaded = nil
            failedLoad = (baseStatus, updates, error)
            throw error
        }
    }

    /// ``load()``, again when `index.bin` was replaced while it ran: a compaction installed meanwhile can pair
    /// the base mapped before with the update file written after (whose lines start past that base).
    private func loadConsistently() throws -> Loaded? {
        var attempts = 0
        while true {
            let before = try FileSystem.status(basePath)
            do {
                return try load()
            } catch {
                attempts += 1
                guard attempts < 3, try FileSystem.status(basePath) != before else { throw error }
            }
        }
    }

    private func load() throws -> Loaded? {
        guard let file = try MappedFile.map(basePath) else {
            for name in IndexFileFormat.legacyFileNames where try FileSystem.exists(directory + "/" + name) {
                throw RegistryError(
                    .unsupportedFormatVersion,
                    "\(directory) holds a format-1 index (\(name)); this library reads format 3: run "
                        + "`modelreg index rebuild` (until then queries scan the registry)",
                    path: directory + "/" + name)
            }
            return nil
        }
        var loaded = Loaded(
            view: IndexView(base: try MappedIndex(file: file, source: basePath)), baseStatus: file.status,
            storedPosition: .start, isDetached: false)
        loaded.storedPosition = loaded.view.stamp.auditPosition
        try readUpdates(into: &loaded)
        return loaded
    }

    /// Whether the update file still holds, just before the view's offset, the last line the view applied: an
    /// update file that was rewritten rather than appended to must be read again from the start.
    private func stillEnds(with loaded: Loaded) throws -> Bool {
        guard loaded.updatesOffset > 0 else { return true }
        guard let file = try FileSystem.openForReading(updatesPath) else { return false }
        let length = Int64(loaded.lastUpdateLine.count)
        guard length > 0, length <= loaded.updatesOffset else { return false }
        return try file.closeAfter { try $0.read(at: loaded.updatesOffset - length, count: Int(length)) }
            == loaded.lastUpdateLine
    }

    /// Applies the complete lines of `updates.jsonl` after the view's offset.
    private func readUpdates(into loaded: inout Loaded) throws {
        guard let file = try FileSystem.openForReading(updatesPath) else {
            loaded.updatesIdentity = nil
            loaded.updatesStatus = nil
            loaded.updatesOffset = 0
            loaded.lastUpdateLine = []
            return
        }
        let start = loaded.updatesOffset
        let identity = loaded.updatesIdentity
        let (status, bytes) = try file.closeAfter { file -> (FileStatus, [UInt8]) in
            let status = try file.fileStatus()
            let from = identity == [status.device, status.inode] ? start : 0
            guard status.size - from <= Int64(IndexFileFormat.maximumUpdateLineLength) * 64 else {
                throw RegistryError(
                    .invalidDocument, "\(updatesPath) is too large to be an update file", path: updatesPath)
            }
            return (status, try file.read(at: from, count: Int(status.size - from)))
        }
        if loaded.updatesIdentity != [status.device, status.inode] {
            loaded.updatesIdentity = [status.device, status.inode]
            loaded.updatesOffset = 0
            loaded.lastUpdateLine = []
        }
        loaded.updatesStatus = status  // from the same descriptor the bytes were read through, up to its size
        var lineStart = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            let line = bytes[lineStart..<index]
            let offset = loaded.updatesOffset + Int64(lineStart)
            let source = "\(updatesPath) (byte offset \(offset))"
            let changes = try IndexFileFormat.decodeUpdate(line, source: source)
            if changes.through.sequence <= loaded.storedPosition.sequence {
                // Already in the base: a crash between a compaction's two renames leaves its lines (§13.2).
                loaded.lastUpdateLine = Array(bytes[lineStart...index])
                lineStart = index + 1
                continue
            }
            guard changes.after.sequence == loaded.storedPosition.sequence else {
                throw RegistryError(
                    .invalidDocument,
                    "\(source): the update continues from audit #\(changes.after.sequence), but the index ends at "
                        + "#\(loaded.storedPosition.sequence)",
                    path: updatesPath)
            }
            try loaded.view.apply(changes)
            loaded.storedPosition = changes.through
            loaded.lastUpdateLine = Array(bytes[lineStart...index])
            lineStart = index + 1
        }
        loaded.updatesOffset += Int64(lineStart)
    }

    // MARK: Writing helpers

    /// The last newline-terminated line of `updates.jsonl`, without its newline.
    private func lastCompleteUpdateLine() throws -> [UInt8]? {
        guard let file = try FileSystem.openForReading(updatesPath) else { return nil }
        return try file.closeAfter { file -> [UInt8]? in
            let size = try file.fileStatus().size
            let window = min(size, Int64(IndexFileFormat.maximumUpdateLineLength))
            guard window > 0 else { return nil }
            let tail = try file.read(at: size - window, count: Int(window))
            guard let end = tail.lastIndex(of: 0x0A) else { return nil }
            let start = tail[..<end].lastIndex(of: 0x0A).map { $0 + 1 } ?? tail.startIndex
            if start == tail.startIndex && window < size { return nil }  // the line is longer than the window
            return Array(tail[start..<end])
        }
    }

    /// Cuts a final line without a newline (left by a crash mid-append) off `updates.jsonl`; removes the file
    /// when the torn line is longer than any update can be.
    private func cutTornUpdate() throws {
        guard let file = try FileSystem.openForReading(updatesPath) else { return }
        let cut = try file.closeAfter { file -> Int64? in
            let size = try file.fileStatus().size
            guard size > 0, try file.read(at: size - 1, count: 1) != [0x0A] else { return nil }
            let window = min(size, Int64(IndexFileFormat.maximumUpdateLineLength))
            let tail = try file.read(at: size - window, count: Int(window))
            if let newline = tail.lastIndex(of: 0x0A) { return size - window + Int64(newline) + 1 }
            return window == size ? 0 : -1
        }
        guard let cut else { return }
        if cut < 0 {
            try FileSystem.removeFile(updatesPath)
            try FileSystem.syncDirectory(directory)
        } else {
            try FileSystem.truncate(updatesPath, to: cut)
        }
    }

    /// A builder for a new `index.bin` whose strings spill to a scratch file in `indexes/`: makes the directory
    /// (a real one: a symbolic link is refused) and first removes what dead writers left there.
    private func spillingBuilder(capacity: Int) throws -> BinaryIndexEncoder.Builder {
        try FileSystem.makeDirectory(directory)
        try removeLeftovers()
        return BinaryIndexEncoder.Builder(capacity: capacity, spillDirectory: directory)
    }

    /// Removes temp files that a crashed atomic replace left in `indexes/` (their creator no longer runs).
    private func removeLeftovers() throws {
        for entry in try FileSystem.listDirectory(directory) {
            guard let name = entry.name, let pid = FileSystem.creatorProcess(ofUniqueName: name, prefix: ".tmp-"),
                pid != ProcessInfo.processInfo.processIdentifier, !FileSystem.isProcessAlive(pid)
            else { continue }
            try? FileSystem.removeFile(directory + "/" + name)
        }
    }
}

/// The name of ``FileIndexBackend`` before index format version 2, when its files were JSON; kept so that code
/// written against it compiles unchanged.
public typealias JSONIndexBackend = FileIndexBackend
