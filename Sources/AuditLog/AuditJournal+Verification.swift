import Foundation
import RegistryCore

extension AuditJournal {
    /// The outcome of ``AuditJournal/verify()``: every problem found, not just the first.
    ///
    /// A log is intact when ``isClean``. When the only finding is a `.tornTail`, the log is intact
    /// up to its last line and ``AuditJournal/repairTornTail(actor:)`` makes it whole again.
    public struct Verification: Hashable, Sendable {
        /// Every problem, in file and line order. Each names its day file relative to the registry root
        /// (`audit/2026-11-23.jsonl`) as `Finding.path` and the line in it, from 1, as `Finding.line`.
        public var findings: [Finding]
        /// How many lines parsed as events (including events reported as out of place).
        public var eventCount: Int
        /// The last event of the chain, or nil when no line parsed as an event.
        public var lastEvent: AuditEvent?
        /// How many day files were read.
        public var fileCount: Int

        /// Whether no problem was found: the log is intact.
        public var isClean: Bool { findings.isEmpty }

        /// Whether the only problem is a torn final line, which ``AuditJournal/repairTornTail(actor:)`` repairs.
        public var isRepairable: Bool {
            !findings.isEmpty && findings.allSatisfy { $0.kind == .tornTail }
        }

        /// Creates a result; ``AuditJournal/verify()`` makes these.
        public init(findings: [Finding], eventCount: Int, lastEvent: AuditEvent?, fileCount: Int) {
            self.findings = findings
            self.eventCount = eventCount
            self.lastEvent = lastEvent
            self.fileCount = fileCount
        }
    }

    /// Checks the whole log and lists every problem.
    ///
    /// Streams every day file in name order, line by line, and checks that:
    ///
    /// - each line is an event in canonical form (`.malformedLine`);
    /// - each event's `previousHash` is the hash of the line before (`.editedLine`, reported at
    ///   the line that changed: a changed line breaks the link to the next line, and a changed `previousHash`
    ///   breaks both links of its own line);
    /// - sequence numbers go up by one (`.missingLines` for a jump forward,
    ///   `.insertedLine` or `.reorderedLines` for a number the chain has passed);
    /// - times are RFC 3339 (`.invalidTime`) and no later than their file's day
    ///   (`.misplacedEvent`);
    /// - the newest file does not end with a torn line (`.tornTail`): bytes after the last newline, or a final
    ///   line that is not JSON at all. A final line that is JSON but not a valid event is `.malformedLine`.
    ///
    /// After a problem the check resynchronises on the chain, so one damaged line gives findings at that line
    /// only, and later damage is still found.
    ///
    /// What a hash chain cannot show on its own: the very last line can be removed, or edited without breaking
    /// its JSON, without a trace, because no later line records its hash. Compare ``Verification/lastEvent``
    /// with a hash kept elsewhere to cover that.
    ///
    /// Verification does not lock. Each file is read up to its size when it is opened, so events appended
    /// meanwhile are not checked, and a final line that is still being written is not reported as torn.
    ///
    /// - Returns: the findings, the number of events and the last event.
    /// - Throws: only when verification cannot run: a file cannot be read (I/O codes).
    /// - Complexity: O(*n*) in the size of the log, with memory bounded by the longest line (at most
    ///   ``maximumLineLength``) plus a 64 KiB buffer, plus the findings.
    public func verify() throws -> Verification {
        try verify(forEachEvent: { _, _, _ in })
    }

    /// ``verify()``, handing every line that is an event to `body` as it goes, in log order, with its day file
    /// (relative to the registry root) and line number: a checker that needs the events too (`fsck`) reads the
    /// log once.
    public func verify(
        forEachEvent body: (_ event: AuditEvent, _ file: String, _ line: Int) -> Void
    ) throws -> Verification {
        // FORMAT.md §3: readers must not require `audit/`; a registry nothing was written to has no log yet.
        // Listed as it is now, not through the cached listing (``DayFileListing``): verification trusts no cache.
        let files = try FileSystem.exists(directory) ? try JournalFile.list(in: directory) : []
        var sizes: [Int64] = []
        for file in files { sizes.append(try FileSystem.status(file.path, followLinks: true)?.size ?? 0) }
        let newestNonEmpty = sizes.lastIndex { $0 > 0 }
        var checker = ChainChecker()
        for (index, file) in files.enumerated() {
            let isNewest = index == newestNonEmpty
            guard let reader = try JournalLineReader(file) else { continue }
            while let line = try reader.nextLine() {
                let isLastLine = isNewest && reader.isAtEnd
                if isLastLine && !line.isTerminated {
                    // Still being written by another process? Then the file has grown since we opened it.
                    if let now = try FileSystem.status(file.path, followLinks: true)?.size, now > reader.size {
                        break
                    }
                    checker.report(
                        .tornTail, file: file, line: line.number,
                        "the log ends with an incomplete line (\(line.length) bytes at byte offset \(line.offset) "
                            + "without a final newline), most likely left by a crash during an append; recovery "
                            + "removes it and records the repair")
                    break
                }
                if let event = checker.check(line, in: file, isLastLine: isLastLine) {
                    body(event, file.displayName, line.number)
                }
            }
        }
        checker.finish()
        return Verification(
            findings: checker.findings, eventCount: checker.eventCount, lastEvent: checker.head.event,
            fileCount: files.count)
    }
}

/// The chain-checking state machine behind ``AuditJournal/verify()``.
///
/// It keeps the *head*: the last event accepted into the chain. Each new event is compared with the head:
///
/// | Link to head (`previousHash`) | Sequence | Verdict |
/// |---|---|---|
/// | matches | head + 1 | fine |
/// | matches | anything else | this line's sequence number was edited; accepted as head + 1 |
/// | differs | head + 1 | a line changed: decided one line later (see below); accepted |
/// | differs | > head + 1 | events removed; accepted |
/// | differs | ≤ head | inserted, duplicated or reordered; not accepted, the head stays |
///
/// A broken link between lines *k* − 1 and *k* means either line *k* − 1 changed (its hash moved) or line *k*'s
/// `previousHash` changed, which also moves line *k*'s hash and so breaks the link to *k* + 1 as well. The
/// checker therefore waits for the next line: if that link breaks too, line *k* is blamed, otherwise line *k* − 1.
/// Malformed lines are reported and skipped; the events after them may jump by up to the number of skipped lines.
struct ChainChecker {
    struct Location: Hashable {
        var file: JournalFile
        var line: Int
    }

    struct Head {
        var sequence: Int64 = 0
        var hash: Digest = AuditEvent.genesisHash
        var location: Location?
        var event: AuditEvent?
    }

    /// A broken link waiting for the next line to decide which line changed.
    struct PendingBreak {
        /// The line before the break (blamed unless the next link breaks too).
        var before: Location
    }

    /// A sequence gap, remembered so that a line turning up later can be reported as reordered.
    struct Gap {
        var missing: ClosedRange<Int64>
        var findingIndex: Int
        var location: Location
    }

    private(set) var findings: [Finding] = []
    private(set) var eventCount = 0
    private(set) var head = Head()
    private var skippedLines = 0
    private var dayEnd: (day: String, end: Date)?
    private var pending: PendingBreak?
    private var gaps: [Gap] = []
    private var blamed: Set<Location> = []

    mutating func report(_ kind: Finding.Kind, file: JournalFile, line: Int, _ message: String) {
        blamed.insert(Location(file: file, line: line))
        findings.append(Finding(kind, path: file.displayName, line: line, message))
    }

    private mutating func report(_ kind: Finding.Kind, at location: Location, _ message: String) {
        report(kind, file: location.file, line: location.line, message)
    }

    private func describe(_ location: Location) -> String {
        "\(location.file.displayName):\(location.line)"
    }

    /// Checks one line read from `file`.
    /// Checks one line; returns its event when the line is one.
    @discardableResult
    mutating func check(_ line: JournalLineReader.Line, in file: JournalFile, isLastLine: Bool) -> AuditEvent? {
        let location = Location(file: file, line: line.number)
        let source = "\(file.displayName):\(line.number)"
        let problem: String?
        var event: AuditEvent?
        if line.isOverlong {
            problem =
                "the line is \(line.length) bytes long, more than the \(AuditJournal.maximumLineLength) an event may "
                + "have"
        } else if line.bytes.isEmpty {
            problem = line.isTerminated ? "the line is empty" : "the file does not end with a newline"
        } else if !line.isTerminated {
            problem = "the file does not end with a newline although later files follow"
        } else {
            do {
                event = try AuditEvent(parsingLine: line.bytes, source: source)
                problem = nil
            } catch let error as RegistryError {
                problem = Self.stripSource(error.message, source: source)
            } catch {
                problem = "\(error)"
            }
        }
        guard let event, problem == nil else {
            let what = problem ?? "not an event"
            if isLastLine && AuditJournal.isTornFinalLine(line.isOverlong ? nil : line.bytes) {
                report(
                    .tornTail, at: location,
                    "the log's last line is not JSON (\(what)); if a crash left it, recovery removes it and "
                        + "records the repair")
            } else {
                report(.malformedLine, at: location, "not an audit event: \(what)")
            }
            skippedLines += 1
            return nil
        }
        eventCount += 1
        checkTime(of: event, at: location)
        link(event, hash: SHA256Algorithm().hash(line.bytes), at: location)
        return event
    }

    private mutating func checkTime(of event: AuditEvent, at location: Location) {
        guard let date = event.date else {
            report(
                .invalidTime, at: location,
                "event \(event.sequence) has time \(event.time.debugDescription), which is not an RFC 3339 time")
            return
        }
        if date >= endOfDay(location.file.day) {
            report(
                .misplacedEvent, at: location,
                "event \(event.sequence) is dated \(event.time), later than its file's day \(location.file.day); "
                    + "writers never do that, so the line was moved here or its time was edited")
        }
    }

    /// The first instant after a file's UTC day, cached per day: computing it is costlier than the comparison.
    private mutating func endOfDay(_ day: String) -> Date {
        if let cached = dayEnd, cached.day == day { return cached.end }
        // A file name that is not a valid day was reported when the file was listed; nothing is later than it.
        let end = Timestamp.parse(day + "T00:00:00Z").map { $0.addingTimeInterval(86_400) } ?? .distantFuture
        dayEnd = (day, end)
        return end
    }

    /// Links an event into the chain (see the table on the type).
    private mutating func link(_ event: AuditEvent, hash: Digest, at location: Location) {
        let sequence = event.sequence
        let expected = head.sequence + 1
        if skippedLines > 0 {
            let skipped = Int64(skippedLines)
            skippedLines = 0
            if sequence >= expected && sequence <= expected + skipped {
                // The malformed lines before this one explain any jump or broken link; they are reported.
                flushPending()
                accept(event, hash: hash, at: location)
                return
            }
        }
        let isLinked = event.previousHash == head.hash
        if let pending {
            self.pending = nil
            if !isLinked && sequence == expected, let headLocation = head.location {
                blame(
                    headLocation,
                    "line \(describe(headLocation)) was changed after it was written: its previousHash does not match "
                        + "the line before it, and its own hash does not match the previousHash recorded by "
                        + "\(describe(location))")
                accept(event, hash: hash, at: location)
                return
            }
            blame(pending.before, editedMessage(pending.before, next: head.location))
        }
        if isLinked {
            if sequence != expected {
                report(
                    .editedLine, at: location,
                    "sequence number \(sequence) where \(expected) was expected, although the line links correctly "
                        + "to the line before: its sequence number was edited")
                accept(event, hash: hash, at: location, sequence: expected)
            } else {
                accept(event, hash: hash, at: location)
            }
            return
        }
        if sequence == expected {
            if let before = head.location {
                pending = PendingBreak(before: before)
            } else {
                report(
                    .editedLine, at: location,
                    "the first event's previousHash is \(event.previousHash), not \(AuditEvent.genesisHash): the "
                        + "line was edited, or lines before it were removed")
            }
            accept(event, hash: hash, at: location)
            return
        }
        if sequence > expected {
            let missing = expected...(sequence - 1)
            let count = missing.count
            let range = count == 1 ? "event \(expected) is" : "events \(expected)–\(sequence - 1) (\(count)) are"
            report(
                .missingLines, at: location,
                "sequence jumps from \(head.sequence) to \(sequence): \(range) missing before this line (removed, "
                    + "or moved elsewhere)")
            gaps.append(Gap(missing: missing, findingIndex: findings.count - 1, location: location))
            accept(event, hash: hash, at: location)
            return
        }
        if let gapIndex = gaps.firstIndex(where: { $0.missing.contains(sequence) }) {
            let gap = gaps[gapIndex]
            findings[gap.findingIndex].kind = .reorderedLines
            findings[gap.findingIndex].message += "; event \(sequence) turns up later, at \(describe(location))"
            report(
                .reorderedLines, at: location,
                "event \(sequence) appears after event \(head.sequence); it belongs before \(describe(gap.location)), "
                    + "where it is missing: lines were reordered")
        } else {
            report(
                .insertedLine, at: location,
                "event \(sequence) appears after event \(head.sequence), which the chain has already passed: this line "
                    + "was inserted or duplicated")
        }
    }

    private func editedMessage(_ edited: Location, next: Location?) -> String {
        let nextText = next.map { describe($0) } ?? "the next line"
        return "line \(describe(edited)) was changed after it was written: its hash no longer matches the "
            + "previousHash recorded by \(nextText)"
    }

    /// Reports an edited line unless that line already has a finding.
    private mutating func blame(_ location: Location, _ message: String) {
        guard !blamed.contains(location) else { return }
        report(.editedLine, at: location, message)
    }

    private mutating func flushPending() {
        guard let pending else { return }
        self.pending = nil
        blame(pending.before, editedMessage(pending.before, next: head.location))
    }

    private mutating func accept(_ event: AuditEvent, hash: Digest, at location: Location, sequence: Int64? = nil) {
        head = Head(sequence: sequence ?? event.sequence, hash: hash, location: location, event: event)
    }

    /// Resolves a broken link that no later line can decide.
    mutating func finish() {
        guard let pending else { return }
        self.pending = nil
        let next = head.location.map { describe($0) } ?? "the next line"
        blame(
            pending.before,
            "line \(describe(pending.before)) was changed after it was written, or the previousHash of \(next) was: "
                + "the two no longer match")
    }

    /// Removes the `<source>: ` or `<source>:` prefix of a parse error, since the finding names the place.
    static func stripSource(_ message: String, source: String) -> String {
        for prefix in [source + ": ", source + ":"] where message.hasPrefix(prefix) {
            return String(message.dropFirst(prefix.count))
        }
        return message
    }
}
