import Foundation
import RegistryCore

extension Checkpoint {
    /// Parses a signed note strictly (FORMAT.md §9.6), without checking any signature.
    ///
    /// Accepted: valid UTF-8 without control characters other than newline; exactly three body lines (origin,
    /// size in decimal without leading zeros, standard padded base64 of 32 bytes) and at most one `time <RFC 3339>`
    /// extension line; one blank line; then 1 to ``maximumSignatureCount`` lines
    /// `— <key name> <base64(4-byte key hash ‖ signature)>`, each ending in a newline. Signature lines of any key
    /// name and length are kept (use ``verify(against:)`` to see which verify).
    ///
    /// ```swift
    /// let checkpoint = try Checkpoint(parsing: Array(try Data(contentsOf: url)))
    /// ```
    ///
    /// - Parameter note: the note's bytes.
    /// - Throws: ``RegistryError`` `.invalidDocument` naming the first line that breaks the format.
    /// - Complexity: O(*n*) in the note's length.
    public init(parsing note: [UInt8]) throws {
        func fail(_ message: String) -> RegistryError {
            RegistryError(.invalidDocument, "not a checkpoint note: \(message)")
        }
        guard note.count <= Self.maximumNoteLength else {
            throw fail("longer than \(Self.maximumNoteLength) bytes")
        }
        guard let text = String(validating: note, as: UTF8.self) else { throw fail("not valid UTF-8") }
        if let control = note.firstIndex(where: { $0 < 0x20 && $0 != 0x0A }) {
            throw fail("control character 0x\(String(note[control], radix: 16)) at byte \(control)")
        }
        guard text.hasSuffix("\n") else { throw fail("it does not end with a newline") }
        guard let separator = text.range(of: "\n\n") else {
            throw fail("no blank line between the text and the signatures")
        }
        let body = text[..<separator.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        let lines = text[separator.upperBound...].dropLast().split(separator: "\n", omittingEmptySubsequences: false)

        guard body.count >= 3 else { throw fail("the text has \(body.count) line(s); a checkpoint has at least 3") }
        let origin = String(body[0])
        let sizeText = String(body[1])
        guard let first = sizeText.first, first != "0", sizeText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let size = Int64(sizeText)
        else {
            throw fail("line 2 '\(sizeText)' is not a size (a decimal number from 1, without leading zeros)")
        }
        guard let hash = Self.decodeBase64(String(body[2])), hash.count == 32 else {
            throw fail("line 3 is not the standard base64 of a 32-byte hash")
        }
        var time: String?
        for (offset, line) in body.dropFirst(3).enumerated() {
            guard offset == 0, line.hasPrefix("time ") else {
                throw fail("line \(offset + 4) '\(line)' is not an extension line this version knows (only 'time …')")
            }
            time = String(line.dropFirst("time ".count))
        }

        guard !lines.isEmpty, lines != [""] else { throw fail("no signature lines") }
        guard lines.count <= Self.maximumSignatureCount else {
            throw fail("more than \(Self.maximumSignatureCount) signature lines")
        }
        var signatures: [NoteSignature] = []
        for (offset, line) in lines.enumerated() {
            let number = body.count + 2 + offset
            guard line.hasPrefix(Self.signatureLinePrefix) else {
                throw fail("line \(number) is not a signature line ('— <key name> <base64>'), or a blank line too many")
            }
            let fields = line.dropFirst(Self.signatureLinePrefix.count).split(
                separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, let bytes = Self.decodeBase64(String(fields[1])), bytes.count > 4 else {
                throw fail("line \(number) is not '— <key name> <base64(key hash ‖ signature)>'")
            }
            let keyHash = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            signatures.append(
                NoteSignature(keyName: String(fields[0]), keyHash: keyHash, bytes: Array(bytes.dropFirst(4))))
        }
        do {
            try self.init(
                origin: origin, size: size, headHash: Digest(algorithm: "sha256", bytes: hash), time: time,
                signatures: signatures)
        } catch let error as RegistryError {
            throw fail(error.message)
        }
    }

    /// Parses a signed note given as text; see ``init(parsing:)-([UInt8])``.
    ///
    /// - Parameter note: the note.
    /// - Throws: ``RegistryError`` `.invalidDocument` naming the first line that breaks the format.
    public init(parsing note: String) throws {
        try self.init(parsing: Array(note.utf8))
    }

    /// Decodes standard, padded base64 (RFC 4648 §4) and accepts it only in its one canonical spelling.
    static func decodeBase64(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, let data = Data(base64Encoded: text), data.base64EncodedString() == text else {
            return nil
        }
        return Array(data)
    }
}
