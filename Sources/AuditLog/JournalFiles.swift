import Foundation
import RegistryCore

/// One day file of the log: `audit/YYYY-MM-DD.jsonl`.
struct JournalFile: Hashable, Sendable {
    /// The file name, `2026-11-23.jsonl`.
    let name: String
    /// The full path.
    let path: String

    /// The day the name stands for, `2026-11-23`.
    var day: String { String(name.prefix(10)) }
    /// The name as messages show it, relative to the registry root: `audit/2026-11-23.jsonl`.
    var displayName: String { "audit/" + name }

    /// The file for `day` (`YYYY-MM-DD`) in `directory`.
    init(day: String, directory: String) {
        self.name = day + ".jsonl"
        self.path = directory + "/" + name
    }

    /// Whether `name` is a journal file name: `YYYY-MM-DD.jsonl` with digits in place. Other entries of `audit/`
    /// are not part of the log.
    static func isJournalName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { dayNumber(ofName: $0) } != nil
    }

    /// The day a journal file name stands for as the number `YYYYMMDD`, or nil when `name` is not a journal file
    /// name. Numbers sort as the names do (fixed-width digits), so a listing sorts integers, not strings.
    static func dayNumber(ofName name: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard name.count == 16, name[4] == 0x2D, name[7] == 0x2D,
            name[10..<16].elementsEqual(".jsonl".utf8)
        else { return nil }
        var number: UInt32 = 0
        for index in 0..<10 where index != 4 && index != 7 {
            let byte = name[index]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            number = number * 10 + UInt32(byte - 0x30)
        }
        return number
    }

    /// The file for the day `YYYYMMDD` (a ``dayNumber(ofName:)``) in `directory`.
    init(dayNumber: UInt32, directory: String) {
        var bytes = [UInt8](repeating: 0x2D, count: 10)
        var rest = dayNumber
        for index in stride(from: 9, through: 0, by: -1) where index != 4 && index != 7 {
            bytes[index] = 0x30 + UInt8(rest % 10)
            rest /= 10
        }
        self.init(day: String(decoding: bytes, as: UTF8.self), directory: directory)
    }

    /// The journal files in `directory`, oldest first (names sort as dates).
    ///
    /// - Throws: ``RegistryError/Code/notFound`` when the directory does not exist; I/O errors.
    static func list(in directory: String) throws -> [JournalFile] {
        try dayNumbers(in: directory).map { JournalFile(dayNumber: $0, directory: directory) }
    }

    /// The days of the journal files in `directory` as ``dayNumber(ofName:)`` numbers, ascending: read from the
    /// raw names and sorted as integers, since writes list `audit/` (through ``DayFileListing``) and a registry
    /// that has run for years holds a file per day.
    ///
    /// - Throws: ``RegistryError/Code/notFound`` when the directory does not exist; I/O errors.
    static func dayNumbers(in directory: String) throws -> [UInt32] {
        var days: [UInt32] = []
        try FileSystem.forEachDirectoryEntry(directory) { name in
            if let day = dayNumber(ofName: name) { days.append(day) }
        }
        return days.sorted()
    }
}

// MARK: - Tail

/// What the end of one journal file looks like, found by reading backwards from the end only.
struct JournalTail {
    /// The last complete (newline-terminated) line.
    struct Line {
        /// The byte offset where the line starts.
        var offset: Int64
        /// The line without its newline, or nil when it is longer than ``AuditJournal/maximumLineLength``.
        var bytes: [UInt8]?
    }

    /// The size considered (the file's size, or less when the caller asked to look at a prefix).
    var size: Int64
    /// The offset just past the last newline: everything before it is complete lines.
    var end: Int64
    /// The last complete line, or nil when there is none.
    var lastLine: Line?

    /// Whether bytes follow the last newline: a torn final line (or one being written right now).
    var isTorn: Bool { end < size }

    private static let newline = UInt8(ascii: "\n")

    /// Reads the tail of the file at `path`, looking at no more than its first `limit` bytes when given.
    /// Returns nil when the file does not exist.
    ///
    /// - Complexity: O(length of the last line + length of the torn part); never reads the whole file otherwise.
    static func read(_ path: String, limit: Int64? = nil) throws -> JournalTail? {
        guard let file = try FileSystem.openForReading(path) else { return nil }
        return try file.closeAfter { file in
            var size = try file.fileStatus().size
            if let limit { size = min(size, limit) }
            guard size > 0, let lastNewline = try lastIndex(of: newline, in: file, before: size) else {
                return JournalTail(size: size, end: 0, lastLine: nil)
            }
            let lineStart = (try lastIndex(of: newline, in: file, before: lastNewline)).map { $0 + 1 } ?? 0
            let length = lastNewline - lineStart
            var bytes: [UInt8]?
            if length <= Int64(AuditJournal.maximumLineLength) {
                let read = try file.read(at: lineStart, count: Int(length))
                guard read.count == Int(length) else {
                    throw RegistryError(
                        .io, "'\(path)' became shorter while it was being read; try again", path: path)
                }
                bytes = read
            }
            return JournalTail(size: size, end: lastNewline + 1, lastLine: Line(offset: lineStart, bytes: bytes))
        }
    }

    /// The offset of the last `byte` before `end`, scanning backwards in growing chunks, or nil when there is none.
    static func lastIndex(of byte: UInt8, in file: OpenFile, before end: Int64) throws -> Int64? {
        var upper = end
        var chunk: Int64 = 4096
        while upper > 0 {
            let lower = max(0, upper - chunk)
            let bytes = try file.read(at: lower, count: Int(upper - lower))
            if let index = bytes.lastIndex(of: byte) { return lower + Int64(index) }
            upper = lower
            chunk = 64 << 10
        }
        return nil
    }
}

// MARK: - Streaming

/// Reads a journal file line by line with a bounded buffer: 64 KiB chunks, and never more than one line
/// (at most ``AuditJournal/maximumLineLength``) plus one chunk in memory.
final class JournalLineReader {
    /// One line of the file.
    struct Line {
        /// The bytes without the newline; empty for an overlong line.
        var bytes: [UInt8]
        /// The line number, from 1.
        var number: Int
        /// The byte offset where the line starts.
        var offset: Int64
        /// The line's length in bytes, without the newline.
        var length: Int64
        /// Whether a newline ends the line (false only for the last line of the file).
        var isTerminated: Bool
        /// Whether the line is longer than ``AuditJournal/maximumLineLength``; its bytes were not kept.
        var isOverlong: Bool
    }

    static let chunkSize = 64 << 10

    let file: JournalFile
    /// The number of bytes this reader considers: the file's size when it was opened.
    let size: Int64
    private let handle: OpenFile
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    private var bufferOffset: Int64 = 0
    private var readOffset: Int64 = 0
    private var lineNumber = 0

    /// Opens `file`, reading at most its current size (so that lines appended meanwhile are left for later),
    /// from byte `offset` on (which must be the start of a line; line numbers then count from there).
    /// Returns nil when the file no longer exists.
    init?(_ file: JournalFile, limit: Int64? = nil, startingAt offset: Int64 = 0) throws {
        guard let handle = try FileSystem.openForReading(file.path) else { return nil }
        do {
            var size = try handle.fileStatus().size
            if let limit { size = min(size, limit) }
            self.size = size
        } catch {
            try? handle.close()
            throw error
        }
        self.file = file
        self.handle = handle
        readOffset = offset
        bufferOffset = offset
        buffer.reserveCapacity(Self.chunkSize)
    }

    deinit {
        try? handle.close()
    }

    /// Whether every byte up to ``size`` has been returned as lines.
    var isAtEnd: Bool { start == buffer.count && readOffset >= size }

    /// The next line, or nil at the end of the file.
    func nextLine() throws -> Line? {
        while true {
            if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                return take(upTo: newline, terminated: true)
            }
            scanned = buffer.count
            if buffer.count - start > AuditJournal.maximumLineLength {
                return try skipOverlongLine()
            }
            if try !fill() {
                return start < buffer.count ? take(upTo: buffer.count, terminated: false) : nil
            }
        }
    }

    private func take(upTo end: Int, terminated: Bool) -> Line {
        lineNumber += 1
        let line = Line(
            bytes: Array(buffer[start..<end]), number: lineNumber, offset: bufferOffset + Int64(start),
            length: Int64(end - start), isTerminated: terminated, isOverlong: false)
        start = terminated ? end + 1 : end
        scanned = start
        return line
    }

    /// Reads the next chunk after the unconsumed bytes; false at the end.
    private func fill() throws -> Bool {
        guard readOffset < size else { return false }
        if start > 0 {
            buffer.removeSubrange(0..<start)
            bufferOffset += Int64(start)
            scanned -= start
            start = 0
        }
        let count = Int(min(Int64(Self.chunkSize), size - readOffset))
        let bytes = try handle.read(at: readOffset, count: count)
        guard !bytes.isEmpty else {
            readOffset = size  // the file shrank under us; treat what we have as the end
            return false
        }
        buffer.append(contentsOf: bytes)
        readOffset += Int64(bytes.count)
        return true
    }

    /// Skips a line longer than the maximum without keeping it, up to and including its newline.
    private func skipOverlongLine() throws -> Line {
        lineNumber += 1
        let offset = bufferOffset + Int64(start)
        var length = Int64(buffer.count - start)
        buffer.removeAll(keepingCapacity: true)
        bufferOffset = readOffset
        start = 0
        scanned = 0
        while try fill() {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                length += Int64(newline)
                start = newline + 1
                scanned = start
                return Line(
                    bytes: [], number: lineNumber, offset: offset, length: length, isTerminated: true, isOverlong: true)
            }
            length += Int64(buffer.count)
            bufferOffset += Int64(buffer.count)
            buffer.removeAll(keepingCapacity: true)
        }
        return Line(
            bytes: [], number: lineNumber, offset: offset, length: length, isTerminated: false, isOverlong: true)
    }
}
