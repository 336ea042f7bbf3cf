import RegistryCore

/// The summaries of a rebuild as provisional ``StringPool`` numbers and plain facts, one run of 32-bit words per
/// summary, while ``BinaryIndexEncoder`` waits for the pool to be sorted.
///
/// The words are read back several times, each time in order (records, lists, metrics, then one pass per kind of
/// posting list). With a spill directory, all but the last 4 MiB go to an unlinked scratch file there
/// (``FileSystem/ScratchFile``), so a rebuild holds a bounded window of them instead of every summary's strings;
/// without one (an index encoded in memory) they stay in memory.
///
/// A summary's words: id (a digest reference or a string's number), name, name key, `registeredAt` (two words,
/// low first: a packed canonical time, a string's number tagged with ``BinaryIndexLayout/timeStringTag``, or
/// ``BinaryIndexLayout/noTime``), state (`UInt32.max`: none), whether it has a
/// registration sequence, the sequence, file count and total size (two words each, low first), the counts of
/// capabilities, labels, parents, tokens, card metrics and evaluation metrics, then the capabilities (raw, key),
/// labels (key, value, match key, match value), parents (nine words each: 0 and the eight words of a `sha256`
/// digest, resolved to a string only at the end since most parents are summaries' ids; or 1, a string's number
/// and seven zeros), tokens, card metrics (name, value bits low, high) and evaluation metrics (name, sequence low,
/// high, value bits low, high).
struct PendingRecords {
    static let fixedWords = 19
    /// How many words stay in memory before they go to the scratch file (4 MiB).
    static let defaultSpillWords = 1 << 20

    private var words: [UInt32] = []
    private let spillDirectory: String?
    private let spillWords: Int
    private var scratch: FileSystem.ScratchFile?
    private(set) var count = 0

    /// The bytes written to the scratch file so far.
    var spilledBytes: Int64 { scratch?.length ?? 0 }

    /// - Parameters:
    ///   - spillDirectory: where to spill (a rebuild's `indexes/`), or nil to keep everything in memory.
    ///   - spillWords: how many words to hold before spilling them (tests use small numbers).
    init(spillDirectory: String?, spillWords: Int = defaultSpillWords) {
        self.spillDirectory = spillDirectory
        self.spillWords = max(1, spillWords)
    }

    /// Adds the strings of the next summary to `pool` and records their numbers.
    mutating func add(_ summary: ArtifactSummary, id: UInt32, to pool: inout StringPool) throws {
        typealias Layout = BinaryIndexLayout
        func number(_ text: String) -> UInt32 { pool.add(text) }
        func wide(_ value: UInt64) {
            words.append(UInt32(truncatingIfNeeded: value))
            words.append(UInt32(truncatingIfNeeded: value >> 32))
        }
        let tokens = SearchTokens.tokens(of: summary)
        words.append(id)
        words.append(number(summary.name))
        words.append(number(Layout.matchKey(summary.name)))
        if let time = summary.registeredAt {
            wide(CanonicalTime.pack(time) ?? Layout.timeStringTag | UInt64(number(time)))
        } else {
            wide(Layout.noTime)
        }
        words.append(summary.stateName.map(number) ?? Layout.none)
        words.append(summary.registrationSequence == nil ? 0 : 1)
        wide(UInt64(bitPattern: summary.registrationSequence ?? 0))
        wide(UInt64(summary.fileCount))
        wide(UInt64(bitPattern: summary.totalSize))
        for count in [
            summary.capabilities.count, summary.labels.count, summary.parents.count, tokens.count,
            summary.cardMetrics.count, summary.evaluationMetrics.count,
        ] {
            words.append(UInt32(count))
        }
        for capability in summary.capabilities {
            words.append(number(capability))
            words.append(number(Layout.matchKey(capability)))
        }
        for (key, value) in summary.labels {
            words.append(number(key))
            words.append(number(value))
            words.append(number(Layout.matchKey(key)))
            words.append(number(Layout.matchKey(value)))
        }
        for parent in summary.parents {
            if let key = SHA256Key(parent) {
                words.append(0)
                for word in [key.words.0, key.words.1, key.words.2, key.words.3] {
                    words.append(UInt32(truncatingIfNeeded: word >> 32))
                    words.append(UInt32(truncatingIfNeeded: word))
                }
            } else {
                words.append(1)
                words.append(number(parent.description))
                words.append(contentsOf: repeatElement(0, count: 7))
            }
        }
        for token in tokens { words.append(number(token)) }
        for (name, value) in summary.cardMetrics {
            words.append(number(name))
            wide(value.bitPattern)
        }
        for (name, metric) in summary.evaluationMetrics {
            words.append(number(name))
            wide(UInt64(bitPattern: metric.sequence))
            wide(metric.value.bitPattern)
        }
        count += 1
        if words.count >= spillWords, let spillDirectory {
            if scratch == nil { scratch = try FileSystem.ScratchFile(in: spillDirectory) }
            let file = scratch
            try words.withUnsafeBytes { try file?.append($0) }
            words.removeAll(keepingCapacity: true)
        }
    }

    /// Calls `body` with each summary's words, in the order they were added, with its ordinal.
    func forEach(_ body: (_ ordinal: Int, _ record: Record) throws -> Void) throws {
        var reader = Reader(scratch: scratch, tail: words, chunkWords: spillWords)
        var buffer: [UInt32] = []
        for ordinal in 0..<count {
            buffer.removeAll(keepingCapacity: true)
            try reader.take(Self.fixedWords, into: &buffer)
            let counts = buffer[13..<19].map(Int.init)
            let rest = counts[0] * 2 + counts[1] * 4 + counts[2] * 9 + counts[3] + counts[4] * 3 + counts[5] * 5
            try reader.take(rest, into: &buffer)
            try body(ordinal, Record(words: buffer))
        }
    }

    /// Frees the words and the scratch file.
    mutating func release() {
        words = []
        scratch?.close()
        scratch = nil
        count = 0
    }

    /// Reads the words back: first the scratch file, then those still in memory.
    private struct Reader {
        let scratch: FileSystem.ScratchFile?
        let tail: [UInt32]
        let chunkWords: Int
        var fileOffset: Int64 = 0
        var chunk: [UInt32] = []
        var position = 0
        var tailPosition = 0

        init(scratch: FileSystem.ScratchFile?, tail: [UInt32], chunkWords: Int) {
            self.scratch = scratch
            self.tail = tail
            self.chunkWords = chunkWords
        }

        mutating func take(_ wanted: Int, into buffer: inout [UInt32]) throws {
            var wanted = wanted
            while wanted > 0 {
                if position == chunk.count { try refill() }
                if position < chunk.count {
                    let step = min(wanted, chunk.count - position)
                    buffer.append(contentsOf: chunk[position..<position + step])
                    position += step
                    wanted -= step
                } else {
                    let step = min(wanted, tail.count - tailPosition)
                    guard step > 0 else {
                        throw RegistryError(.invalidDocument, "the index rebuild's scratch data ended early")
                    }
                    buffer.append(contentsOf: tail[tailPosition..<tailPosition + step])
                    tailPosition += step
                    wanted -= step
                }
            }
        }

        private mutating func refill() throws {
            chunk.removeAll(keepingCapacity: true)
            position = 0
            guard let scratch, fileOffset < scratch.length else { return }
            let words = Int(min(Int64(chunkWords), (scratch.length - fileOffset) / 4))
            chunk = [UInt32](repeating: 0, count: words)
            let got = try chunk.withUnsafeMutableBytes { try scratch.read(at: fileOffset, into: $0) }
            guard got == words * 4 else {
                throw RegistryError(.invalidDocument, "the index rebuild's scratch file ended early")
            }
            fileOffset += Int64(got)
        }
    }

    /// One summary's words.
    struct Record {
        let words: [UInt32]

        var id: UInt32 { words[0] }
        var name: UInt32 { words[1] }
        var nameKey: UInt32 { words[2] }
        /// A packed canonical time, a tagged string number, or ``BinaryIndexLayout/noTime``.
        var registeredAt: UInt64 { wide(3) }
        var state: UInt32 { words[5] }
        var registrationSequence: Int64? { words[6] == 0 ? nil : Int64(bitPattern: wide(7)) }
        var fileCount: UInt64 { wide(9) }
        var totalSize: UInt64 { wide(11) }

        private func wide(_ at: Int) -> UInt64 { UInt64(words[at]) | UInt64(words[at + 1]) << 32 }
        private func count(_ index: Int) -> Int { Int(words[13 + index]) }
        private var capabilitiesStart: Int { PendingRecords.fixedWords }
        private var labelsStart: Int { capabilitiesStart + count(0) * 2 }
        private var parentsStart: Int { labelsStart + count(1) * 4 }
        private var tokensStart: Int { parentsStart + count(2) * 9 }
        private var cardStart: Int { tokensStart + count(3) }
        private var evaluationsStart: Int { cardStart + count(4) * 3 }

        var capabilityCount: Int { count(0) }
        var labelCount: Int { count(1) }
        var parentCount: Int { count(2) }
        var cardMetricCount: Int { count(4) }
        var evaluationMetricCount: Int { count(5) }

        /// Capability `index`: the raw string and its match key.
        func capability(_ index: Int) -> (raw: UInt32, key: UInt32) {
            (words[capabilitiesStart + 2 * index], words[capabilitiesStart + 2 * index + 1])
        }

        /// Label `index`: key, value and their match keys.
        func label(_ index: Int) -> (key: UInt32, value: UInt32, matchKey: UInt32, matchValue: UInt32) {
            let at = labelsStart + 4 * index
            return (words[at], words[at + 1], words[at + 2], words[at + 3])
        }

        /// A parent: a `sha256` id, or a string's number.
        enum Parent {
            case id(SHA256Key)
            case string(UInt32)
        }

        /// Parent `index`.
        func parent(_ index: Int) -> Parent {
            let at = parentsStart + 9 * index
            guard words[at] == 0 else { return .string(words[at + 1]) }
            func word(_ offset: Int) -> UInt64 {
                UInt64(words[at + 1 + 2 * offset]) << 32 | UInt64(words[at + 2 + 2 * offset])
            }
            return .id(SHA256Key(words: (word(0), word(1), word(2), word(3))))
        }
        var tokens: ArraySlice<UInt32> { words[tokensStart..<cardStart] }

        /// Card metric `index`: name and value bits.
        func cardMetric(_ index: Int) -> (name: UInt32, bits: UInt64) {
            let at = cardStart + 3 * index
            return (words[at], wide(at + 1))
        }

        /// Evaluation metric `index`: name, sequence and value bits.
        func evaluationMetric(_ index: Int) -> (name: UInt32, sequence: UInt64, bits: UInt64) {
            let at = evaluationsStart + 5 * index
            return (words[at], wide(at + 1), wide(at + 3))
        }
    }
}
