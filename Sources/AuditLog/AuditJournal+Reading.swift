import Foundation
import RegistryCore

extension AuditJournal {
    /// Which events to read. Every condition that is set must hold; an empty filter matches every event.
    ///
    /// ```swift
    /// let filter = AuditJournal.Filter(types: [.aliasPromoted, .aliasRolledBack], alias: "champion",
    ///                                  since: lastWeek, limit: 100)
    /// ```
    public struct Filter: Hashable, Sendable {
        /// Event types to keep; empty keeps every type (including unknown ones).
        public var types: Set<AuditEvent.Kind>
        /// Keep only events whose payload `alias` is this.
        public var alias: String?
        /// Keep only events that mention this artifact id (see ``AuditEvent/artifactIDs``).
        public var artifact: String?
        /// Keep only events whose time is at or after this. Events with an invalid time are left out.
        public var since: Date?
        /// Keep only events whose time is before this. Events with an invalid time are left out.
        public var until: Date?
        /// Stop after this many matching events (in log order).
        public var limit: Int?

        /// Creates a filter; every parameter defaults to "no condition".
        public init(
            types: Set<AuditEvent.Kind> = [], alias: String? = nil, artifact: String? = nil, since: Date? = nil,
            until: Date? = nil, limit: Int? = nil
        ) {
            self.types = types
            self.alias = alias
            self.artifact = artifact
            self.since = since
            self.until = until
            self.limit = limit
        }

        /// Whether `event` meets every condition (``limit`` aside).
        public func matches(_ event: AuditEvent) -> Bool {
            if !types.isEmpty && !types.contains(event.type) { return false }
            if let alias, event.alias != alias { return false }
            if let artifact, !event.artifactIDs.contains(artifact) { return false }
            if since != nil || until != nil {
                guard let date = event.date else { return false }
                if let since, date < since { return false }
                if let until, date >= until { return false }
            }
            return true
        }
    }

    /// The events that match `filter`, in log order, streamed file by file and line by line.
    ///
    /// Nothing is read until iteration starts. Memory stays bounded by one line plus a 64 KiB buffer however
    /// long the log is. Each element is a `Result`, so a malformed line surfaces as an error naming `file:line`
    /// (and iteration goes on with the next line) instead of being skipped silently:
    ///
    /// ```swift
    /// var cursor = journal.events(.init(alias: "champion")).makeIterator()
    /// while let event = try cursor.nextEvent() { print(event) }
    /// ```
    ///
    /// Reading does not check the hash chain (``verify()`` does) and does not lock. The list of day files is taken
    /// when iteration starts and each file is read up to its size when it is opened. A final line without a
    /// newline at the end of the last file is left out: it is either being written right now or torn by a crash,
    /// which ``verify()`` reports.
    ///
    /// - Parameter filter: which events to yield.
    /// - Returns: a sequence of events or errors; iterate it once per traversal.
    /// - Complexity: O(*n*) in the size of the files read. A ``Filter/since`` date skips files whose day is before
    ///   it, since a file never holds an event from a later day.
    public func events(_ filter: Filter = .init()) -> Events {
        Events(journal: self, filter: filter)
    }

    /// Calls `body` with every event that matches `filter`, in log order, streaming as ``events(_:)`` does.
    ///
    /// - Parameters:
    ///   - filter: which events to visit.
    ///   - body: called once per event; throwing stops the iteration and rethrows.
    /// - Throws: the first read error: ``RegistryError/Code/invalidJSON`` or ``RegistryError/Code/invalidDocument``
    ///   for a malformed line (the message starts with `audit/<file>:<line>`), I/O codes; or what `body` throws.
    public func forEachEvent(_ filter: Filter = .init(), _ body: (AuditEvent) throws -> Void) throws {
        var cursor = events(filter).makeIterator()
        while let event = try cursor.nextEvent() {
            try body(event)
        }
    }

    /// The events matching a filter, as returned by ``AuditJournal/events(_:)``.
    ///
    /// A `Sequence` of `Result<AuditEvent, RegistryError>`; each traversal reads the files again. `Sendable`:
    /// it holds only the journal and the filter.
    public struct Events: Sequence, Sendable {
        /// The journal to read.
        public let journal: AuditJournal
        /// Which events to yield.
        public let filter: Filter

        /// Starts a traversal.
        public func makeIterator() -> Cursor {
            Cursor(journal: journal, filter: filter)
        }
    }

    /// A position in the log while reading it: the iterator of ``Events``.
    ///
    /// Holds at most one open file. Not `Sendable`: use one cursor from one task at a time.
    public struct Cursor: IteratorProtocol {
        private let state: CursorState

        init(journal: AuditJournal, filter: Filter) {
            state = CursorState(journal: journal, filter: filter)
        }

        /// The next matching event, or a read error, or nil at the end (or after ``Filter/limit`` events).
        ///
        /// After an error about one line, the next call goes on with the following line; after an I/O error the
        /// traversal ends.
        public mutating func next() -> Result<AuditEvent, RegistryError>? {
            state.next()
        }

        /// The next matching event, throwing instead of returning an error.
        ///
        /// - Returns: the event, or nil at the end.
        /// - Throws: ``RegistryError`` for a malformed line (naming `audit/<file>:<line>`) or an I/O failure.
        public mutating func nextEvent() throws -> AuditEvent? {
            switch next() {
            case .success(let event): return event
            case .failure(let error): throw error
            case nil: return nil
            }
        }
    }
}

/// The mutable state of a ``AuditJournal/Cursor``: the file list, the open file and the count of events yielded.
final class CursorState {
    private let journal: AuditJournal
    private let filter: AuditJournal.Filter
    private var files: [JournalFile]?
    private var fileIndex = 0
    private var reader: JournalLineReader?
    private var yielded = 0
    private var isFinished = false

    init(journal: AuditJournal, filter: AuditJournal.Filter) {
        self.journal = journal
        self.filter = filter
    }

    func next() -> Result<AuditEvent, RegistryError>? {
        while !isFinished {
            if let limit = filter.limit, yielded >= limit {
                finish()
                return nil
            }
            do {
                guard let reader = try currentReader() else {
                    finish()
                    return nil
                }
                guard let line = try reader.nextLine() else {
                    self.reader = nil
                    fileIndex += 1
                    continue
                }
                if let result = evaluate(line, in: reader.file) {
                    if case .success = result { yielded += 1 }
                    return result
                }
            } catch {
                finish()
                return .failure(
                    error as? RegistryError
                        ?? RegistryError(.io, "could not read the audit log: \(error)", underlying: error))
            }
        }
        return nil
    }

    /// Parses and filters one line: an event that matches, an error, or nil to go on. An error about the line
    /// carries an ``AuditJournal/DamagedLine`` as its `underlying` error.
    private func evaluate(_ line: JournalLineReader.Line, in file: JournalFile) -> Result<AuditEvent, RegistryError>? {
        evaluateLine(line, in: file)?.mapError { failure in
            var failure = failure
            // The reason alone: the damaged line names its file and line itself.
            let location = "\(file.displayName):\(line.number):"
            var reason = Substring(failure.message)
            if reason.hasPrefix(location) { reason = reason.dropFirst(location.count) }
            while let first = reason.first, first == " " || first.isNumber || first == ":" {
                reason = reason.dropFirst()
            }
            failure.underlying = AuditJournal.DamagedLine(
                file: file.displayName, line: line.number, reason: String(reason))
            return failure
        }
    }

    private func evaluateLine(_ line: JournalLineReader.Line, in file: JournalFile) -> Result<
        AuditEvent, RegistryError
    >? {
        let source = "\(file.displayName):\(line.number)"
        if !line.isTerminated {
            let isLastFile = fileIndex == (files?.count ?? 0) - 1
            if isLastFile { return nil }  // being written right now, or torn: verify() reports it
            return .failure(
                RegistryError(
                    .invalidDocument, "\(source): the file ends without a newline although later files follow",
                    path: file.path))
        }
        if line.isOverlong {
            return .failure(
                RegistryError(
                    .invalidDocument,
                    "\(source): the line is \(line.length) bytes long, more than the "
                        + "\(AuditJournal.maximumLineLength) an audit event may have",
                    path: file.path))
        }
        if line.bytes.isEmpty {
            return .failure(RegistryError(.invalidDocument, "\(source): the line is empty", path: file.path))
        }
        do {
            let event = try AuditEvent(parsingLine: line.bytes, source: source)
            return filter.matches(event) ? .success(event) : nil
        } catch {
            var failure = error as? RegistryError ?? RegistryError(.invalidDocument, "\(source): \(error)")
            failure.path = file.path
            return .failure(failure)
        }
    }

    /// The reader for the current file, opening the next one as needed; nil when all files are done.
    private func currentReader() throws -> JournalLineReader? {
        if files == nil {
            do {
                files = try journal.listing.files(in: journal.directory)
            } catch RegistryError.Code.notFound {
                files = []
            }
            if let since = filter.since, let firstDay = Timestamp.day(of: since) {
                // A file never holds an event dated after its own day, so earlier files hold nothing in range.
                files?.removeAll { $0.day < firstDay }
            }
        }
        if let reader { return reader }
        guard let files else { return nil }
        while fileIndex < files.count {
            if let opened = try JournalLineReader(files[fileIndex]) {
                reader = opened
                return opened
            }
            fileIndex += 1  // removed since the listing
        }
        return nil
    }

    private func finish() {
        isFinished = true
        reader = nil
    }
}

extension AuditJournal {
    /// A line of the log that is not an event, as a reader met it: the `underlying` error of the failure a
    /// ``Cursor`` yields for it. Reading goes on with the next line, so a reader can show or replay the rest and
    /// say where the damage is (FORMAT.md §9.4); any other failure ends the traversal.
    public struct DamagedLine: Error, Sendable {
        /// The day file, relative to the registry root (`audit/2026-11-23.jsonl`).
        public let file: String
        /// The line in that file, from 1.
        public let line: Int
        /// What is wrong with it (`invalid JSON: …`), without the file and line.
        public let reason: String

        /// `audit/<day>.jsonl:<line>: <reason>`.
        public var message: String { "\(file):\(line): \(reason)" }

        /// The damaged line found in `error`, a failure a ``Cursor`` yielded; nil for any other error.
        public static func found(in error: any Error) -> DamagedLine? {
            (error as? RegistryError)?.underlying as? DamagedLine
        }
    }
}
