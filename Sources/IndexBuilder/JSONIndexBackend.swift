import Foundation
import RegistryCore

/// The built-in ``IndexBackend``: canonical JSON files in `<registry>/indexes/`, loaded into memory to answer
/// queries.
///
/// ## Files
///
/// A full index is five files, each the RFC 8785 canonical JSON of one object followed by `\n`, written with an
/// atomic replace (temp file, `fsync`, `rename`, `fsync` of `indexes/`):
///
/// | File | Data members | Holds |
/// |---|---|---|
/// | `summaries.json` | `summaries`, `files` | summary records sorted by id; SHA-256 of the other four files |
/// | `by-capability.json` | `capabilities` | capability → ids |
/// | `by-parent.json` | `children`, `parents` | parent → child ids; child → parent ids (lineage order) |
/// | `by-state.json` | `states` | state → ids (the latest `state_changed` per artifact) |
/// | `search.json` | `tokens` | search token → ids |
///
/// Every file also has `builtFrom` (the ``RegistryIndex/Stamp``: `artifactCount`, `auditSequence`, `auditTime`),
/// `digest` (the SHA-256 of the facts: `summaries` and `states`), `format` (`"modelregistry-index"`),
/// `formatVersion` (`1`) and `index` (the file name without `.json`). Id lists are sorted by id. Every file is a
/// pure function of ``RegistryIndex/Contents``, so a rebuild from the same registry writes the same bytes.
///
/// Incremental updates are appended to `updates.jsonl`, one canonical JSON line per update (`after`, `through`,
/// `registered`, `states`), so that registering one artifact in a registry of 100,000 writes one short line
/// instead of rewriting the files. Readers apply the lines on top of the five files; a rebuild folds them in and
/// removes the file.
///
/// ## Reading
///
/// A reader accepts the files only if `summaries.json` and `by-state.json` parse strictly, carry the same stamp
/// and re-encode to exactly their own bytes (which checks the facts digest, so an edit that still parses is
/// caught), and each other file's SHA-256 is the one `summaries.json` records. Every update line must parse and
/// continue exactly where the previous one ended. Anything else is reported as damage, never used. A final
/// update line without a newline (a crash mid-append) is ignored.
///
/// Queries are answered from tables built in memory from the facts. What was loaded is reused while the files are
/// unchanged (checked with `stat`), and lines that other processes append are read incrementally.
///
/// `JSONIndexBackend` is `Sendable`: its state is guarded by a lock.
public final class JSONIndexBackend: IndexBackend, @unchecked Sendable {
    /// The `indexes/` directory.
    public let directory: String

    private let lock = NSLock()
    private var view: View?
    private var failedLoad: (statuses: [FileStatus?], updates: FileStatus?, error: any Error)?

    /// What the backend answers from.
    private struct View {
        var tables: IndexTables
        /// The statuses of the five files when they were loaded (or when an in-memory index replaced them).
        var baseStatuses: [FileStatus?]
        /// The update file as far as it was read: its identity, its status then, the offset after the last line
        /// applied and that line (with its newline), which the file must still end with at that offset.
        var updatesIdentity: [UInt64]?
        var updatesStatus: FileStatus?
        var updatesOffset: Int64
        var lastUpdateLine: [UInt8] = []
        /// Where the stored index ends: the five files plus the update lines read.
        var storedPosition: RegistryIndex.AuditPosition
        /// True when the view was built in memory and does not correspond to the files.
        var isDetached: Bool
    }

    /// Creates a backend over a registry's `indexes/` directory. Nothing is read until the first call.
    ///
    /// - Parameter layout: the registry.
    public init(layout: RegistryLayout) {
        self.directory = layout.indexesPath
    }

    private func path(_ file: IndexFileFormat.File) -> String { directory + "/" + file.rawValue }
    private var updatesPath: String { directory + "/" + IndexFileFormat.updatesFileName }

    // MARK: IndexBackend

    /// Reloads the files when they changed since they were read, applies update lines appended since, and
    /// returns the stamp of what queries are answered from.
    ///
    /// - Returns: the stamp, or nil when `indexes/` holds no index.
    /// - Throws: ``RegistryError/Code/invalidJSON``, ``RegistryError/Code/invalidDocument`` or
    ///   ``RegistryError/Code/unsupportedFormatVersion`` naming the damaged file; I/O errors.
    /// - Complexity: six `stat` calls when nothing changed; O(*n*) in the size of the files otherwise.
    public func refresh() throws -> RegistryIndex.Stamp? {
        lock.lock()
        defer { lock.unlock() }
        return try refreshLocked()
    }

    /// Reads the position of the stored index from the end of `updates.jsonl`, or from the first bytes of
    /// `summaries.json` when there are no update lines.
    ///
    /// - Returns: the stored position, or nil when there is no index or its start cannot be read.
    /// - Throws: I/O errors.
    /// - Complexity: O(1): reads at most the last line of the update file and 512 bytes.
    public func storedAuditPosition() throws -> RegistryIndex.AuditPosition? {
        guard try FileSystem.status(path(.summaries)) != nil else { return nil }
        if let line = try lastCompleteUpdateLine(),
            let changes = try? IndexFileFormat.decodeUpdate(line, source: updatesPath)
        {
            return changes.through
        }
        guard let file = try FileSystem.openForReading(path(.summaries)) else { return nil }
        let prefix = try file.closeAfter { try $0.read(at: 0, count: 512) }
        return IndexFileFormat.decodeStampPrefix(prefix, source: path(.summaries))?.auditPosition
    }

    /// Writes all five files (after removing `updates.jsonl`) and answers from `contents`; or, without
    /// `persist`, only answers from `contents` in this process.
    ///
    /// **Durability:** the update file is removed and `indexes/` synced first, then each file is replaced
    /// atomically and synced. A crash part-way leaves files with different stamps, which readers refuse; nothing
    /// else is affected.
    ///
    /// - Parameters:
    ///   - contents: the new contents.
    ///   - persist: write the files (the caller holds the writer lock).
    /// - Throws: I/O errors.
    /// - Complexity: O(*p* log *p*) in the number of postings.
    public func replaceContents(with contents: RegistryIndex.Contents, persist: Bool) throws {
        lock.lock()
        defer { lock.unlock() }
        view = nil
        failedLoad = nil
        if persist {
            try FileSystem.makeDirectory(directory)  // a real directory: a symbolic link is refused
            try removeLeftovers()
            if try FileSystem.exists(updatesPath) {
                try FileSystem.removeFile(updatesPath)
                try FileSystem.syncDirectory(directory)
            }
            try IndexFileFormat.Encoder(contents).encodeAll { file, bytes in
                try FileSystem.atomicReplace(path(file), contents: bytes)
            }
        }
        view = View(
            tables: IndexTables(contents), baseStatuses: try baseStatuses(), updatesIdentity: nil, updatesStatus: nil,
            updatesOffset: 0, storedPosition: contents.stamp.auditPosition, isDetached: !persist)
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
    /// - Throws: I/O errors.
    /// - Complexity: O(*c*) in the size of the update when persisting.
    public func apply(_ changes: RegistryIndex.Changes, persist: Bool) throws {
        if persist {
            try FileSystem.makeDirectory(directory)  // a real directory: a symbolic link is refused
            try cutTornUpdate()
            try FileSystem.append(updatesPath, record: IndexFileFormat.encodeUpdate(changes) + [0x0A])
            return
        }
        lock.lock()
        defer { lock.unlock() }
        guard var current = view.take() else { return }
        current.tables.apply(changes)
        view = current
    }

    /// The matching summaries, most recent first; see ``IndexBackend/summaries(matching:)``.
    ///
    /// - Complexity: see ``IndexQuery``; proportional to the posting lists involved, not to the registry.
    public func summaries(matching query: IndexQuery) throws -> [ArtifactSummary] {
        try withView { $0?.summaries(matching: query) ?? [] }
    }

    /// The summary of one artifact, or nil.
    public func summary(of id: ArtifactID) throws -> ArtifactSummary? {
        try withView { $0?.summary(of: id) }
    }

    /// The transitive lineage of an artifact, nearest first.
    ///
    /// - Throws: ``RegistryError/Code/notFound`` when the index holds no such artifact.
    /// - Complexity: O(*a* log *a*) in the number of artifacts reached.
    public func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactSummary] {
        let result = try withView { $0?.lineage(of: id, direction: direction) }
        guard let result else {
            throw RegistryError(.notFound, "the index has no artifact '\(id)'")
        }
        return result
    }

    /// Everything the view holds.
    ///
    /// - Complexity: O(*n* log *n*).
    public func contents() throws -> RegistryIndex.Contents? {
        try withView { $0?.contents }
    }

    // MARK: Loading

    private func withView<R>(_ body: (IndexTables?) -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        if view == nil { _ = try refreshLocked() }
        return body(view?.tables)
    }

    private func baseStatuses() throws -> [FileStatus?] {
        try IndexFileFormat.File.allCases.map { try FileSystem.status(path($0)) }
    }

    private func refreshLocked() throws -> RegistryIndex.Stamp? {
        let statuses = try baseStatuses()
        var appended = false
        if let current = view, current.baseStatuses == statuses {
            let updates = try FileSystem.status(updatesPath)
            if current.isDetached || updates == current.updatesStatus { return current.tables.stamp }
            if let updates,
                current.updatesIdentity == nil || current.updatesIdentity == [updates.device, updates.inode],
                updates.size >= current.updatesOffset, try stillEnds(with: current)
            {
                appended = true
            }
        }
        // Take the view out (outside the scope above), so that its tables are uniquely referenced and update in
        // place; on error it stays out, and the next call reloads.
        if appended, var growing = view.take() {
            try readUpdates(into: &growing)
            view = growing
            return growing.tables.stamp
        }
        let updates = try FileSystem.status(updatesPath)
        if let failedLoad, failedLoad.statuses == statuses, failedLoad.updates == updates { throw failedLoad.error }
        do {
            view = try load(statuses: statuses)
            failedLoad = nil
            return view?.tables.stamp
        } catch {
            view = nil
            failedLoad = (statuses, updates, error)
            throw error
        }
    }

    private func load(statuses: [FileStatus?]) throws -> View? {
        if statuses.allSatisfy({ $0 == nil }) { return nil }
        for (file, status) in zip(IndexFileFormat.File.allCases, statuses) where status == nil {
            throw RegistryError(
                .invalidDocument, "\(path(file)) is missing while other index files exist", path: path(file))
        }
        func read(_ file: IndexFileFormat.File) throws -> [UInt8] {
            do {
                return try FileSystem.readDocument(path(file), limit: 1 << 34)
            } catch RegistryError.Code.notFound {
                throw RegistryError(.invalidDocument, "\(path(file)) disappeared while being read", path: path(file))
            }
        }
        let summaries = try read(.summaries)
        let byState = try read(.byState)
        var digests: [IndexFileFormat.File: String] = [.byState: SHA256Algorithm().hash(byState).description]
        for file in IndexFileFormat.File.derived where file != .byState {
            do {
                digests[file] = try StreamingHasher.hashFile(path(file), algorithm: SHA256Algorithm()).digest
                    .description
            } catch RegistryError.Code.notFound {
                throw RegistryError(.invalidDocument, "\(path(file)) disappeared while being read", path: path(file))
            }
        }
        guard try baseStatuses() == statuses else {
            throw RegistryError(
                .invalidDocument, "the index files in \(directory) changed while being read", path: directory)
        }
        let contents = try IndexFileFormat.decode(
            summaries: summaries, byState: byState, digests: digests, directory: directory)
        var loaded = View(
            tables: IndexTables(contents), baseStatuses: statuses, updatesIdentity: nil, updatesStatus: nil,
            updatesOffset: 0, storedPosition: contents.stamp.auditPosition, isDetached: false)
        try readUpdates(into: &loaded)
        return loaded
    }

    /// Whether the update file still holds, just before the view's offset, the last line the view applied: an
    /// update file that was rewritten rather than appended to must be read again from the start.
    private func stillEnds(with view: View) throws -> Bool {
        guard view.updatesOffset > 0 else { return true }
        guard let file = try FileSystem.openForReading(updatesPath) else { return false }
        let length = Int64(view.lastUpdateLine.count)
        guard length > 0, length <= view.updatesOffset else { return false }
        return try file.closeAfter { try $0.read(at: view.updatesOffset - length, count: Int(length)) }
            == view.lastUpdateLine
    }

    /// Applies the complete lines of `updates.jsonl` after the view's offset.
    private func readUpdates(into view: inout View) throws {
        guard let file = try FileSystem.openForReading(updatesPath) else {
            view.updatesIdentity = nil
            view.updatesStatus = nil
            view.updatesOffset = 0
            view.lastUpdateLine = []
            return
        }
        let (status, bytes) = try file.closeAfter { file -> (FileStatus, [UInt8]) in
            let status = try file.fileStatus()
            let start = view.updatesIdentity == [status.device, status.inode] ? view.updatesOffset : 0
            guard status.size - start <= Int64(IndexFileFormat.maximumUpdateLineLength) * 64 else {
                throw RegistryError(
                    .invalidDocument, "\(updatesPath) is too large to be an update file", path: updatesPath)
            }
            return (status, try file.read(at: start, count: Int(status.size - start)))
        }
        if view.updatesIdentity != [status.device, status.inode] {
            view.updatesIdentity = [status.device, status.inode]
            view.updatesOffset = 0
            view.lastUpdateLine = []
        }
        view.updatesStatus = status  // from the same descriptor the bytes were read through, up to its size
        var lineStart = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            let line = bytes[lineStart..<index]
            let offset = view.updatesOffset + Int64(lineStart)
            let source = "\(updatesPath) (byte offset \(offset))"
            let changes = try IndexFileFormat.decodeUpdate(line, source: source)
            guard changes.after.sequence == view.storedPosition.sequence else {
                throw RegistryError(
                    .invalidDocument,
                    "\(source): the update continues from audit #\(changes.after.sequence), but the index ends at "
                        + "#\(view.storedPosition.sequence)",
                    path: updatesPath)
            }
            view.tables.apply(changes)
            view.storedPosition = changes.through
            view.lastUpdateLine = Array(bytes[lineStart...index])
            lineStart = index + 1
        }
        view.updatesOffset += Int64(lineStart)
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
