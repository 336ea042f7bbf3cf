import RegistryCore

/// A validating reader of `index.bin` (FORMAT.md §13.1) that answers from the bytes in place: opening checks the
/// header and the section table, and every offset, count and index read later is checked before use, so a
/// damaged or hostile file gives a ``RegistryError`` naming the file and what was wrong, never a crash or a read
/// outside the file.
///
/// The bytes are a read-only mapping of the file (a cold process touches only the pages a query needs) or, for
/// an index built in memory, an owned buffer.
final class MappedIndex: @unchecked Sendable {
    typealias Layout = BinaryIndexLayout
    typealias Section = BinaryIndexLayout.Section

    /// The stamp in the header.
    let stamp: RegistryIndex.Stamp
    /// The number of summary records (artifacts with a readable manifest), ordinals `0..<recordCount`.
    let recordCount: Int
    /// The file, for messages.
    let source: String

    private let bytes: UnsafeRawBufferPointer
    private let owner: AnyObject
    private let sections: [Range<Int>]
    private let stringCount: Int

    /// Opens the mapping of a file.
    convenience init(file: MappedFile, source: String) throws {
        try self.init(bytes: file.bytes, owner: file, source: source)
    }

    /// Opens an index held in memory (an index built by a scan, never written).
    convenience init(encoded: [UInt8], source: String) throws {
        let buffer = OwnedBytes(encoded)
        try self.init(bytes: buffer.bytes, owner: buffer, source: source)
    }

    private init(bytes: UnsafeRawBufferPointer, owner: AnyObject, source: String) throws {
        self.bytes = bytes
        self.owner = owner
        self.source = source
        func fail(_ problem: String) -> RegistryError {
            RegistryError(.invalidDocument, "\(source): \(problem); the index is rebuilt", path: source)
        }
        let count = Section.allCases.count
        guard bytes.count >= Layout.dataStart else { throw fail("\(bytes.count) bytes is too short for an index") }
        guard bytes.prefix(8).elementsEqual(Layout.magic) else { throw fail("not an index file (wrong magic)") }
        let version = Self.u32(bytes, Layout.Header.version)
        guard version == Layout.formatVersion else {
            throw RegistryError(
                .unsupportedFormatVersion,
                "\(source): index format version \(version) is not supported (this library reads "
                    + "\(Layout.formatVersion)); the index is rebuilt", path: source)
        }
        guard Self.u32(bytes, Layout.Header.sectionCount) == UInt32(count) else {
            throw fail("the header names \(Self.u32(bytes, Layout.Header.sectionCount)) sections, expected \(count)")
        }
        guard Self.u64(bytes, Layout.Header.fileLength) == UInt64(bytes.count) else {
            throw fail(
                "the header gives a length of \(Self.u64(bytes, Layout.Header.fileLength)) bytes but the file has "
                    + "\(bytes.count) (truncated or extended)")
        }
        guard bytes[Layout.Header.reservedStart..<Layout.headerSize].allSatisfy({ $0 == 0 }) else {
            throw fail("reserved header bytes are not zero")
        }
        let artifactCount = Self.u64(bytes, Layout.Header.artifactCount)
        let sequence = Self.u64(bytes, Layout.Header.auditSequence)
        let limit = UInt64(JSONObjectReader.maximumSafeInteger)
        guard artifactCount <= limit, sequence <= limit else { throw fail("the stamp is out of range") }
        var ranges: [Range<Int>] = []
        var previousEnd = Layout.dataStart
        for section in Section.allCases {
            let entry = Layout.headerSize + section.rawValue * 16
            let offset = Self.u64(bytes, entry)
            let length = Self.u64(bytes, entry + 8)
            guard offset == UInt64(previousEnd), length <= UInt64(bytes.count) - offset,
                length % UInt64(section.elementSize) == 0
            else {
                throw fail("section \(section) (offset \(offset), length \(length)) is out of place or out of range")
            }
            ranges.append(Int(offset)..<Int(offset + length))
            previousEnd = Int(offset) + ((Int(length) + 7) & ~7)
        }
        guard previousEnd == bytes.count else { throw fail("the sections do not end where the file does") }
        sections = ranges
        let time = bytes[ranges[Section.auditTime.rawValue]]
        guard let auditTime = String(validating: time, as: UTF8.self) else {
            throw fail("the audit time is not UTF-8")
        }
        guard (auditTime.isEmpty) == (sequence == 0) else {
            throw fail("the audit time must be present exactly when the audit sequence is not 0")
        }
        stamp = RegistryIndex.Stamp(
            artifactCount: Int(artifactCount), auditSequence: Int64(sequence),
            auditTime: auditTime.isEmpty ? nil : auditTime)
        stringCount = ranges[Section.stringOffsets.rawValue].count / 4 - 1
        recordCount = ranges[Section.records.rawValue].count / Layout.recordSize
        guard stringCount >= 0 else { throw fail("the string offset table is empty") }
        guard ranges[Section.recency.rawValue].count / 4 == recordCount else {
            throw fail(
                "the recency list has \(ranges[Section.recency.rawValue].count / 4) entries for \(recordCount) records")
        }
        let digestCount = ranges[Section.digests.rawValue].count / Layout.digestSize
        guard recordCount <= digestCount + stringCount else {
            throw fail(
                "\(recordCount) records cannot each have an id among \(digestCount) digests and \(stringCount) strings")
        }
    }

    /// Reads the stamp from the first bytes of a file (the writers' fast path), without validating the rest.
    static func stamp(fromPrefix prefix: [UInt8]) -> RegistryIndex.Stamp? {
        guard prefix.count >= Layout.dataStart, prefix.starts(with: Layout.magic) else { return nil }
        return prefix.withUnsafeBytes { raw -> RegistryIndex.Stamp? in
            guard u32(raw, Layout.Header.version) == Layout.formatVersion else { return nil }
            let timeEntry = Layout.headerSize + Section.auditTime.rawValue * 16
            let offset = u64(raw, timeEntry)
            let length = u64(raw, timeEntry + 8)
            guard offset <= UInt64(raw.count), length <= UInt64(raw.count) - offset,
                let time = String(validating: raw[Int(offset)..<Int(offset + length)], as: UTF8.self)
            else { return nil }
            let sequence = u64(raw, Layout.Header.auditSequence)
            let count = u64(raw, Layout.Header.artifactCount)
            guard sequence <= UInt64(Int64.max), count <= UInt64(Int.max) else { return nil }
            return RegistryIndex.Stamp(
                artifactCount: Int(count), auditSequence: Int64(sequence), auditTime: time.isEmpty ? nil : time)
        }
    }

    /// Checks the file's SHA-256 (of every byte but the digest's own 32) against the header: a full check of
    /// every byte, for callers about to read everything anyway (compaction) and for `index status`.
    ///
    /// - Throws: ``RegistryError/Code/invalidDocument`` when they differ.
    func verifyDigest() throws {
        var hasher = SHA256Algorithm().makeState()
        hasher.update(UnsafeRawBufferPointer(rebasing: bytes[..<Layout.Header.bodyDigest]))
        // In slices whose pages then leave the resident set: a compaction at 1,000,000 artifacts hashes a
        // 283 MB file and would otherwise keep all of it resident while it encodes the new one.
        let file = owner as? MappedFile
        var start = Layout.Header.reservedStart
        while start < bytes.count {
            let end = min(bytes.count, start + (16 << 20))
            hasher.update(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            file?.releaseResidentPages(start..<end)
            start = end
        }
        let digest = hasher.finalize().bytes
        guard bytes[Layout.Header.bodyDigest..<(Layout.Header.bodyDigest + 32)].elementsEqual(digest) else {
            throw RegistryError(
                .invalidDocument,
                "\(source): the file's SHA-256 differs from the one in its header (damaged); the index is rebuilt",
                path: source)
        }
    }

    // MARK: Checked access

    func fail(_ problem: String) -> RegistryError {
        RegistryError(.invalidDocument, "\(source): \(problem); the index is rebuilt", path: source)
    }

    private static func u32(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    private static func u64(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Element `index` (of 4 bytes) of a section, checked.
    func u32(_ section: Section, _ index: Int, field: Int = 0) throws -> UInt32 {
        let range = sections[section.rawValue]
        let offset = index &* section.elementSize &+ field
        guard index >= 0, index < range.count / section.elementSize, field + 4 <= section.elementSize else {
            throw fail("entry \(index) of section \(section) is out of range")
        }
        return Self.u32(bytes, range.lowerBound + offset)
    }

    private func u64(_ section: Section, _ index: Int, field: Int) throws -> UInt64 {
        let range = sections[section.rawValue]
        guard index >= 0, index < range.count / section.elementSize, field + 8 <= section.elementSize else {
            throw fail("entry \(index) of section \(section) is out of range")
        }
        return Self.u64(bytes, range.lowerBound + index * section.elementSize + field)
    }

    /// The number of elements of a section.
    func count(_ section: Section) -> Int {
        sections[section.rawValue].count / section.elementSize
    }

    /// The bytes of string `index`, checked.
    func stringBytes(_ index: UInt32) throws -> UnsafeRawBufferPointer {
        guard Int(index) < stringCount else { throw fail("string \(index) is out of range (\(stringCount) strings)") }
        let start = Int(try u32(.stringOffsets, Int(index)))
        let end = Int(try u32(.stringOffsets, Int(index) + 1))
        let blob = sections[Section.stringBytes.rawValue]
        guard start <= end, end <= blob.count else { throw fail("string \(index) lies outside the string bytes") }
        return UnsafeRawBufferPointer(rebasing: bytes[(blob.lowerBound + start)..<(blob.lowerBound + end)])
    }

    /// String `index`, checked (UTF-8 included).
    func string(_ index: UInt32) throws -> String {
        guard let text = String(validating: try stringBytes(index), as: UTF8.self) else {
            throw fail("string \(index) is not UTF-8")
        }
        return text
    }

    /// The index of the string with exactly these bytes, by binary search over the sorted pool.
    func findString(_ text: String) throws -> UInt32? {
        let wanted = Array(text.utf8)
        var low = 0
        var high = stringCount
        while low < high {
            let middle = (low + high) / 2
            let candidate = try stringBytes(UInt32(middle))
            if candidate.lexicographicallyPrecedes(wanted) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        guard low < stringCount, try stringBytes(UInt32(low)).elementsEqual(wanted) else { return nil }
        return UInt32(low)
    }

    /// The first string index whose bytes do not precede `prefix`, for prefix scans.
    func firstString(notBefore prefix: [UInt8]) throws -> UInt32 {
        var low = 0
        var high = stringCount
        while low < high {
            let middle = (low + high) / 2
            if try stringBytes(UInt32(middle)).lexicographicallyPrecedes(prefix) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return UInt32(low)
    }

    // MARK: Records

    /// Checks an ordinal read from the file.
    func checked(_ ordinal: UInt32) throws -> Int {
        guard Int(ordinal) < recordCount else {
            throw fail("ordinal \(ordinal) is out of range (\(recordCount) records)")
        }
        return Int(ordinal)
    }

    func recordField(_ ordinal: Int, _ field: Int) throws -> UInt32 {
        try u32(.records, ordinal, field: field)
    }

    /// The registration sequence of a record; 0 for none.
    func registrationSequence(_ ordinal: Int) throws -> Int64 {
        let value = try u64(.records, ordinal, field: Layout.Record.registrationSequence)
        guard value <= UInt64(JSONObjectReader.maximumSafeInteger) else {
            throw fail("record \(ordinal) has an out-of-range registration sequence")
        }
        return Int64(value)
    }

    /// The recency key of a record: its registration sequence, or for one without, `-ordinal - 1` (after every
    /// registered artifact, by id).
    func key(_ ordinal: Int) throws -> Int64 {
        let sequence = try registrationSequence(ordinal)
        return sequence > 0 ? sequence : -Int64(ordinal) - 1
    }

    // MARK: Ids

    /// The id a reference names: a digest of `digests` (tagged) or the text of an id of another algorithm.
    func id(reference: UInt32) throws -> ArtifactID {
        guard reference & Layout.digestTag != 0 else {
            let text = try string(reference)
            guard let id = ArtifactID(text), id.digest.algorithm != "sha256" else {
                throw fail(
                    "string \(reference) is referred to as an id but is '\(text)', not an id of another algorithm")
            }
            return id
        }
        let index = Int(reference & ~Layout.digestTag)
        guard index < count(.digests) else {
            throw fail("digest \(index) is out of range (\(count(.digests)) digests)")
        }
        let start = sections[Section.digests.rawValue].lowerBound + index * Layout.digestSize
        let bytes = Array(UnsafeRawBufferPointer(rebasing: self.bytes[start..<(start + Layout.digestSize)]))
        return ArtifactID(digest: Digest(algorithm: "sha256", bytes: bytes))
    }

    /// The reference of an id the file names, or nil: a binary search of `digests` for a `sha256` id, of the
    /// string pool for another.
    func reference(of id: ArtifactID) throws -> UInt32? {
        guard id.digest.algorithm == "sha256" else {
            return try findString(id.description)
        }
        let wanted = id.digest.bytes
        let base = sections[Section.digests.rawValue].lowerBound
        func at(_ index: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(
                rebasing: bytes[(base + index * Layout.digestSize)..<(base + (index + 1) * Layout.digestSize)])
        }
        var low = 0
        var high = count(.digests)
        while low < high {
            let middle = (low + high) / 2
            if at(middle).lexicographicallyPrecedes(wanted) { low = middle + 1 } else { high = middle }
        }
        guard low < count(.digests), at(low).elementsEqual(wanted) else { return nil }
        return Layout.digestTag | UInt32(low)
    }

    /// The id reference of a record.
    func idReference(_ ordinal: Int) throws -> UInt32 { try recordField(ordinal, Layout.Record.id) }

    /// The id of a record.
    func id(_ ordinal: Int) throws -> ArtifactID { try id(reference: try idReference(ordinal)) }

    /// The lists of a record (capabilities, label pairs, parents, one after another), checked against the
    /// `lists` section.
    private func lists(_ ordinal: Int) throws -> (start: Int, capabilities: Int, labels: Int, parents: Int) {
        typealias R = Layout.Record
        let start = Int(try recordField(ordinal, R.listsStart))
        let capabilities = Int(try recordField(ordinal, R.capabilitiesCount))
        let labels = Int(try recordField(ordinal, R.labelsCount))
        let parents = Int(try recordField(ordinal, R.parentsCount))
        guard start <= count(.lists), capabilities + 2 * labels + parents <= count(.lists) - start else {
            throw fail("record \(ordinal): its lists lie outside the lists section")
        }
        return (start, capabilities, labels, parents)
    }

    /// The parents (id references) of a record, in lineage order.
    func parentReferences(_ ordinal: Int) throws -> [UInt32] {
        let span = try lists(ordinal)
        let first = span.start + span.capabilities + 2 * span.labels
        return try (0..<span.parents).map { try u32(.lists, first + $0) }
    }

    /// The ordinal of the record with this id, by binary search (records are sorted by id; digests too, so two
    /// digest references compare as their ids do).
    func ordinal(of id: ArtifactID) throws -> Int? {
        guard let reference = try reference(of: id) else { return nil }
        var low = 0
        var high = recordCount
        while low < high {
            let middle = (low + high) / 2
            let own = try idReference(middle)
            let precedes =
                own & reference & Layout.digestTag != 0 ? own < reference : try self.id(reference: own) < id
            if precedes { low = middle + 1 } else { high = middle }
        }
        guard low < recordCount, try idReference(low) == reference else { return nil }
        return low
    }

    /// The explicit state of a record (nil: never changed).
    func stateName(_ ordinal: Int) throws -> String? {
        let index = try recordField(ordinal, Layout.Record.state)
        return index == Layout.none ? nil : try string(index)
    }

    /// The full summary of a record, state included.
    func summary(_ ordinal: Int) throws -> ArtifactSummary {
        typealias R = Layout.Record
        let name = try string(try recordField(ordinal, R.name))
        let span = try lists(ordinal)
        let capabilities = try (0..<span.capabilities).map { try string(try u32(.lists, span.start + $0)) }
        var labels: [String: String] = [:]
        for index in 0..<span.labels {
            let at = span.start + span.capabilities + 2 * index
            labels[try string(try u32(.lists, at))] = try string(try u32(.lists, at + 1))
        }
        let parents = try parentReferences(ordinal).map { try id(reference: $0) }
        let registeredAt = try registrationTime(ordinal)
        let sequence = try registrationSequence(ordinal)
        guard (registeredAt == nil) == (sequence == 0) else {
            throw fail("record \(ordinal): registeredAt and registrationSequence must be present together")
        }
        let fileCount = try u64(.records, ordinal, field: R.fileCount)
        let totalSize = try u64(.records, ordinal, field: R.totalSize)
        guard fileCount <= UInt64(JSONObjectReader.maximumSafeInteger),
            totalSize <= UInt64(JSONObjectReader.maximumSafeInteger)
        else { throw fail("record \(ordinal): file count or total size out of range") }
        var summary = ArtifactSummary(
            id: try id(ordinal), name: name, sortedCapabilities: capabilities, labels: labels, parents: parents,
            fileCount: Int(fileCount), totalSize: Int64(totalSize),
            registeredAt: registeredAt,
            registrationSequence: sequence == 0 ? nil : sequence)
        summary.stateName = try stateName(ordinal)
        let metricsStart = Int(try recordField(ordinal, R.metricsStart))
        let cardCount = Int(try recordField(ordinal, R.cardMetricCount))
        let evaluationCount = Int(try recordField(ordinal, R.evaluationMetricCount))
        let available = count(.metrics)
        guard metricsStart <= available, cardCount <= available - metricsStart,
            evaluationCount <= available - metricsStart - cardCount
        else { throw fail("record \(ordinal): its metrics lie outside the metrics section") }
        for index in metricsStart..<(metricsStart + cardCount) {
            summary.cardMetrics[try string(try u32(.metrics, index))] = Double(
                bitPattern: try u64(.metrics, index, field: 16))
        }
        for index in (metricsStart + cardCount)..<(metricsStart + cardCount + evaluationCount) {
            let sequence = try u64(.metrics, index, field: 8)
            guard sequence >= 1, sequence <= UInt64(JSONObjectReader.maximumSafeInteger) else {
                throw fail("record \(ordinal): an evaluation metric has an out-of-range sequence")
            }
            summary.evaluationMetrics[try string(try u32(.metrics, index))] = .init(
                value: Double(bitPattern: try u64(.metrics, index, field: 16)), sequence: Int64(sequence))
        }
        return summary
    }

    /// The `registeredAt` of a record: none, a canonical time packed, or a string.
    private func registrationTime(_ ordinal: Int) throws -> String? {
        let stored = try u64(.records, ordinal, field: Layout.Record.registeredAt)
        if stored == Layout.noTime { return nil }
        if stored & Layout.timeStringTag != 0 {
            guard stored & ~Layout.timeStringTag <= UInt64(UInt32.max) else {
                throw fail("record \(ordinal): registeredAt names no string")
            }
            return try string(UInt32(stored & ~Layout.timeStringTag))
        }
        guard let time = CanonicalTime.unpack(stored) else {
            throw fail("record \(ordinal): registeredAt \(stored) is not a packed time")
        }
        return time
    }

    /// The states of ids that have no record (artifacts removed or never readable), by id.
    func absentStates() throws -> [ArtifactID: String] {
        var result: [ArtifactID: String] = [:]
        for index in 0..<count(.absentStates) {
            result[try id(reference: try u32(.absentStates, index))] = try string(
                try u32(.absentStates, index, field: 4))
        }
        return result
    }

    /// The state recorded for an id without a record.
    func absentState(of id: ArtifactID) throws -> String? {
        guard let reference = try reference(of: id) else { return nil }
        var low = 0
        var high = count(.absentStates)
        while low < high {
            let middle = (low + high) / 2
            if try u32(.absentStates, middle) < reference { low = middle + 1 } else { high = middle }
        }
        guard low < count(.absentStates), try u32(.absentStates, low) == reference else { return nil }
        return try string(try u32(.absentStates, low, field: 4))
    }

    // MARK: Dictionaries

    /// A posting list: a checked span of the `postings` (or `recency`) section.
    struct Postings {
        let section: Section
        let start: Int
        let count: Int
    }

    /// Every ordinal in recency order.
    var recency: Postings { Postings(section: .recency, start: 0, count: recordCount) }

    /// The ordinal at position `index` of a posting list, checked.
    func ordinal(in list: Postings, at index: Int) throws -> Int {
        try checked(try u32(list.section, list.start + index))
    }

    /// The posting list of dictionary entry `entry`.
    func postings(_ dictionary: Section, entry: Int) throws -> Postings {
        let width = dictionary.elementSize
        let start = Int(try u32(dictionary, entry, field: width - 8))
        let length = Int(try u32(dictionary, entry, field: width - 4))
        guard start <= count(.postings), length <= count(.postings) - start else {
            throw fail("entry \(entry) of \(dictionary) points outside the postings")
        }
        return Postings(section: .postings, start: start, count: length)
    }

    /// The posting list filed under string `key` in a dictionary keyed by one string.
    func postings(_ dictionary: Section, key: UInt32) throws -> Postings? {
        var low = 0
        var high = count(dictionary)
        while low < high {
            let middle = (low + high) / 2
            if try u32(dictionary, middle) < key { low = middle + 1 } else { high = middle }
        }
        guard low < count(dictionary), try u32(dictionary, low) == key else { return nil }
        return try postings(dictionary, entry: low)
    }

    /// The posting list filed under a string, or nil when the string or the entry is absent.
    func postings(_ dictionary: Section, text: String) throws -> Postings? {
        guard let key = try findString(text) else { return nil }
        return try postings(dictionary, key: key)
    }

    /// The posting list of a label pair.
    func labelPostings(key: String, value: String) throws -> Postings? {
        guard let keyIndex = try findString(Layout.matchKey(key)),
            let valueIndex = try findString(Layout.matchKey(value))
        else { return nil }
        let wanted = UInt64(keyIndex) << 32 | UInt64(valueIndex)
        var low = 0
        var high = count(.labelKeys)
        while low < high {
            let middle = (low + high) / 2
            let entry = UInt64(try u32(.labelKeys, middle)) << 32 | UInt64(try u32(.labelKeys, middle, field: 4))
            if entry < wanted { low = middle + 1 } else { high = middle }
        }
        guard low < count(.labelKeys),
            UInt64(try u32(.labelKeys, low)) << 32 | UInt64(try u32(.labelKeys, low, field: 4)) == wanted
        else { return nil }
        return try postings(.labelKeys, entry: low)
    }

    /// The ordinals of records with a token starting with `prefix`, ascending by key, without duplicates.
    func tokenPostings(prefix: String) throws -> [Int] {
        let wanted = Array(prefix.utf8)
        var index = try firstString(notBefore: wanted)
        var lists: [Postings] = []
        // Token entries are sorted by string index, and strings by bytes: the matching ones are consecutive.
        var entry = try firstEntry(.tokenKeys, notBefore: index)
        while entry < count(.tokenKeys) {
            index = try u32(.tokenKeys, entry)
            guard try stringBytes(index).starts(with: wanted) else { break }
            lists.append(try postings(.tokenKeys, entry: entry))
            entry += 1
        }
        if lists.count == 1, let only = lists.first { return try ordinals(only) }
        var union = Set<Int>()
        for list in lists { union.formUnion(try ordinals(list)) }
        return try sortedByKey(Array(union))
    }

    private func firstEntry(_ dictionary: Section, notBefore key: UInt32) throws -> Int {
        var low = 0
        var high = count(dictionary)
        while low < high {
            let middle = (low + high) / 2
            if try u32(dictionary, middle) < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The checked ordinals of a list.
    func ordinals(_ list: Postings) throws -> [Int] {
        try (0..<list.count).map { try ordinal(in: list, at: $0) }
    }

    /// Ordinals sorted ascending by key.
    func sortedByKey(_ ordinals: [Int]) throws -> [Int] {
        let keyed = try ordinals.map { (try key($0), $0) }
        return keyed.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The children (ordinals, ascending = by id) of an id.
    func children(of parent: ArtifactID) throws -> [Int] {
        guard let reference = try reference(of: parent), let list = try postings(.childrenKeys, key: reference)
        else { return [] }
        return try ordinals(list)
    }
}

/// Bytes owned by the index that reads them (an index built in memory).
private final class OwnedBytes {
    private let buffer: UnsafeMutableRawBufferPointer
    let bytes: UnsafeRawBufferPointer

    init(_ source: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, source.count), alignment: 8)
        source.withUnsafeBytes { buffer.copyMemory(from: $0) }
        self.buffer = buffer
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<source.count])
    }

    deinit {
        buffer.deallocate()
    }
}
