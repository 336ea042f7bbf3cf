import RegistryCore

extension AuditJournal {
    /// One journal file and how many of its bytes belong to a snapshot of the log.
    package struct ExtentFile: Hashable, Sendable {
        /// The day file's name, `2026-11-23.jsonl`.
        package var name: String
        /// The bytes of complete lines: the whole file, or for the newest file up to its last newline.
        package var size: Int64

        /// A file and its length.
        package init(name: String, size: Int64) {
            self.name = name
            self.size = size
        }
    }

    /// Every journal file, oldest first, with the length of its complete lines: what the log holds now. Call it
    /// under the writer lock for a snapshot no append is in the middle of; a torn final line is left out.
    ///
    /// - Throws: I/O errors naming the file.
    /// - Complexity: one `stat` per day file and a read of the newest file's last line.
    package func extent() throws -> [ExtentFile] {
        let files: [JournalFile]
        do {
            // Listed as it is now, not through ``DayFileListing``: a backup copies what this returns, so no cache.
            files = try JournalFile.list(in: directory)
        } catch RegistryError.Code.notFound {
            return []
        }
        var result: [ExtentFile] = []
        for (index, file) in files.enumerated() {
            if index == files.count - 1 {
                guard let tail = try JournalTail.read(file.path) else { continue }
                result.append(ExtentFile(name: file.name, size: tail.end))
            } else {
                guard let status = try FileSystem.status(file.path) else { continue }
                result.append(ExtentFile(name: file.name, size: status.size))
            }
        }
        return result
    }

    /// Whether `name` is a journal day-file name (`YYYY-MM-DD.jsonl`); other entries of `audit/` are not log.
    package static func isJournalFileName(_ name: String) -> Bool {
        JournalFile.isJournalName(name)
    }

    /// The event on the complete line that ends just before byte `end` of the journal file at `path`, or nil when
    /// no line ends exactly there (the file is shorter, or `end` is inside a line).
    ///
    /// - Throws: `.invalidJSON`/`.invalidDocument` when that line is not an event; I/O errors naming the file.
    /// - Complexity: O(length of that line).
    package static func event(endingAt end: Int64, inFile path: String, source: String) throws -> AuditEvent? {
        guard end > 0, let tail = try JournalTail.read(path, limit: end), tail.end == end,
            let line = tail.lastLine, let bytes = line.bytes
        else { return nil }
        return try AuditEvent(parsingLine: bytes, source: source)
    }
}
