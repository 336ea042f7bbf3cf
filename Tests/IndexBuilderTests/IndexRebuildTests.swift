import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Ways to damage `index.bin`; each must be detected (by `status()`, which checks the file's digest) and repaired
/// by a rebuild.
enum Damage: String, CaseIterable, CustomStringConvertible {
    case flipOneByte, truncate, garbage, empty, otherStamp, otherVersion, extended

    var description: String { rawValue }

    /// Whether a query notices without checking the digest (the structure is wrong), and so scans instead.
    var isStructural: Bool { self != .flipOneByte && self != .otherStamp }

    func apply(to bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .flipOneByte:
            var copy = bytes
            copy[copy.count * 2 / 3] ^= 0x01  // somewhere in the sections
            return copy
        case .truncate:
            return Array(bytes.prefix(bytes.count / 2))
        case .garbage:
            return Array("not an index at all\n".utf8)
        case .empty:
            return []
        case .otherStamp:
            var copy = bytes
            copy[24] ^= 0x08  // auditSequence, without updating the digest
            return copy
        case .otherVersion:
            var copy = bytes
            copy[8] = 1
            return copy
        case .extended:
            return bytes + [0, 0, 0, 0, 0, 0, 0, 0]
        }
    }
}

@Suite struct IndexRebuildTests {
    @Test func rebuildIsDeterministicAndStampsTheFile() throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.setState(f.invoices, to: .production)
            let report = try registry.rebuildIndexes()
            #expect(report.isClean)
            #expect(report.summaryCount == 5 && report.stamp.artifactCount == 5)
            let first = try f.fixture.indexBytes()
            #expect(Set(first.keys) == ["index.bin"])  // no updates.jsonl after a rebuild
            let file = Array(try #require(first["index.bin"]))
            #expect(file.starts(with: [0x4D, 0x52, 0x49, 0x58, 0x0D, 0x0A, 0x1A, 0x0A]))
            func u64(_ offset: Int) -> UInt64 {
                file[offset..<(offset + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
            }
            #expect(file[8..<12].elementsEqual([3, 0, 0, 0]))  // format version 3
            #expect(u64(16) == 5 && u64(24) == 6 && u64(32) == UInt64(file.count))
            let timeStart = Int(u64(128))
            #expect(
                String(decoding: file[timeStart..<(timeStart + Int(u64(136)))], as: UTF8.self)
                    == "2026-11-23T13:37:00.000Z")
            try registry.rebuildIndexes()
            #expect(try f.fixture.indexBytes() == first)
            #expect(try f.fixture.freshIndex().summaries(inState: .production).ids == [f.invoices])
            #expect(try f.fixture.freshIndex().status().isClean)
        }
    }

    @Test(arguments: IndexFixture.indexFiles)
    func deletingAnIndexFileLosesNothing(file: String) throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.rebuildIndexes()
            let original = try f.fixture.indexBytes()
            let answers = try registry.query(IndexQuery())

            try f.fixture.remove(file)
            #expect(try f.fixture.freshIndex().status().stored == nil)  // missing or damaged
            #expect(try f.fixture.freshIndex().query(IndexQuery()) == answers)  // a read-only index scans instead
            #expect(try registry.query(IndexQuery()) == answers)  // readers scan, and never write index files
            #expect(try f.fixture.indexBytes()[file] == nil)
            // The index is one file: without it, no index is stored (rather than a damaged one).
            #expect(registry.index.lastReport?.findings.first?.kind == .staleIndex)

            #expect(try registry.rebuildIndexes().isClean)  // replaced without being read
            #expect(try f.fixture.indexBytes() == original)
        }
    }

    @Test(arguments: IndexFixture.indexFiles, Damage.allCases)
    func aCorruptIndexFileIsDetectedAndRebuiltByteForByte(file: String, damage: Damage) throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.setState(f.receipts, to: .candidate)
            try registry.rebuildIndexes()
            let original = try f.fixture.indexBytes()
            let answers = try registry.query(IndexQuery())
            let path = f.fixture.indexesPath + "/" + file
            let damaged = damage.apply(to: Array(try Data(contentsOf: URL(fileURLWithPath: path))))

            try f.fixture.write(damaged, to: file)
            let status = try f.fixture.freshIndex().status()
            #expect(status.stored == nil, "\(file) with \(damage) was trusted: \(status)")
            #expect(!status.isClean)
            let seen = try registry.query(IndexQuery())  // never a crash, whatever the damage
            if damage.isStructural {
                #expect(seen == answers)
                #expect(registry.index.lastReport?.findings.first?.kind == .damagedIndex)
            }
            #expect(try f.fixture.indexBytes()[file] == Data(damaged))  // readers never write index files

            try f.fixture.write(damaged, to: file)
            try registry.rebuildIndexes()
            #expect(try f.fixture.indexBytes() == original)
        }
    }

    /// An index of format 2 (the previous layout, with an intact digest) is detected as such, never read as
    /// format 3; queries scan meanwhile, and the next writer replaces it with format 3.
    @Test func aFormat2IndexIsDetectedAndReplacedByTheNextWriter() throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.rebuildIndexes()
            let answers = try registry.query(IndexQuery())
            var old = Array(try #require(try f.fixture.indexBytes()["index.bin"]))
            old.replaceSubrange(8..<16, with: [2, 0, 0, 0, 15, 0, 0, 0])  // version 2, 15 sections
            old.replaceSubrange(40..<72, with: SHA256Algorithm().hash(Array(old[0..<40]) + Array(old[72...])).bytes)
            try f.fixture.write(old, to: "index.bin")

            let reader = f.fixture.freshIndex()
            #expect(try reader.query(IndexQuery()) == answers)
            let finding = try #require(reader.lastReport?.findings.first)
            #expect(finding.kind == .damagedIndex)
            #expect(finding.message.contains("version 2"), "\(finding.message)")
            #expect(try !f.fixture.freshIndex().status().isClean)

            let added = try f.fixture.register("after-the-upgrade")
            let stored = Array(try #require(try f.fixture.indexBytes()["index.bin"]))
            #expect(stored[8..<12].elementsEqual([3, 0, 0, 0]))
            #expect(try f.fixture.freshIndex().status().isClean)
            #expect(try f.fixture.freshIndex().query(IndexQuery()).ids.first == added)
        }
    }

    @Test func damagedUpdateLinesAreDetected() throws {
        try IndexFixture.with { f in
            let first = try f.register("one")
            try f.registry.rebuildIndexes()
            try f.register("two", parents: [first])
            try f.register("three")
            let answers = try f.registry.query(IndexQuery())
            let updates = try #require(try f.indexBytes()["updates.jsonl"])
            #expect(updates.split(separator: 0x0A).count == 2)

            // A torn final line (a crash mid-append) is ignored: the index is one event behind and catches up.
            try f.write(Array(updates) + Array("{\"after\":".utf8), to: "updates.jsonl")
            #expect(try f.freshIndex().status().stored != nil)
            #expect(try f.freshIndex().query(IndexQuery()) == answers)
            // The next writer cuts it off before appending.
            try f.register("four")
            #expect(try f.freshIndex().status().isClean)

            // A line that does not continue the chain is damage.
            let lines = Array(updates).split(separator: 0x0A, omittingEmptySubsequences: true)
            try f.write(Array(lines[1]) + [0x0A] + Array(lines[0]) + [0x0A], to: "updates.jsonl")
            #expect(try f.freshIndex().status().findings.map(\.kind) == [.damagedIndex])
            #expect(try f.registry.query(IndexQuery()).count == 4)
            try f.registry.rebuildIndexes()  // readers only scan; a rebuild (or the next write) stores it again
            let repaired = try f.freshIndex().status()
            #expect(repaired.isClean, "\(repaired)")
        }
    }

    @Test func anEventWhosePayloadDoesNotDecodeIsReportedAndIgnored() throws {
        try IndexFixture.with { f in
            let id = try f.register("one")
            // A bare `state_changed` (no `record`) is not the documented payload (FORMAT.md §9.3).
            try AuditJournal(layout: f.registry.layout).appendLocked(
                .stateChanged, actor: "foreign",
                payload: ["artifact": .string(id.description), "state": .string("production")],
                lock: WriterLock(path: f.registry.layout.writerLockPath))
            let report = try f.registry.rebuildIndexes()
            #expect(report.findings.map(\.kind) == [.unusableAuditEvent], "\(report)")
            #expect(report.findings.first?.message.contains("record") == true, "\(report)")
            #expect(try f.registry.index.summary(of: id)?.state == nil)
        }
    }

    @Test func aManifestThatDoesNotParseIsReportedAndSkipped() throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            let manifest = registry.layout.artifactPath(f.receipts) + "/manifest.json"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: manifest)
            try Data("{\"schemaVersion\":1,".utf8).write(to: URL(fileURLWithPath: manifest))

            let report = try registry.rebuildIndexes()
            #expect(report.findings.count == 1)
            let finding = try #require(report.findings.first)
            #expect(finding.kind == .unreadableManifest && finding.path == manifest)
            #expect(finding.description.hasPrefix("unreadable_manifest: \(manifest): "))
            #expect(!finding.message.hasPrefix(manifest), "the path is not repeated: \(finding)")
            #expect(report.stamp.artifactCount == 5 && report.summaryCount == 4)
            #expect(try registry.query(IndexQuery()).ids == [f.vision, f.distilled, f.invoices, f.base])
            #expect(try registry.index.status().isClean)
            // The lineage through the unreadable artifact is gone; the rest still answers.
            #expect(try registry.lineage(of: f.base, direction: .descendants).ids == [f.invoices, f.distilled])
        }
    }

    @Test func aMalformedLineageFileIsReportedAndIgnored() throws {
        try IndexFixture.with { f in
            let base = try f.register("base")
            let cases: [(String, [UInt8])] = [
                ("not-json", Array("parents: base".utf8)),
                ("not-ids", Array(#"{"parents":["base"]}"#.utf8)),
                ("not-a-list", Array(#"{"parents":"sha256-x"}"#.utf8)),
            ]
            var ids: [ArtifactID] = []
            for (name, bytes) in cases {
                ids.append(try f.register(name, parents: [base], extraFiles: ["lineage.json": bytes]))
            }
            let noParents = try f.register("no-parents-member", extraFiles: ["lineage.json": Array(#"{"run":7}"#.utf8)])

            let report = try f.registry.rebuildIndexes()
            #expect(report.findings.map(\.kind) == Array(repeating: .malformedLineage, count: 3))
            #expect(report.findings.allSatisfy { $0.path.hasSuffix("/lineage.json") })
            for id in ids { #expect(try f.registry.index.summary(of: id)?.parents == [base]) }
            #expect(try f.registry.index.summary(of: noParents)?.parents == [])
        }
    }

    /// FORMAT.md §13.1: lineage parents are de-duplicated in order (manifest parents first), and a parent equal to
    /// the artifact itself is dropped without a finding: an intact artifact cannot name itself.
    @Test func lineageParentsAreDeduplicatedInOrderAndTheArtifactItselfIsDropped() throws {
        try IndexFixture.with { f in
            let a = try f.register("a")
            let b = try f.register("b")
            let child = try f.register(
                "child", parents: [b], extraFiles: IndexFixture.lineage([a, b, a, a]))
            let report = try f.registry.rebuildIndexes()
            #expect(report.findings.isEmpty)
            #expect(try f.registry.index.summary(of: child)?.parents == [b, a])

            let artifact = try f.registry.artifact(child)
            let summary = ArtifactSummary(artifact: artifact, lineageParents: [child, a, child, a])
            #expect(summary.parents == [b, a])
        }
    }

    @Test func aCopiedRegistryAnswersAfterOneRebuild() throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.setState(f.invoices, to: .production)
            _ = try registry.query(IndexQuery())
            let answers = try registry.query(IndexQuery())
            let lineage = try registry.lineage(of: f.base, direction: .descendants)

            // Copy the whole directory elsewhere (another machine: other inodes, other path).
            let copy = f.fixture.temp.appendingPathComponent("moved/registry")
            try FileManager.default.createDirectory(
                at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: registry.layout.root, to: copy)
            let moved = try Registry.open(at: copy)
            #expect(try moved.query(IndexQuery()) == answers)  // nothing in the index names a path or an inode
            try moved.rebuildIndexes()
            #expect(try moved.query(IndexQuery()) == answers)
            #expect(try moved.lineage(of: f.base, direction: .descendants) == lineage)
            #expect(try moved.index.status().isClean)
            let movedBytes = try IndexFixture.indexBytes(in: moved.layout.indexesPath)
            try registry.rebuildIndexes()  // fold the original's incremental updates in
            #expect(movedBytes == (try f.fixture.indexBytes()))

            // Without the index at all, the copy answers too.
            try FileManager.default.removeItem(atPath: moved.layout.indexesPath)
            let reopened = try Registry.open(at: copy)
            #expect(try reopened.query(IndexQuery(state: .production)).ids == [f.invoices])
        }
    }
}

extension IndexFixture {
    static func indexBytes(in directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in indexFiles + ["updates.jsonl"] {
            let url = URL(fileURLWithPath: directory + "/" + name)
            if FileManager.default.fileExists(atPath: url.path) { result[name] = try Data(contentsOf: url) }
        }
        return result
    }
}
