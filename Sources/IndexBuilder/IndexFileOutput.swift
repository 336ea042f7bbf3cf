import RegistryCore

/// Where ``BinaryIndexEncoder`` writes `index.bin`: a byte array (an index encoded in memory) or a file being
/// written for an atomic replace (a rebuild, which must not hold the file in memory).
protocol IndexFileOutput: AnyObject {
    /// The bytes written so far.
    var length: Int64 { get }
    /// Appends bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Overwrites bytes already written.
    func patch(at offset: Int64, _ bytes: [UInt8]) throws
    /// Reads back written bytes.
    func read(at offset: Int64, count: Int) throws -> [UInt8]
}

/// An output that collects the file in memory.
final class InMemoryIndexOutput: IndexFileOutput {
    private(set) var bytes: [UInt8] = []

    var length: Int64 { Int64(bytes.count) }

    func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }

    func patch(at offset: Int64, _ bytes: [UInt8]) throws {
        self.bytes.replaceSubrange(Int(offset)..<Int(offset) + bytes.count, with: bytes)
    }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        let start = min(bytes.count, Int(offset))
        return Array(bytes[start..<min(bytes.count, start + count)])
    }

    /// The bytes, leaving the output empty.
    func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}

extension FileSystem.StreamingReplacement: IndexFileOutput {}

/// Writes the sections of `index.bin` one after another through an ``IndexFileOutput``, each 8-aligned, and
/// finishes the header, section table and digest at the end (FORMAT.md §13.1).
struct IndexSectionWriter {
    private typealias Layout = BinaryIndexLayout
    private let output: any IndexFileOutput
    private var buffer = ByteBuffer(capacity: 1 << 16)
    private var table: [(offset: Int64, length: Int64)] = []
    private var sectionStart: Int64 = 0

    /// Starts the file: a zero header and section table, filled in by ``finish(stamp:)``.
    init(output: any IndexFileOutput) throws {
        self.output = output
        let zeros = [UInt8](repeating: 0, count: Layout.dataStart)
        try zeros.withUnsafeBytes { try output.write($0) }
        sectionStart = Int64(Layout.dataStart)
    }

    private var position: Int64 { output.length + Int64(buffer.count) }

    private mutating func flushIfFull() throws {
        if buffer.count >= 1 << 16 { try flush() }
    }

    private mutating func flush() throws {
        let bytes = buffer.take()
        try bytes.withUnsafeBytes { try output.write($0) }
    }

    mutating func u32(_ value: UInt32) throws {
        buffer.u32(value)
        try flushIfFull()
    }

    mutating func u64(_ value: UInt64) throws {
        buffer.u64(value)
        try flushIfFull()
    }

    mutating func bytes(_ bytes: some Collection<UInt8>) throws {
        buffer.append(bytes)
        try flushIfFull()
    }

    /// Ends the current section (the sections come in table order) and pads to a multiple of 8.
    mutating func endSection() throws {
        let end = position
        table.append((sectionStart, end - sectionStart))
        let padding = Int((8 - end % 8) % 8)
        for _ in 0..<padding { buffer.append([0]) }
        try flush()
        sectionStart = position
    }

    /// Writes the header and the section table, then the digest of the whole file.
    mutating func finish(stamp: RegistryIndex.Stamp) throws {
        try flush()
        precondition(table.count == Layout.Section.allCases.count, "every section of index.bin was written")
        let fileLength = output.length
        var header = ByteBuffer(capacity: Layout.dataStart)
        header.append(Layout.magic)
        header.u32(Layout.formatVersion)
        header.u32(UInt32(table.count))
        header.u64(UInt64(stamp.artifactCount))
        header.u64(UInt64(bitPattern: stamp.auditSequence))
        header.u64(UInt64(fileLength))
        header.append([UInt8](repeating: 0, count: Layout.headerSize - Layout.Header.bodyDigest))
        for entry in table {
            header.u64(UInt64(entry.offset))
            header.u64(UInt64(entry.length))
        }
        let head = header.take()
        try output.patch(at: 0, head)
        var hasher = SHA256Algorithm().makeState()
        head.withUnsafeBytes { whole in
            hasher.update(UnsafeRawBufferPointer(rebasing: whole[0..<Layout.Header.bodyDigest]))
            hasher.update(UnsafeRawBufferPointer(rebasing: whole[Layout.Header.reservedStart...]))
        }
        var offset = Int64(head.count)
        while offset < fileLength {
            let chunk = try output.read(at: offset, count: Int(min(Int64(1 << 20), fileLength - offset)))
            guard !chunk.isEmpty else {
                throw RegistryError(.invalidDocument, "the index file being written ended early")
            }
            chunk.withUnsafeBytes { hasher.update($0) }
            offset += Int64(chunk.count)
        }
        try output.patch(at: Int64(Layout.Header.bodyDigest), hasher.finalize().bytes)
    }
}
