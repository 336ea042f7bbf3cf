import RegistryCore

extension AuditJournal {
    /// A place in the log just after a complete line: where a follower goes on reading.
    package struct Position: Hashable, Sendable {
        /// The day file's name, `2026-11-23.jsonl`.
        package var fileName: String
        /// The byte offset just past the last line read.
        package var offset: Int64

        /// A position read back from a cache (the garbage collector's, FORMAT.md §14.3); checked before use.
        package init(fileName: String, offset: Int64) {
            self.fileName = fileName
            self.offset = offset
        }
    }

    /// The position just past the last complete line now in the log, or nil when the log is empty. A torn or
    /// in-progress final line is not included: it is read once it is complete.
    ///
    /// - Throws: I/O errors.
    /// - Complexity: O(length of the last line), and one `stat` of `audit/` while its day files are unchanged
    ///   (``DayFileListing``), which keeps an alias watcher's polling from listing the directory every time.
    package func endPosition() throws -> Position? {
        let files: [JournalFile]
        do {
            files = try listing.files(in: directory)
        } catch RegistryError.Code.notFound {
            return nil
        }
        guard let last = files.last, let tail = try JournalTail.read(last.path) else { return nil }
        return Position(fileName: last.name, offset: tail.end)
    }

    /// The complete events appended after `position` (all of them for nil), in log order, and the position after
    /// the last one. Lines that do not parse are skipped (``verify()`` reports them); nothing is locked.
    ///
    /// - Throws: I/O errors.
    /// - Complexity: O(bytes appended since `position`).
    package func events(after position: Position?) throws -> (events: [AuditEvent], end: Position?) {
        let files: [JournalFile]
        do {
            files = try listing.files(in: directory)
        } catch RegistryError.Code.notFound {
            return ([], position)
        }
        var events: [AuditEvent] = []
        var end = position
        for file in files where position.map({ file.name >= $0.fileName }) ?? true {
            let start = file.name == position?.fileName ? position?.offset ?? 0 : 0
            guard let reader = try JournalLineReader(file, startingAt: start) else { continue }
            guard reader.size >= start else {
                continue  // the file shrank (a torn tail was repaired): nothing new here
            }
            while let line = try reader.nextLine(), line.isTerminated {
                end = Position(fileName: file.name, offset: line.offset + line.length + 1)
                if !line.isOverlong, let event = try? AuditEvent(parsingLine: line.bytes, source: file.displayName) {
                    events.append(event)
                }
            }
        }
        return (events, end)
    }
}
