import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@testable import IndexBuilder

/// An independent writer of `index.bin`, written from FORMAT.md §13.1 alone (it shares no code with the
/// library's encoder): the stored index must be byte for byte what it writes for the same contents.
enum SpecIndexWriter {
    static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    static func le64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// "the text itself when it is ASCII, otherwise its Unicode canonical composition (NFC)"
    static func matchKey(_ text: String) -> String {
        text.unicodeScalars.allSatisfy(\.isASCII) ? text : text.precomposedStringWithCanonicalMapping
    }

    /// The tokens of §13.1, as byte arrays.
    static func tokens(_ text: String) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var run: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case 0x41...0x5A: run.append(byte + 32)
            case 0x61...0x7A, 0x30...0x39, 0x80...0xFF: run.append(byte)
            default:
                if !run.isEmpty { result.append(run) }
                run = []
            }
        }
        if !run.isEmpty { result.append(run) }
        return result
    }

    /// "a time of the canonical form `YYYY-MM-DDTHH:MM:SS.sssZ` … its 17 digits read as one decimal number"
    static func packedTime(_ text: String) -> UInt64? {
        let pattern = Array("dddd-dd-ddTdd:dd:dd.dddZ".utf8)
        let bytes = Array(text.utf8)
        guard bytes.count == pattern.count else { return nil }
        var value: UInt64 = 0
        for (byte, expected) in zip(bytes, pattern) {
            if expected == UInt8(ascii: "d") {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + UInt64(byte - 0x30)
            } else if byte != expected {
                return nil
            }
        }
        return value
    }

    static func write(_ contents: RegistryIndex.Contents) -> [UInt8] {
        let summaries = contents.summaries.sorted {
            Array($0.id.description.utf8).lexicographicallyPrecedes(Array($1.id.description.utf8))
        }
        // Every string the file refers to, once, sorted by bytes; every sha256 id, once, sorted by digest.
        var all = Set<[UInt8]>()
        var digestSet = Set<[UInt8]>()
        func note(_ text: String) { all.insert(Array(text.utf8)) }
        func noteID(_ id: ArtifactID) {
            if id.digest.algorithm == "sha256" { digestSet.insert(id.digest.bytes) } else { note(id.description) }
        }
        note("registered")
        var tokensOf: [[[UInt8]]] = []
        for summary in summaries {
            noteID(summary.id)
            note(summary.name)
            note(matchKey(summary.name))
            if let time = summary.registeredAt, packedTime(time) == nil { note(time) }
            contents.states[summary.id].map(note)
            for capability in summary.capabilities {
                note(capability)
                note(matchKey(capability))
            }
            var tokens = Set(tokens(summary.name))
            for capability in summary.capabilities { tokens.formUnion(Self.tokens(capability)) }
            for (key, value) in summary.labels {
                for text in [key, value, matchKey(key), matchKey(value)] { note(text) }
                tokens.formUnion(Self.tokens(key))
                tokens.formUnion(Self.tokens(value))
            }
            for token in tokens { all.insert(token) }
            tokensOf.append(Array(tokens))
            for parent in summary.parents { noteID(parent) }
            for name in summary.cardMetrics.keys { note(name) }
            for name in summary.evaluationMetrics.keys { note(name) }
        }
        let present = Set(summaries.map(\.id))
        for (id, state) in contents.states where !present.contains(id) {
            noteID(id)
            note(state)
        }
        let pool = all.sorted { $0.lexicographicallyPrecedes($1) }
        var index: [[UInt8]: Int] = [:]
        for (position, bytes) in pool.enumerated() { index[bytes] = position }
        func ref(_ text: String) -> Int { index[Array(text.utf8)] ?? -1 }
        let digests = digestSet.sorted { $0.lexicographicallyPrecedes($1) }
        var digestIndex: [[UInt8]: Int] = [:]
        for (position, bytes) in digests.enumerated() { digestIndex[bytes] = position }
        /// "an id reference: 0x80000000 + its position in digests for a sha256 id, else its string index"
        func idRef(_ id: ArtifactID) -> Int {
            id.digest.algorithm == "sha256" ? 0x8000_0000 + (digestIndex[id.digest.bytes] ?? -1) : ref(id.description)
        }

        // Sections.
        var stringOffsets: [UInt8] = le32(0)
        var stringBytes: [UInt8] = []
        for bytes in pool {
            stringBytes += bytes
            stringOffsets += le32(stringBytes.count)
        }
        var records: [UInt8] = []
        var lists: [Int] = []
        var metrics: [UInt8] = []
        var metricCount = 0
        for summary in summaries {
            records += le32(idRef(summary.id)) + le32(ref(summary.name))
            records += contents.states[summary.id].map { le32(ref($0)) } ?? le32(-1)
            records += le32(lists.count)
            if let time = summary.registeredAt {
                records += le64(packedTime(time) ?? (1 << 63 | UInt64(ref(time))))
            } else {
                records += le64(UInt64.max)
            }
            records += le64(UInt64(summary.registrationSequence ?? 0))
            records += le64(UInt64(summary.fileCount)) + le64(UInt64(summary.totalSize))
            lists += summary.capabilities.map(ref).sorted()
            let labels = summary.labels.map { (ref($0.key), ref($0.value)) }.sorted { $0.0 < $1.0 }
            for (key, value) in labels { lists += [key, value] }
            lists += summary.parents.map(idRef)
            records += le32(summary.capabilities.count) + le32(labels.count) + le32(summary.parents.count)
            records += le32(metricCount) + le32(summary.cardMetrics.count) + le32(summary.evaluationMetrics.count)
            for (name, value) in summary.cardMetrics.sorted(by: { ref($0.key) < ref($1.key) }) {
                metrics += le32(ref(name)) + le32(0) + le64(0) + le64(value.bitPattern)
            }
            for (name, metric) in summary.evaluationMetrics.sorted(by: { ref($0.key) < ref($1.key) }) {
                metrics += le32(ref(name)) + le32(0) + le64(UInt64(metric.sequence)) + le64(metric.value.bitPattern)
            }
            metricCount += summary.cardMetrics.count + summary.evaluationMetrics.count
        }
        let keyOf = summaries.enumerated().map { Int64($0.element.registrationSequence ?? -Int64($0.offset) - 1) }
        let recency = summaries.indices.sorted { keyOf[$0] < keyOf[$1] }
        var postings: [Int] = []
        func dictionary(_ map: [Int: [Int]]) -> [UInt8] {
            var out: [UInt8] = []
            for key in map.keys.sorted() {
                out += le32(key) + le32(postings.count) + le32(map[key]?.count ?? 0)
                postings += map[key] ?? []
            }
            return out
        }
        var capabilityMap: [Int: [Int]] = [:]
        var nameMap: [Int: [Int]] = [:]
        var tokenMap: [Int: [Int]] = [:]
        var stateMap: [Int: [Int]] = [:]
        var labelMap: [[Int]: [Int]] = [:]
        for ordinal in recency {
            let summary = summaries[ordinal]
            for key in Set(summary.capabilities.map { ref(matchKey($0)) }) {
                capabilityMap[key, default: []].append(ordinal)
            }
            nameMap[ref(matchKey(summary.name)), default: []].append(ordinal)
            for token in tokensOf[ordinal] { tokenMap[index[token] ?? -1, default: []].append(ordinal) }
            stateMap[ref(contents.states[summary.id] ?? "registered"), default: []].append(ordinal)
            for (key, value) in summary.labels {
                labelMap[[ref(matchKey(key)), ref(matchKey(value))], default: []].append(ordinal)
            }
        }
        var childrenMap: [Int: [Int]] = [:]
        for (ordinal, summary) in summaries.enumerated() {
            for parent in summary.parents { childrenMap[idRef(parent), default: []].append(ordinal) }
        }
        let capabilityKeys = dictionary(capabilityMap)
        let nameKeys = dictionary(nameMap)
        let tokenKeys = dictionary(tokenMap)
        let stateKeys = dictionary(stateMap)
        var labelKeys: [UInt8] = []
        for pair in labelMap.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            labelKeys += le32(pair[0]) + le32(pair[1]) + le32(postings.count) + le32(labelMap[pair]?.count ?? 0)
            postings += labelMap[pair] ?? []
        }
        let childrenKeys = dictionary(childrenMap)
        var absent: [UInt8] = []
        for (id, state) in contents.states.filter({ !present.contains($0.key) }).sorted(by: {
            idRef($0.key) < idRef($1.key)
        }) {
            absent += le32(idRef(id)) + le32(ref(state))
        }
        let sections: [[UInt8]] = [
            Array((contents.stamp.auditTime ?? "").utf8), stringOffsets, stringBytes, digests.flatMap { $0 }, records,
            lists.flatMap(le32), metrics, recency.flatMap(le32), postings.flatMap(le32), capabilityKeys, nameKeys,
            tokenKeys, stateKeys, labelKeys, childrenKeys, absent,
        ]
        var table: [UInt8] = []
        var body: [UInt8] = []
        var offset = 384
        for section in sections {
            table += le64(UInt64(offset)) + le64(UInt64(section.count))
            let padded = (section.count + 7) / 8 * 8
            body += section + [UInt8](repeating: 0, count: padded - section.count)
            offset += padded
        }
        var header: [UInt8] = [0x4D, 0x52, 0x49, 0x58, 0x0D, 0x0A, 0x1A, 0x0A] + le32(3) + le32(16)
        header += le64(UInt64(contents.stamp.artifactCount)) + le64(UInt64(contents.stamp.auditSequence))
        header += le64(UInt64(offset))
        let reserved = [UInt8](repeating: 0, count: 56)
        let digest = SHA256Algorithm().hash(header + reserved + table + body).bytes
        return header + digest + reserved + table + body
    }
}

@Suite struct IndexFromFormatSpecTests {
    /// The encoder keeps the summaries' ids apart as digests and merges in the other ids at the end: ids that
    /// are also parents, label values or ids with only a state, before, between and after the summaries' ids,
    /// ids of other algorithms (strings, before and after `sha256`), canonical and other times, still give the
    /// pool, digests, lists and keys FORMAT.md describes, spilled to a scratch file or not, whatever the window
    /// of postings the encoder holds at once.
    @Test(arguments: [1, 2, 3, 4, 5])
    func summaryIDsMergedWithOtherStringsGiveTheSpecifiedBytes(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        func id(_ algorithm: String = "sha256", _ length: Int = 32) -> ArtifactID {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            return ArtifactID(digest: Digest(algorithm: algorithm, bytes: bytes))
        }
        let ids = ((0..<38).map { _ in id() } + [id("blake3"), id("sha512", 64)]).sorted()
        let outside = (0..<5).map { _ in id() } + [id("md5", 16)]
        let times = ["2026-01-01T00:00:%02d.000Z", "2026-01-01T00:00:%02dZ", "2026-01-01T00:00:%02d.000+00:00"]
        var summaries: [ArtifactSummary] = []
        for (index, own) in ids.enumerated() where generator.next() % 4 != 0 {
            let parents = (0..<Int(generator.next() % 3)).map { _ in
                generator.next() % 2 == 0 ? ids[Int(generator.next() % 40)] : outside[Int(generator.next() % 6)]
            }
            var unique: [ArtifactID] = []
            for parent in parents where parent != own && !unique.contains(parent) { unique.append(parent) }
            summaries.append(
                ArtifactSummary(
                    id: own, name: index % 3 == 0 ? ids[(index + 1) % 40].description : "model-\(index % 7)",
                    capabilities: ["cap-\(index % 3)"],
                    labels: [
                        "source": (generator.next() % 2 == 0 ? outside : ids)[Int(generator.next() % 6)].description
                    ],
                    parents: unique, fileCount: index, totalSize: Int64(index * 10),
                    registeredAt: index % 5 == 0
                        ? nil : String(format: times[Int(generator.next() % 3)], 10 + index),
                    registrationSequence: index % 5 == 0 ? nil : Int64(100 - index),
                    state: index % 4 == 0 ? "validated" : nil))
        }
        var states: [ArtifactID: String] = [
            outside[0]: "deprecated", outside[1]: "candidate", outside[5]: "archived",
        ]
        for summary in summaries { if let state = summary.stateName { states[summary.id] = state } }
        let contents = RegistryIndex.Contents(
            stamp: .init(artifactCount: ids.count, auditSequence: 500, auditTime: "2026-01-02T00:00:00.000Z"),
            summaries: summaries, states: states)
        let expected = SpecIndexWriter.write(contents)
        #expect(try BinaryIndexEncoder.encode(contents) == expected)
        try withTemporaryDirectory { temp in
            // Spilled after 5 words, the postings built 1, 3 and 2 Mi at a time: the same bytes.
            for window in [1, 3, BinaryIndexEncoder.Builder.defaultPostingsWindow] {
                var builder = BinaryIndexEncoder.Builder(
                    capacity: 0, spillDirectory: temp.path, spillWords: 5, postingsWindow: window)
                for summary in contents.summaries { try builder.add(summary) }
                #expect(try builder.finish(stamp: contents.stamp, states: contents.states) == expected)
            }
        }
    }

    @Test func theStoredIndexIsWhatFORMATmdDescribes() throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.setState(f.invoices, to: .production)
            try registry.setState(f.receipts, to: .candidate)
            try registry.addEvaluation(.init(evaluator: "h", metrics: ["accuracy": 0.9, "f1": 0.5]), to: f.base)
            let labelled = try f.fixture.register(
                "Unicode-Model", capabilities: ["ocr", "ocr-v2"], parents: [f.base],
                labels: ["unit": "\u{212A}elvin", "place": "re\u{301}gion", "team": "docs"],
                extraFiles: ["evaluation-card.json": Array(#"{"metrics":{"loss":0.25}}"#.utf8)])
            try registry.rebuildIndexes()
            let stored = Array(try #require(try f.fixture.indexBytes()["index.bin"]))
            let contents = try registry.index.contents()
            #expect(contents.summaries.contains { $0.id == labelled })
            #expect(SpecIndexWriter.write(contents) == stored)
            // Canonically equivalent spellings find each other (Swift compares them as equal).
            #expect(try f.fixture.freshIndex().query(IndexQuery(capabilities: ["ocr-v2"])).ids == [labelled])
            #expect(
                try f.fixture.freshIndex().query(IndexQuery(labels: ["unit": "Kelvin", "place": "r\u{E9}gion"])).ids
                    == [labelled])
        }
    }
}
