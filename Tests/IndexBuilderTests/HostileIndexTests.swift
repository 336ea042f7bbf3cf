import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// FORMAT.md §13.3: a reader checks every number it reads from `index.bin` before use. A truncated file, an
/// offset out of range or a count that lies gives a typed error, and the question is answered by a scan instead —
/// never a crash, never a read outside the file, never a wrong answer from the damaged part.
@Suite struct HostileIndexTests {
    /// Where things are in an `index.bin`, read from its section table.
    struct Sections {
        var bytes: [UInt8]

        func u32(_ offset: Int) -> UInt32 {
            bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }

        func u64(_ offset: Int) -> UInt64 {
            bytes[offset..<(offset + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func set32(_ offset: Int, _ value: UInt32) {
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
        }

        mutating func set64(_ offset: Int, _ value: UInt64) {
            for index in 0..<8 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        }

        /// The byte offset of section `number` (FORMAT.md §13.1 table order).
        func start(_ number: Int) -> Int { Int(u64(128 + 16 * number)) }
        func length(_ number: Int) -> Int { Int(u64(136 + 16 * number)) }
    }

    /// Section numbers (FORMAT.md §13.1).
    static let stringOffsets = 1, digests = 3, records = 4, recency = 7, postings = 8, capabilityKeys = 9
    static let tokenKeys = 11, childrenKeys = 14
    /// Bytes per record (FORMAT.md §13.1).
    static let recordSize = 72

    enum Hostility: String, CaseIterable, CustomStringConvertible {
        case truncatedHeader, truncatedSections, sectionPastTheEnd, sectionCountLies, recencyOrdinalOutOfRange
        case stringOffsetOutOfRange, capabilityCountLies, tokenPostingsStartOutOfRange, parentsCountLies
        case metricsCountLies, childOrdinalOutOfRange, recordsShorterThanRecency
        case idDigestOutOfRange, idStringIsNotAnID, listsStartOutOfRange, registeredAtNotATime
        case registeredAtStringOutOfRange, digestsOverlapRecords, digestsNotWhole, digestsTooFewForRecords

        /// Every record's offset.
        static func records(_ file: Sections) -> [Int] {
            let start = file.start(HostileIndexTests.records)
            return (0..<(file.length(HostileIndexTests.records) / HostileIndexTests.recordSize)).map {
                start + HostileIndexTests.recordSize * $0
            }
        }

        var description: String { rawValue }

        func apply(to file: inout Sections) {
            switch self {
            case .truncatedHeader:
                file.bytes = Array(file.bytes.prefix(200))
            case .truncatedSections:
                file.bytes = Array(file.bytes.prefix(file.bytes.count - 24))
                file.set64(32, UInt64(file.bytes.count))  // the header agrees: only the table lies
            case .sectionPastTheEnd:
                file.set64(136 + 16 * HostileIndexTests.postings, UInt64.max - 3)
            case .sectionCountLies:
                file.set32(12, 200)
            case .recencyOrdinalOutOfRange:
                file.set32(file.start(HostileIndexTests.recency), 0xFFFF_FFF0)
            case .stringOffsetOutOfRange:
                let last =
                    file.start(HostileIndexTests.stringOffsets) + file.length(HostileIndexTests.stringOffsets) - 4
                file.set32(last, 0x7FFF_FFFF)
            case .capabilityCountLies:
                for entry in 0..<(file.length(HostileIndexTests.capabilityKeys) / 12) {
                    file.set32(file.start(HostileIndexTests.capabilityKeys) + 12 * entry + 8, 0xFFFF_FFF0)
                }
            case .tokenPostingsStartOutOfRange:
                for entry in 0..<(file.length(HostileIndexTests.tokenKeys) / 12) {
                    file.set32(file.start(HostileIndexTests.tokenKeys) + 12 * entry + 4, 0x7FFF_FFFF)
                }
            case .parentsCountLies:
                for record in Self.records(file) { file.set32(record + 56, 0xFFFF_FFFF) }
            case .metricsCountLies:
                for record in Self.records(file) { file.set32(record + 64, 0x1000_0000) }
            case .idDigestOutOfRange:
                for record in Self.records(file) { file.set32(record, 0x8000_0000 | 0x7FFF_FFF0) }
            case .idStringIsNotAnID:
                for record in Self.records(file) { file.set32(record, 0) }  // string 0 is not an id
            case .listsStartOutOfRange:
                for record in Self.records(file) { file.set32(record + 12, 0xFFFF_FFF0) }
            case .registeredAtNotATime:
                // Neither a packed canonical time (below 10^17) nor a string (the high bit) nor none.
                for record in Self.records(file) { file.set64(record + 16, 100_000_000_000_000_000) }
            case .registeredAtStringOutOfRange:
                for record in Self.records(file) { file.set64(record + 16, 1 << 63 | 0xFFFF_FFF0) }
            case .digestsOverlapRecords:
                file.set64(136 + 16 * HostileIndexTests.digests, UInt64(file.length(HostileIndexTests.digests) + 32))
            case .digestsNotWhole:
                file.set64(136 + 16 * HostileIndexTests.digests, UInt64(file.length(HostileIndexTests.digests) - 8))
            case .digestsTooFewForRecords:
                // The section shrinks to nothing, and the records after it move up: the table still ends where the
                // file does, but records name digests that are not there.
                let digests = file.length(HostileIndexTests.digests)
                let start = file.start(HostileIndexTests.digests)
                file.bytes.removeSubrange(start..<(start + digests))
                file.set64(136 + 16 * HostileIndexTests.digests, 0)
                for section in (HostileIndexTests.digests + 1)..<16 {
                    file.set64(128 + 16 * section, UInt64(file.start(section) - digests))
                }
                file.set64(32, UInt64(file.bytes.count))
            case .childOrdinalOutOfRange:
                let postings = file.start(HostileIndexTests.postings)
                for entry in 0..<(file.length(HostileIndexTests.childrenKeys) / 12) {
                    let start = Int(file.u32(file.start(HostileIndexTests.childrenKeys) + 12 * entry + 4))
                    file.set32(postings + 4 * start, 1_000_000)
                }
            case .recordsShorterThanRecency:
                // Drop the last record by shifting the table: the recency list then names more records than exist.
                file.set64(
                    136 + 16 * HostileIndexTests.records,
                    UInt64(file.length(HostileIndexTests.records) - HostileIndexTests.recordSize))
            }
        }
    }

    /// Every kind of question, answered by an index.
    static func answers(_ index: RegistryIndex, _ f: ModelFamily) throws -> [String] {
        var result: [String] = []
        result.append("\(try index.query(IndexQuery()).ids)")
        for capability in ["document-classification", "ocr", "image-classification", "nothing"] {
            result.append("\(try index.query(IndexQuery(capabilities: [capability])).ids)")
        }
        result.append("\(try index.query(IndexQuery(text: "inv")).ids)")
        result.append("\(try index.query(IndexQuery(state: .production)).ids)")
        for id in [f.base, f.invoices, f.distilled, f.vision] {
            result.append("\(try index.summary(of: id).map { "\($0)" } ?? "-")")
            result.append("\(try index.lineage(of: id, direction: .ancestors).ids)")
            result.append("\(try index.lineage(of: id, direction: .descendants).ids)")
        }
        return result
    }

    @Test(arguments: Hostility.allCases)
    func aHostileIndexGivesATypedErrorAndTheTruth(hostility: Hostility) throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.setState(f.invoices, to: .production)
            try registry.addEvaluation(.init(evaluator: "h", metrics: ["accuracy": 0.9]), to: f.base)
            try registry.rebuildIndexes()
            let truth = try Self.answers(f.fixture.freshIndex(), f)
            let path = f.fixture.indexesPath + "/index.bin"
            var file = Sections(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            hostility.apply(to: &file)
            // Replaced, not rewritten in place: as a writer would (a mapping keeps the inode it was made from).
            try Data(file.bytes).write(to: URL(fileURLWithPath: path), options: .atomic)

            let reader = f.fixture.freshIndex()
            #expect(try Self.answers(reader, f) == truth, "\(hostility) changed an answer")
            let finding = try #require(reader.lastReport?.findings.first, "\(hostility) was not noticed")
            #expect(finding.kind == .damagedIndex)
            #expect(finding.message.contains("index.bin"), "the finding names the file: \(finding.message)")
            #expect(try !f.fixture.freshIndex().status().isClean)
            // A rebuild restores it.
            try registry.rebuildIndexes()
            #expect(try f.fixture.freshIndex().status().isClean)
            #expect(try Self.answers(f.fixture.freshIndex(), f) == truth)
        }
    }

    /// Every truncation of the file is refused (the header records the length) and answered by a scan.
    @Test func everyTruncationIsRefused() throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.rebuildIndexes()
            let truth = try Self.answers(f.fixture.freshIndex(), f)
            let path = f.fixture.indexesPath + "/index.bin"
            let original = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            for length in stride(from: 0, to: original.count, by: max(1, original.count / 37)) {
                try Data(original.prefix(length)).write(to: URL(fileURLWithPath: path), options: .atomic)
                let reader = f.fixture.freshIndex()
                #expect(try Self.answers(reader, f) == truth, "truncated to \(length) bytes")
                #expect(reader.lastReport?.findings.first?.kind == .damagedIndex, "truncated to \(length) bytes")
            }
        }
    }
}
