import Foundation
import RegistryCore

extension AuditJournal {
    /// Calls `body` with every event of one of `types`, in log order, parsing the lines in batches on all cores:
    /// for a caller that needs a few kinds of event from a long log (the garbage collector replays every alias
    /// change and registration). Lines whose canonical ending names another type (`"type":"…"}`, the last member
    /// of a canonical line) are skipped without being parsed.
    ///
    /// Lines are parsed as JSON without the canonical-form check (`audit verify` and fsck make it).
    ///
    /// - Throws: the first damaged line's error (naming `audit/<file>:<line>`), except an unterminated last line
    ///   of the newest file (being written, or torn: `verify()` reports it); I/O errors; what `body` throws.
    /// - Complexity: one read of the log; parsing divided among the cores.
    package func forEachEventInParallel(ofTypes types: Set<AuditEvent.Kind>, _ body: (AuditEvent) throws -> Void)
        throws
    {
        let files: [JournalFile]
        do {
            files = try listing.files(in: directory)
        } catch RegistryError.Code.notFound {
            return
        }
        let wanted = types.map { Array("\"type\":\"\($0.rawValue)\"}".utf8) }
        let typePrefix = Array("\"type\":\"".utf8)
        var batch: [(bytes: [UInt8], source: String)] = []
        func flush() throws {
            let lines = batch
            batch.removeAll(keepingCapacity: true)
            let parsed = try ParallelWork.map(lines.count) { index -> Result<AuditEvent, RegistryError> in
                do {
                    return .success(
                        try AuditEvent(
                            parsingLine: lines[index].bytes, source: lines[index].source, requireCanonical: false))
                } catch {
                    return .failure(
                        error as? RegistryError ?? RegistryError(.invalidDocument, "\(lines[index].source): \(error)"))
                }
            }
            for result in parsed {
                let event = try result.get()
                if types.contains(event.type) { try body(event) }
            }
        }
        for (index, file) in files.enumerated() {
            guard let reader = try JournalLineReader(file) else { continue }
            while let line = try reader.nextLine() {
                let source = "\(file.displayName):\(line.number)"
                if !line.isTerminated {
                    if index == files.count - 1 { break }
                    throw RegistryError(
                        .invalidDocument, "\(source): the file ends without a newline although later files follow",
                        path: file.path)
                }
                if line.isOverlong || line.bytes.isEmpty {
                    throw RegistryError(.invalidDocument, "\(source): the line is empty or too long", path: file.path)
                }
                if !wanted.contains(where: { line.bytes.ends(with: $0) }),
                    Self.endsWithTypeMember(line.bytes, typePrefix)
                {
                    continue  // another type, by its canonical ending
                }
                batch.append((line.bytes, source))
                if batch.count >= 4096 { try flush() }
            }
        }
        try flush()
    }

    /// Whether a line ends like a canonical event: `"type":"<a–z 0–9 _>"}`.
    private static func endsWithTypeMember(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
        guard bytes.last == UInt8(ascii: "}"), bytes.count > prefix.count + 3 else { return false }
        var index = bytes.count - 2
        guard bytes[index] == UInt8(ascii: "\"") else { return false }
        index -= 1
        while index > 0, bytes[index] != UInt8(ascii: "\"") {
            let byte = bytes[index]
            guard (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F else { return false }
            index -= 1
        }
        let start = index + 1 - prefix.count
        return start >= 0 && Array(bytes[start...index]) == prefix
    }
}

extension Array where Element == UInt8 {
    /// Whether the array ends with `suffix`.
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
