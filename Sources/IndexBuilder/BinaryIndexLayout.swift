import Foundation
import RegistryCore

/// The layout of `indexes/index.bin`, index format version 3 (FORMAT.md §13.1): a header, a table of sections,
/// and sections of little-endian integers that a reader uses in place through a read-only mapping.
///
/// Kept in one place so that the encoder (``BinaryIndexEncoder``) and the validating reader (``MappedIndex``)
/// cannot disagree.
enum BinaryIndexLayout {
    /// The file name inside `indexes/`.
    static let fileName = "index.bin"
    /// The first eight bytes of the file.
    static let magic: [UInt8] = [0x4D, 0x52, 0x49, 0x58, 0x0D, 0x0A, 0x1A, 0x0A]  // "MRIX\r\n\x1A\n"
    /// The format version this library writes and reads.
    static let formatVersion: UInt32 = 3
    /// Bytes before the section table.
    static let headerSize = 128
    /// Where the first section may start: after the header and the section table.
    static var dataStart: Int { headerSize + Section.allCases.count * 16 }
    /// `UInt32.max`: "no string" in a record's optional string fields.
    static let none = UInt32.max
    /// The high bit of an id reference: the rest is an index into `digests` (a `sha256` id); without it, a
    /// reference is a string index (the text of an id of another algorithm).
    static let digestTag: UInt32 = 1 << 31
    /// A record's `registeredAt` when it has none.
    static let noTime = UInt64.max
    /// The high bit of a record's `registeredAt` that holds a string index (a time not of canonical form);
    /// values below ``CanonicalTime/limit`` are canonical times packed.
    static let timeStringTag: UInt64 = 1 << 63
    /// Bytes per record.
    static let recordSize = 72
    /// Bytes per entry of `digests`.
    static let digestSize = 32
    /// Bytes per metric entry.
    static let metricSize = 24

    /// Header fields (byte offsets).
    enum Header {
        static let version = 8
        static let sectionCount = 12
        static let artifactCount = 16
        static let auditSequence = 24
        static let fileLength = 32
        static let bodyDigest = 40  // 32 bytes: SHA-256 of bytes [headerSize ..< fileLength]
        static let reservedStart = 72  // through headerSize: zero
    }

    /// The sections, in table order; the file stores them in this order too.
    enum Section: Int, CaseIterable {
        case auditTime, stringOffsets, stringBytes, digests, records, lists, metrics, recency, postings
        case capabilityKeys, nameKeys, tokenKeys, stateKeys, labelKeys, childrenKeys, absentStates

        /// The size of one element; a section's length is a multiple of it.
        var elementSize: Int {
            switch self {
            case .auditTime, .stringBytes: 1
            case .stringOffsets, .lists, .recency, .postings: 4
            case .digests: BinaryIndexLayout.digestSize
            case .records: BinaryIndexLayout.recordSize
            case .metrics: BinaryIndexLayout.metricSize
            case .capabilityKeys, .nameKeys, .tokenKeys, .stateKeys, .childrenKeys: 12
            case .labelKeys: 16
            case .absentStates: 8
            }
        }
    }

    /// Record fields (byte offsets inside a record).
    enum Record {
        static let id = 0  // an id reference
        static let name = 4
        static let state = 8
        static let listsStart = 12  // capabilities, then labels (pairs), then parents, one after another
        static let registeredAt = 16  // u64
        static let registrationSequence = 24
        static let fileCount = 32
        static let totalSize = 40
        static let capabilitiesCount = 48
        static let labelsCount = 52
        static let parentsCount = 56
        static let metricsStart = 60
        static let cardMetricCount = 64
        static let evaluationMetricCount = 68
    }

    /// The state an artifact is listed under in `stateKeys`: one without a `state_changed` event is `registered`.
    static let implicitState = "registered"

    /// The key under which exact-match dictionaries (capabilities, names, labels) file a string: its Unicode
    /// canonical composition (NFC), so that canonically equivalent spellings — which Swift compares as equal —
    /// share one key. ASCII text is its own NFC form.
    static func matchKey(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping
    }
}
