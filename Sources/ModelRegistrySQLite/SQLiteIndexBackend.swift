#if SQLite
    import Foundation
    import IndexBuilder
    import RegistryCore

    /// An ``IndexBackend`` kept in one SQLite database, `indexes/index.sqlite`: for registries whose cold
    /// processes must answer queries without loading an index into memory, and for sites that want to inspect
    /// the index with SQL tools.
    ///
    /// It answers every ``IndexQuery``, ``lineage(of:direction:)`` and ``contents()`` exactly as the file index
    /// (``FileIndexBackend``) does, and like it is a cache: rebuilt from the artifacts and the audit log
    /// (`Registry.rebuildIndexes()`), so deleting the database loses nothing. Open a registry with it through
    /// `Registry.Configuration.indexBackend`:
    ///
    /// ```swift
    /// import ModelRegistry
    /// import ModelRegistrySQLite
    ///
    /// var configuration = Registry.Configuration()
    /// configuration.indexBackend = .sqlite
    /// let registry = try Registry.open(at: root, configuration: configuration)
    /// let hits = try registry.query(IndexQuery(capabilities: ["ocr"], limit: 5))
    /// ```
    ///
    /// ## Storage
    ///
    /// The schema is in docs/FORMAT.md §16. The database runs in WAL mode: writers (who hold the registry's
    /// writer lock, so SQLite's own lock is never contended between them) commit each full build or update in
    /// one transaction, and readers read the last committed state without blocking them. A crash leaves the last
    /// committed index; a database that is not one, has another schema or format version, or whose `meta` does
    /// not match its rows is reported by ``refresh()`` as a ``RegistryError`` and never used: `RegistryIndex`
    /// then scans the registry into memory, and the next rebuild replaces the file.
    ///
    /// Queries read the database when they run, so they may see a stored update newer than the stamp
    /// ``refresh()`` returned (never an older one). Changes applied with `persist: false` (a reader catching up
    /// from the log, or answering from a scan) are applied to a private in-memory copy, which is dropped as soon
    /// as a writer changes the file.
    ///
    /// `SQLiteIndexBackend` is `Sendable`: one lock guards its connections.
    public final class SQLiteIndexBackend: IndexBackend, @unchecked Sendable {
        /// The `indexes/` directory.
        public let directory: String
        /// The database file, `indexes/index.sqlite`.
        public let path: String

        private let lock = NSLock()
        /// The open database file (a read-only connection), when there is one and it was found usable.
        private var file: OpenFile?
        /// The connection that writes (only with `persist: true`, under the writer lock), and the file it is open on.
        private var writer: (store: SQLiteIndexStore, identity: [UInt64])?
        /// An in-memory index that answers instead of the file (`persist: false`), with the file's marker when it
        /// was made: a different marker means a writer changed the file, and the copy is dropped.
        private var detached: (store: SQLiteIndexStore, marker: Marker?)?
        /// Damage a query found in a file that ``refresh()`` had accepted: reported until the file changes.
        private var knownDamage: (status: FileStatus, error: any Error)?

        private struct OpenFile {
            var store: SQLiteIndexStore
            var identity: [UInt64]
            var checkedGeneration: Int64
            /// `PRAGMA schema_version` when the schema was last checked: any change to it is checked again.
            var checkedSchema: Int64
        }

        /// Which committed state of which file: its identity and `meta.generation`.
        private struct Marker: Equatable {
            var identity: [UInt64]
            var generation: Int64
        }

        /// Creates a backend over a registry's `indexes/` directory. Nothing is read or created until the first
        /// call.
        ///
        /// - Parameter layout: the registry.
        public init(layout: RegistryLayout) {
            self.directory = layout.indexesPath
            self.path = layout.indexesPath + "/" + SQLiteIndexSchema.fileName
        }

        // MARK: IndexBackend

        /// Opens the database when needed (checking its schema, format version and row count) and returns the
        /// stamp of what queries are answered from.
        ///
        /// - Returns: the stamp, or nil when there is no database and no in-memory index.
        /// - Throws: ``RegistryError/Code/invalidDocument`` or ``RegistryError/Code/unsupportedFormatVersion``
        ///   naming the database when it cannot be used; I/O errors.
        /// - Complexity: one `stat` and one read of `meta` when nothing changed.
        public func refresh() throws -> RegistryIndex.Stamp? {
            lock.lock()
            defer { lock.unlock() }
            if let detached {
                if currentMarker() == detached.marker { return try detached.store.meta().stamp }
                self.detached = nil
            }
            guard let store = try openFile() else { return nil }
            return try store.meta().stamp
        }

        /// Reads `meta` of the database.
        ///
        /// - Returns: the stored position, or nil when there is no usable database.
        /// - Throws: I/O errors other than damage.
        /// - Complexity: O(1).
        public func storedAuditPosition() throws -> RegistryIndex.AuditPosition? {
            lock.lock()
            defer { lock.unlock() }
            do {
                return try openFile()?.meta().stamp.auditPosition
            } catch let error as RegistryError
                where error.code == .invalidDocument || error.code == .unsupportedFormatVersion
            {
                return nil
            }
        }

        /// Replaces the database with a new one holding `contents` (persist), or answers from an in-memory
        /// database holding `contents` (no persist); see ``replaceContents(persist:producing:)``, which this is with
        /// the summaries of `contents`.
        ///
        /// - Parameters:
        ///   - contents: the new contents.
        ///   - persist: write the database (the caller holds the writer lock).
        /// - Throws: I/O errors; ``RegistryError/Code/invalidDocument`` when `index.sqlite` is a directory.
        /// - Complexity: O(*n* log *n*) in the number of rows.
        public func replaceContents(with contents: RegistryIndex.Contents, persist: Bool) throws {
            try replace(persist: persist) { store, generation, crashPoint in
                try store.fill(with: contents, generation: generation, crashPoint: crashPoint)
            }
        }

        /// Registration order: a full build appends each row at its ordinal (the registration sequence) and gets
        /// each term's ordinals ascending, where id order would insert rows at random places in a table that
        /// outgrows SQLite's page cache at a million artifacts.
        public var buildOrder: IndexBuildOrder { .registration }

        /// Replaces the database with a new one (persist), or answers from an in-memory database (no persist),
        /// writing each summary's row as `produce` hands it over: a full build holds one summary at a time (and
        /// SQLite's bounded page cache), never the whole scan, so its memory does not grow with the registry.
        ///
        /// **Durability:** the new database is written to `indexes/index.sqlite.building` with SQLite's journal
        /// and syncs off (bulk load: rows first, then the secondary indexes), fsynced, and only then put in place
        /// of `index.sqlite` (the old file and its `-wal`/`-shm` removed, the new one renamed, `indexes/`
        /// fsynced). A crash leaves the old index, or no index (a reader then scans, and the next rebuild writes
        /// one); a half-built `.building` file is never read and is deleted by the next full build. Whatever was
        /// at `index.sqlite` (damaged or of another format) is replaced without being read. When `produce` throws,
        /// nothing is committed and `index.sqlite` is untouched (the half-built `.building` file is never read).
        /// Queries in this process answer from the old index until the swap.
        ///
        /// - Parameters:
        ///   - persist: write the database (the caller holds the writer lock).
        ///   - produce: hands over each summary, fastest in ``buildOrder`` (those without a registration must
        ///     come in id order), then returns the stamp and the log's states.
        /// - Throws: what `produce` throws; I/O errors; ``RegistryError/Code/invalidDocument`` when `index.sqlite`
        ///   is a directory.
        /// - Complexity: O(*n* log *n*) time in the number of rows; O(1) memory in it beyond the log's states.
        public func replaceContents(
            persist: Bool,
            producing produce: (_ add: (ArtifactSummary) throws -> Void) throws -> (
                stamp: RegistryIndex.Stamp, states: [ArtifactID: String]
            )
        ) throws {
            try replace(persist: persist) { store, generation, crashPoint in
                try store.fill(generation: generation, crashPoint: crashPoint, producing: produce)
            }
        }

        /// The steps of a full build around `fill`, which fills an empty store (with this generation and crash
        /// point before its commit). The new database is filled without holding the backend's lock (it is
        /// private until the swap), so queries in this process keep answering from the old one meanwhile.
        private func replace(
            persist: Bool, fill: (SQLiteIndexStore, _ generation: Int64, _ crashPoint: String?) throws -> Void
        ) throws {
            guard persist else {
                // The file's marker before the copy is filled: a writer that changes the file meanwhile makes the
                // copy stale, and it is dropped.
                lock.lock()
                detached = nil
                knownDamage = nil
                let marker = currentMarker()
                lock.unlock()
                let memory = SQLiteIndexStore(connection: try SQLiteConnection(path: path, mode: .memory))
                try fill(memory, 0, nil)
                lock.lock()
                defer { lock.unlock() }
                detached = (memory, marker)
                return
            }
            try FileSystem.makeDirectory(directory)  // a real directory: a symbolic link is refused
            if let status = try FileSystem.status(path), status.kind == .directory {
                throw RegistryError(
                    .invalidDocument, "SQLite index \(path) is a directory; remove it to rebuild the index", path: path)
            }
            // A new generation number, so that a reader holding the old file notices the change even if it were
            // to see the same inode again.
            lock.lock()
            let generation = ((try? openFile()?.meta().generation) ?? 0) + 1
            lock.unlock()
            let building = directory + "/" + SQLiteIndexSchema.buildingFileName
            try removeIfPresent(building)
            do {
                let connection = try SQLiteConnection(path: building, mode: .bulkLoad)
                try fill(SQLiteIndexStore(connection: connection), generation, "sqlite.rebuildBeforeCommit")
                // Readers use WAL mode: recorded in the file's header, so every later connection uses it.
                try connection.execute("PRAGMA journal_mode=WAL")
            }  // closed here: the file holds every page, and no -wal is left beside it
            lock.lock()
            defer { lock.unlock() }
            detached = nil
            knownDamage = nil
            file = nil
            writer = nil
            try Self.syncFile(building)
            CrashPoint.hit("sqlite.rebuildBeforeSwap")
            // The old database's WAL must never be read with the new file: remove the old file first, then its
            // -wal and -shm, then rename. (A reader that has the old file open keeps reading it.)
            for suffix in ["", "-wal", "-shm", "-journal"] { try removeIfPresent(path + suffix) }
            CrashPoint.hit("sqlite.rebuildAfterRemovingOld")
            try FileSystem.rename(building, to: path)
            try FileSystem.syncDirectory(directory)
            // Open it for writing now, which creates -wal and -shm (kept from then on), so that read-only readers
            // never have to create them.
            let store = try writableStore()
            _ = try store.meta()
            guard let status = try FileSystem.status(path) else {
                throw RegistryError(.io, "SQLite index \(path) disappeared while being written", path: path)
            }
            writer = (store, [status.device, status.inode])
        }

        /// fsyncs a file's contents (SQLite wrote them with syncs off).
        private static func syncFile(_ file: String) throws {
            do {
                let handle = try RegistryCore.OpenFile.open(file, O_RDONLY)
                try handle.closeAfter { try $0.sync() }
            } catch let error as SystemCallError {
                throw RegistryError.systemCall(error, "flush the new SQLite index", path: file)
            }
        }

        private func removeIfPresent(_ file: String) throws {
            if try FileSystem.status(file) != nil { try FileSystem.removeFile(file) }
        }

        /// Applies an update to the database in one transaction (persist), or to this process's view only.
        ///
        /// - Parameters:
        ///   - changes: the update.
        ///   - persist: commit it to the database (the caller holds the writer lock).
        /// - Throws: ``RegistryError/Code/notFound`` when persisting and there is no database; I/O errors.
        /// - Complexity: O(*c* log *n*) for *c* changes over *n* rows.
        public func apply(_ changes: RegistryIndex.Changes, persist: Bool) throws {
            lock.lock()
            defer { lock.unlock() }
            if persist {
                guard let store = try writerStore() else {
                    throw RegistryError(.notFound, "there is no SQLite index at \(path) to update", path: path)
                }
                try store.apply(changes, bumpGeneration: true, crashPoint: "sqlite.updateBeforeCommit")
                return
            }
            if let detached {
                try detached.store.apply(changes, bumpGeneration: false, crashPoint: nil)
                return
            }
            guard let source = try openFile() else { return }
            // Catching up without the writer lock: work on a private copy, never on the file.
            let marker = currentMarker()
            let memory = SQLiteIndexStore(connection: try SQLiteConnection(path: path, mode: .memory))
            try source.connection.copy(into: memory.connection)
            try memory.apply(changes, bumpGeneration: false, crashPoint: nil)
            detached = (memory, marker)
        }

        /// How many `additions` rows make a compaction due (``isCompactionDue()``), and how many one round
        /// folds at most. Tests make them small.
        var compaction = (threshold: 4096, limit: 4096)

        /// Whether `additions` (the rows incremental updates add) holds 4,096 rows or more.
        ///
        /// - Complexity: counting `additions` up to the threshold.
        public func isCompactionDue() throws -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard let store = try writerStore() else { return false }
            return try store.additionsCount(upTo: compaction.threshold) >= compaction.threshold
        }

        /// A round of folding `additions` into the posting blobs of their terms, so that a registry registering
        /// many artifacts between full builds does not grow it without bound: at most 4,096 rows, the first in key
        /// order, in one transaction (docs/FORMAT.md §16.4). The work is a database transaction, so nothing is
        /// prepared outside the writer lock: the round runs when ``IndexCompaction/install()`` is called under it
        /// (`RegistryIndex.compact()` runs rounds until none is due, in the background of a write). Readers see
        /// the same answers before and after.
        ///
        /// - Returns: the round, or nil when no compaction is due.
        /// - Throws: I/O errors counting `additions`.
        /// - Complexity: of the round: the limit's rows and the blobs of their terms, bounded by the limit, not by
        ///   the number of artifacts, except that a term's blob is rewritten whole.
        public func prepareCompaction() throws -> (any IndexCompaction)? {
            try isCompactionDue() ? FoldingRound(backend: self) : nil
        }

        /// One round of folding, run under the writer lock.
        private final class FoldingRound: IndexCompaction {
            let backend: SQLiteIndexBackend
            init(backend: SQLiteIndexBackend) { self.backend = backend }
            func install() throws -> Bool { try backend.foldAdditions() }
            func discard() {}
        }

        /// Folds at most the limit's rows of `additions` (the caller holds the writer lock).
        ///
        /// - Returns: true when rows were folded.
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the database when the stored index is damaged
        ///   (the caller rebuilds); I/O errors (nothing is committed then).
        private func foldAdditions() throws -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard let store = try writerStore() else { return false }
            guard try store.additionsCount(upTo: compaction.threshold) >= compaction.threshold else { return false }
            return try store.foldAdditions(limit: compaction.limit, crashPoint: "sqlite.compactionBeforeCommit") > 0
        }

        /// The connection that writes the database file (checked like a reader's first), opened when the file
        /// appeared or was replaced; nil when there is no file. Only for a caller holding the writer lock.
        private func writerStore() throws -> SQLiteIndexStore? {
            guard let status = try openFile().map({ _ in try FileSystem.status(path) }) ?? nil else { return nil }
            let identity = [status.device, status.inode]
            if let writer, writer.identity == identity { return writer.store }
            let store = SQLiteIndexStore(connection: try SQLiteConnection(path: path, mode: .readWrite))
            writer = (store, identity)
            return store
        }

        /// The matching summaries, most recent first; see ``IndexBackend/summaries(matching:)``.
        ///
        /// - Complexity: one posting blob (and its range of `additions`) per term, decoded and intersected in
        ///   memory, then one row lookup per candidate until the limit; without a term, one row per result.
        public func summaries(matching query: IndexQuery) throws -> [ArtifactSummary] {
            try withStore { try $0?.summaries(matching: query) ?? [] }
        }

        /// One page of the matching summaries: those after `cursor`, most recent first; see
        /// ``IndexBackend/summaries(matching:after:)``.
        ///
        /// - Complexity: as ``summaries(matching:)``: the cursor bounds the ordinal (the registration sequence; for
        ///   artifacts without a registration, the negative ordinals and their ids), so a page reads only its own
        ///   rows.
        public func summaries(matching query: IndexQuery, after cursor: IndexQuery.Cursor) throws -> [ArtifactSummary] {
            try withStore { try $0?.summaries(matching: query, after: cursor) ?? [] }
        }

        /// The summary of one artifact, or nil.
        public func summary(of id: ArtifactID) throws -> ArtifactSummary? {
            try withStore { try $0?.summary(of: id) }
        }

        /// The transitive lineage of an artifact, nearest first.
        ///
        /// - Throws: ``RegistryError/Code/notFound`` when the index holds no such artifact.
        /// - Complexity: one indexed lookup per artifact reached.
        public func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactSummary] {
            guard let result = try withStore({ try $0?.lineage(of: id, direction: direction) }) else {
                throw RegistryError(.notFound, "the index has no artifact '\(id)'")
            }
            return result
        }

        /// Checks what opening does not: that `artifacts` holds `meta.summary_count` rows, and SQLite's
        /// `quick_check` of every page. Called by `RegistryIndex.status()` (`index status`, `fsck`).
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the database and what is wrong.
        /// - Complexity: O(*n*): reads the whole database.
        public func verifyStoredIndex() throws {
            lock.lock()
            defer { lock.unlock() }
            guard detached == nil, let store = try openFile() else { return }
            do {
                try store.connection.transaction(write: false) {
                    try store.checkSummaryCount(try store.meta())
                    try store.quickCheck()
                }
            } catch let error as RegistryError where error.code == .invalidDocument {
                if let status = try? FileSystem.status(path) { knownDamage = (status, error) }
                file = nil
                throw error
            }
        }

        /// Everything the index holds.
        ///
        /// - Complexity: O(*n* log *n*).
        public func contents() throws -> RegistryIndex.Contents? {
            try withStore { try $0?.contents() }
        }

        // MARK: The file

        private func withStore<R>(_ body: (SQLiteIndexStore?) throws -> R) throws -> R {
            lock.lock()
            defer { lock.unlock() }
            if let detached { return try body(detached.store) }
            let store = try openFile()
            do {
                return try body(store)
            } catch let error as RegistryError where error.code == .invalidDocument && store != nil {
                // Damage that the checks on opening did not see: refuse the file until it changes.
                if let status = try? FileSystem.status(path) { knownDamage = (status, error) }
                file = nil
                throw error
            }
        }

        /// The open, checked database file, opening it when it appeared or was replaced; nil when there is none.
        private func openFile() throws -> SQLiteIndexStore? {
            guard let status = try FileSystem.status(path) else {
                file = nil
                knownDamage = nil
                return nil
            }
            if let knownDamage {
                if knownDamage.status == status { throw knownDamage.error }
                self.knownDamage = nil
            }
            guard status.kind == .regular else {
                file = nil
                throw RegistryError(.invalidDocument, "SQLite index \(path) is not a regular file", path: path)
            }
            let identity = [status.device, status.inode]
            if var open = file, open.identity == identity {
                let schema = try open.store.schemaVersion()
                if schema != open.checkedSchema {
                    try SQLiteIndexSchema.validate(open.store.connection)
                    open.checkedSchema = schema
                    file = open
                }
                let meta = try open.store.meta()
                if meta.generation != open.checkedGeneration {
                    open.checkedGeneration = meta.generation
                    file = open
                }
                return open.store
            }
            file = nil
            // Readers never write, not even a checkpoint when their connection closes: a read-only connection.
            let connection = try SQLiteConnection(path: path, mode: .readOnly)
            let store = SQLiteIndexStore(connection: connection)
            // O(1) in the size of the index: the schema (a handful of rows of sqlite_master) and `meta`. Row counts
            // and pages are checked by verifyStoredIndex() (`index status`, `fsck`), never on a query's path.
            let schema = try store.schemaVersion()
            do {
                try SQLiteIndexSchema.validate(connection)
            } catch let error as RegistryError where error.code == .invalidDocument {
                // Another format version has another schema: say so by its version when `meta` tells it.
                do {
                    _ = try store.meta()
                } catch let versionError as RegistryError where versionError.code == .unsupportedFormatVersion {
                    throw versionError
                } catch {}
                throw error
            }
            let meta = try store.meta()
            file = OpenFile(
                store: store, identity: identity, checkedGeneration: meta.generation, checkedSchema: schema)
            return store
        }

        /// The file's identity and generation now, or nil when there is no usable file.
        private func currentMarker() -> Marker? {
            guard let store = try? openFile(), let open = file, let meta = try? store.meta() else { return nil }
            return Marker(identity: open.identity, generation: meta.generation)
        }

        /// The database file opened for writing (it is in WAL mode since its full build).
        private func writableStore() throws -> SQLiteIndexStore {
            if let status = try FileSystem.status(path), status.kind != .regular {
                throw RegistryError(.invalidDocument, "SQLite index \(path) is not a regular file", path: path)
            }
            return SQLiteIndexStore(connection: try SQLiteConnection(path: path, mode: .readWrite))
        }
    }
#endif
