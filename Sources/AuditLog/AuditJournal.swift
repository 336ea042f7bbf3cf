import Foundation
import RegistryCore

/// The registry's audit log: append-only, hash-chained JSON Lines in `<registry>/audit/`.
///
/// ```swift
/// let journal = AuditJournal(layout: try RegistryLayout.open(at: root, forWriting: true))
/// let event = try journal.append(.aliasPromoted, actor: "ci", payload: ["alias": "champion", "artifact": "sha256-…"])
/// let report = try journal.verify()
/// try journal.forEachEvent(.init(types: [.aliasPromoted], alias: "champion")) { print($0) }
/// ```
///
/// ## On-disk format
///
/// - Each event is one line: the RFC 8785 canonical JSON of `{"actor","payload","previousHash","sequence","time",
///   "type"}` followed by `\n` (see ``AuditEvent``). A line that is not exactly canonical counts as edited.
/// - Events are numbered 1, 2, 3 … across all files with no gaps; each records the SHA-256 of the previous line
///   (without its newline), event 1 records ``AuditEvent/genesisHash``. One chain runs through all files.
/// - Files are `audit/YYYY-MM-DD.jsonl`, named for the UTC day of the event's time, except that an event never
///   goes into a file older than the newest existing one: the file is `max(today, newest file's day)`. A clock
///   that goes backwards therefore keeps appending to the newest file, sequence numbers keep increasing, and every
///   event's UTC day is on or before its file's day. Files are read in name order.
///
/// ## Writers and readers
///
/// Appends and repairs must run under the registry's writer lock (the umbrella `Registry` takes it); the journal
/// itself only serialises the threads that share one `AuditJournal` instance. Readers (``events(_:)``,
/// ``lastEvent()``, ``verify()``) never lock: they see every line that was complete when they reached it.
///
/// `AuditJournal` is `Sendable`: its configuration is immutable and its small cache is guarded by a lock.
public final class AuditJournal: Sendable {
    /// The registry whose `audit/` directory this journal writes.
    public let layout: RegistryLayout
    /// The clock that stamps new events.
    let clock: @Sendable () -> Date
    let state = JournalState()
    /// The last event as readers last saw it (``recentLastEvent()``).
    let tail = TailCache()
    /// The day files as last listed (``DayFileListing``).
    let listing: DayFileListing

    /// The longest line the journal writes or reads, in bytes (1 MiB). Appends with a larger payload fail;
    /// a longer line on disk is reported as malformed.
    public static let maximumLineLength = 1 << 20

    /// The longest actor name, in UTF-8 bytes.
    public static let maximumActorLength = 256

    /// Creates a journal over a registry's `audit/` directory. Nothing is read until the first call.
    ///
    /// - Parameters:
    ///   - layout: the registry (see `RegistryLayout.open(at:forWriting:allowNetworkFileSystem:)`).
    ///   - clock: where event times come from; tests inject a fixed or stepping clock.
    public init(layout: RegistryLayout, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.layout = layout
        self.clock = clock
        self.listing = DayFileListing()
    }

    /// A journal whose day files are listed by `listing`: for tests that choose its settling time or freeze the
    /// directory's clock.
    init(layout: RegistryLayout, clock: @escaping @Sendable () -> Date, listing: DayFileListing) {
        self.layout = layout
        self.clock = clock
        self.listing = listing
    }

    /// `<registry>/audit`.
    var directory: String { layout.auditPath }

    // MARK: Appending

    /// Appends one event at the end of the chain and returns it.
    ///
    /// The journal assigns the next sequence number, the time (from the clock, UTC, milliseconds) and the hash of
    /// the current last line, and writes the event to `audit/<day>.jsonl` where `<day>` is the later of the
    /// event's UTC day and the newest existing file's day.
    ///
    /// To find the previous event it reads only the end of the newest file. The last line it saw is cached and
    /// trusted only while the newest file still has the same size and still ends with exactly that line, since other
    /// processes append too.
    ///
    /// - Precondition: the caller holds the registry's writer lock (the umbrella `Registry` does). The journal does
    ///   not take it: two processes appending without it could both write the same sequence number, which
    ///   ``verify()`` would then report.
    ///
    /// **Durability:** the line is written with one `write` on an `O_APPEND` descriptor and fsynced before this
    /// returns; a new day file also has its directory fsynced. When this returns, the event survives a crash.
    /// When it throws, the journal tries to take the line back out (truncating the file to its previous length,
    /// or removing a file it had just created), so a failed append normally leaves the log as it was; if even
    /// that fails, or the process crashes mid-append, the log may end with the event or with a torn line, which
    /// ``verify()`` reports and ``repairTornTail(actor:)`` removes.
    ///
    /// - Parameters:
    ///   - type: what happened. Must be 1–64 of `a–z 0–9 _`, starting with a letter.
    ///   - actor: who did it: 1–256 bytes of UTF-8 without control characters.
    ///   - payload: the details; the line (with all members) must fit in ``maximumLineLength``.
    /// - Returns: the event as written.
    /// - Throws: ``RegistryError/Code/invalidArgument`` for a bad type, actor, over-long payload or a clock outside
    ///   years 0000–9999; ``RegistryError/Code/invalidDocument`` when the newest file ends with a torn line or
    ///   with a line that is not an event (nothing is appended: run ``repairTornTail(actor:)`` first);
    ///   ``RegistryError/Code/io`` and other I/O codes when a write or fsync fails.
    /// - Complexity: O(*m*) in the length of the last line and O(*f*) in the number of day files (one directory
    ///   listing); independent of the number of events.
    @discardableResult
    public func append(_ type: AuditEvent.Kind, actor: String, payload: [String: JSONValue]) throws -> AuditEvent {
        try Self.checkNewEvent(type: type, actor: actor)
        return try state.withLock { cached in
            try appendHoldingState(type, actor: actor, payload: payload, cached: &cached)
        }
    }

    /// Takes `lock` (the registry's writer lock), appends, and releases it: for tests and for standalone use of
    /// the journal without the umbrella `Registry`.
    ///
    /// - Parameters:
    ///   - lock: the registry's writer lock.
    ///   - timeout: how long to wait for the lock.
    /// - Throws: ``RegistryError/Code/lockTimeout`` when the lock was not free in time; otherwise as
    ///   ``append(_:actor:payload:)``.
    @discardableResult
    package func appendLocked(
        _ type: AuditEvent.Kind, actor: String, payload: [String: JSONValue], lock: WriterLock,
        timeout: Duration = .seconds(30)
    ) throws -> AuditEvent {
        try lock.withLock(timeout: timeout) { try append(type, actor: actor, payload: payload) }
    }

    /// The append itself; the state lock is held and `cached` is the cached chain head.
    func appendHoldingState(
        _ type: AuditEvent.Kind, actor: String, payload: [String: JSONValue], cached: inout ChainHead?
    ) throws -> AuditEvent {
        let files = try listFilesCreatingDirectory()
        let head = try currentHead(files: files, cached: &cached)
        let now = clock()
        guard let time = Timestamp.format(now) else {
            throw RegistryError(
                .invalidArgument, "the audit clock returned \(now), which is outside the years 0000–9999")
        }
        var day = String(time.prefix(10))
        if let newest = files.last, newest.day > day { day = newest.day }
        let target = JournalFile(day: day, directory: directory)
        let event = AuditEvent(
            sequence: head.sequence + 1, time: time, actor: actor, type: type, payload: payload,
            previousHash: head.hash)
        let line = event.encodedLine
        guard line.count <= Self.maximumLineLength else {
            throw RegistryError(
                .invalidArgument,
                "the \(type) event is \(line.count) bytes long; audit events may be at most "
                    + "\(Self.maximumLineLength) bytes (keep large details in a file and record its digest)")
        }
        let sizeBefore: Int64? = head.file == target ? head.size : try FileSystem.status(target.path)?.size
        cached = nil
        do {
            try FileSystem.append(target.path, record: line + [UInt8(ascii: "\n")])
        } catch {
            // Take the line back out so that a failed append leaves the log as it was. When that fails too (a
            // file system gone read-only or full), the line may be in the log: the outcome is unknown, and the
            // error says so and how it is settled.
            do {
                if let sizeBefore {
                    try FileSystem.truncate(target.path, to: sizeBefore)
                } else {
                    try FileSystem.removeTree(target.path)
                }
            } catch let takeBack {
                throw AppendOutcomeUnknown.error(appending: event, to: target, failure: error, takeBack: takeBack)
            }
            throw error
        }
        cached = ChainHead(
            sequence: event.sequence, hash: SHA256Algorithm().hash(line), file: target,
            size: (sizeBefore ?? 0) + Int64(line.count) + 1, lastLine: line, event: event)
        return event
    }

    /// Checks the parts of a new event the caller chose.
    static func checkNewEvent(type: AuditEvent.Kind, actor: String) throws {
        guard type.isValidName else {
            throw RegistryError(
                .invalidArgument,
                "'\(type.rawValue)' is not a valid audit event type (1–64 of a–z, 0–9 and _, starting with a letter)")
        }
        let hasControl = actor.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
        guard !actor.isEmpty, actor.utf8.count <= maximumActorLength, !hasControl else {
            throw RegistryError(
                .invalidArgument,
                "\(actor.debugDescription) is not a valid audit actor (1–\(maximumActorLength) bytes of UTF-8 "
                    + "without control characters)")
        }
    }

    // MARK: Reading the end

    /// The last complete event of the log, reading only the end of the newest non-empty file.
    ///
    /// A torn or in-progress final line (no newline yet) is skipped: the event before it is returned.
    ///
    /// - Returns: the event with the highest position in the log, or nil when the log is empty (or `audit/` does
    ///   not exist).
    /// - Throws: ``RegistryError/Code/invalidJSON`` or ``RegistryError/Code/invalidDocument`` when the last
    ///   complete line is not an event (the message names the file and byte offset); I/O errors.
    /// - Complexity: O(*m*) in the length of the last line, plus O(*f*) in the number of day files when `audit/`
    ///   changed since the last listing (one `stat` otherwise: the listing is kept while `audit/` is unchanged).
    public func lastEvent() throws -> AuditEvent? {
        let files: [JournalFile]
        do {
            files = try listing.files(in: directory)
        } catch RegistryError.Code.notFound {
            return nil
        }
        return try findHead(files: files, skippingTornLines: true).event
    }

    // MARK: Chain head

    /// Lists the day files, creating `audit/` when it is missing (it holds nothing that could be lost). A
    /// symbolic link at `audit/` is refused (`.symlinkRefused`): appends through it would land outside the registry.
    func listFilesCreatingDirectory() throws -> [JournalFile] {
        try FileSystem.makeDirectory(directory)
        return try listing.files(in: directory)
    }

    /// The chain head to append after: the cached one if the newest file still ends with it, otherwise read
    /// from the tail of the newest non-empty file.
    func currentHead(files: [JournalFile], cached: inout ChainHead?) throws -> ChainHead {
        if let head = cached, let file = head.file, files.last == file, try Self.fileStillEnds(with: head) {
            return head
        }
        cached = nil
        let head = try findHead(files: files, skippingTornLines: false)
        if head.file != nil { cached = head }
        return head
    }

    /// Whether the head's file still has the head's size and ends with its last line.
    private static func fileStillEnds(with head: ChainHead) throws -> Bool {
        guard let journalFile = head.file, let file = try FileSystem.openForReading(journalFile.path) else {
            return false
        }
        return try file.closeAfter { file in
            let size = try file.fileStatus().size
            let lineCount = Int64(head.lastLine.count) + 1
            guard size == head.size, size >= lineCount else { return false }
            let newline = UInt8(ascii: "\n")
            if size == lineCount {
                return try file.read(at: 0, count: Int(lineCount)) == head.lastLine + [newline]
            }
            return try file.read(at: size - lineCount - 1, count: Int(lineCount) + 1)
                == [newline] + head.lastLine + [newline]
        }
    }

    /// Reads the chain head from the newest non-empty file, walking back over empty files.
    ///
    /// - Parameters:
    ///   - files: the day files, oldest first.
    ///   - skippingTornLines: for readers: ignore bytes after the last newline and use the line before. Writers
    ///     pass false and get an error instead, because they must never append after garbage.
    ///   - truncation: consider only the first `end` bytes of `file` (used to check what a repair would leave).
    func findHead(
        files: [JournalFile], skippingTornLines: Bool, truncation: (file: JournalFile, end: Int64)? = nil
    ) throws -> ChainHead {
        for file in files.reversed() {
            let limit = truncation?.file == file ? truncation?.end : nil
            guard let tail = try JournalTail.read(file.path, limit: limit), tail.size > 0 else { continue }
            if tail.isTorn && !skippingTornLines {
                throw RegistryError(
                    .invalidDocument,
                    "\(file.displayName) ends with a torn line (\(tail.size - tail.end) bytes at byte offset "
                        + "\(tail.end) without a final newline), most likely left by a crash during an append; "
                        + "nothing was appended after it. Run the audit log recovery (AuditJournal.repairTornTail) "
                        + "to cut it off and record the repair",
                    path: file.path)
            }
            guard let line = tail.lastLine else { continue }  // only a torn line in this file
            let source = "\(file.displayName) (last line, byte offset \(line.offset))"
            guard let bytes = line.bytes else {
                throw RegistryError(
                    .invalidDocument,
                    "\(source): the line is longer than \(Self.maximumLineLength) bytes and cannot be an audit "
                        + "event; run verify to see the damage",
                    path: file.path)
            }
            let event: AuditEvent
            do {
                event = try AuditEvent(parsingLine: bytes, source: source)
            } catch let error as RegistryError {
                var refused = error
                refused.path = file.path
                if !skippingTornLines {
                    refused.message +=
                        "; nothing was appended after it. Run verify to see the damage, and the "
                        + "audit log recovery (AuditJournal.repairTornTail) if it is a torn final line"
                }
                throw refused
            }
            return ChainHead(
                sequence: event.sequence, hash: SHA256Algorithm().hash(bytes), file: file, size: tail.end,
                lastLine: bytes, event: event)
        }
        return .empty
    }
}

/// The end of the chain: what the next event links to.
struct ChainHead {
    /// The last event's sequence number (0 for an empty log).
    var sequence: Int64
    /// The last line's hash (the genesis hash for an empty log).
    var hash: Digest
    /// The file holding the last line, or nil for an empty log.
    var file: JournalFile?
    /// That file's size, which ends with the last line.
    var size: Int64
    /// The last line, without its newline.
    var lastLine: [UInt8]
    /// The last event.
    var event: AuditEvent?

    static let empty = ChainHead(
        sequence: 0, hash: AuditEvent.genesisHash, file: nil, size: 0, lastLine: [], event: nil)
}

/// The journal's mutable state: the cached chain head, guarded by a lock that also serialises appends made
/// through one instance.
final class JournalState: @unchecked Sendable {
    private let lock = NSLock()
    private var cached: ChainHead?

    func withLock<R>(_ body: (inout ChainHead?) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&cached)
    }
}
