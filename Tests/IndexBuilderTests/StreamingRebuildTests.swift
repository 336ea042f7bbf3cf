import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@testable import IndexBuilder

/// The rebuild streams summaries to the encoder in batches (#15): whatever the batch size, the summaries, their
/// order, states and audit facts, and the bytes of `index.bin` are those of the whole-contents encoder.
@Suite struct StreamingRebuildTests {
    @Test(arguments: [1, 2, 3, 7])
    func batchesOfAnySizeGiveTheContentsAndBytesOfTheWholeScan(batchSize: Int) throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.setState(f.invoices, to: .production)
            try registry.setState(f.vision, to: .deprecated)
            // An artifact whose manifest cannot be read is left out by both, and counted by both.
            let damaged = try f.fixture.register("damaged")
            let manifest = registry.layout.artifactPath(damaged) + "/manifest.json"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: manifest)
            try Data("{".utf8).write(to: URL(fileURLWithPath: manifest))

            let index = f.fixture.freshIndex()
            let whole = try index.scan()
            var streamed: [ArtifactSummary] = []
            let result = try index.scan(batchSize: batchSize) { streamed.append($0) }
            #expect(streamed == whole.contents.summaries)
            #expect(result.stamp == whole.contents.stamp && result.states == whole.contents.states)
            #expect(result.report.summaryCount == 5 && result.report.findings.map(\.kind) == [.unreadableManifest])
            // Letting the listing and the registration facts go as the scan passes them changes nothing.
            for chunkSize in [1, 2, 3] {
                var released: [ArtifactSummary] = []
                let again = try index.scan(batchSize: batchSize, chunkSize: chunkSize) { released.append($0) }
                #expect(released == streamed)
                #expect(again.stamp == result.stamp && again.states == result.states)
            }

            var builder = BinaryIndexEncoder.Builder(capacity: 0)
            for summary in streamed { try builder.add(summary) }
            let bytes = try builder.finish(stamp: result.stamp, states: result.states)
            #expect(try bytes == BinaryIndexEncoder.encode(whole.contents))

            // Spilled to a scratch file after every few words, the same bytes, and no file left behind.
            let scratch = f.fixture.temp.appendingPathComponent("scratch-\(batchSize)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            var spilling = BinaryIndexEncoder.Builder(capacity: 0, spillDirectory: scratch.path, spillWords: 7)
            for summary in streamed { try spilling.add(summary) }
            #expect(spilling.spilledBytes > 0)
            #expect(try spilling.finish(stamp: result.stamp, states: result.states) == bytes)
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)

            // And what a rebuild stores is those bytes.
            try registry.rebuildIndexes()
            let stored = try Data(contentsOf: URL(fileURLWithPath: registry.layout.indexesPath + "/index.bin"))
            #expect(Array(stored) == bytes)
        }
    }

    @Test func theDefaultStreamingReplacementOfOtherBackendsCollectsTheSameContents() throws {
        try ModelFamily.with { f in
            let index = f.fixture.freshIndex()
            let whole = try index.scan().contents
            let elsewhere = f.fixture.temp.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            let backend = ForwardingBackend(FileIndexBackend(layout: RegistryLayout(unchecked: elsewhere)))
            try backend.replaceContents(persist: false) { add in
                let result = try index.scan(batchSize: 2, add)
                return (result.stamp, result.states)
            }
            #expect(try backend.contents() == whole)
        }
    }
}

/// A backend that implements only the protocol's older requirements (by forwarding them) and the build order it
/// is given, so that it gets the default `replaceContents(persist:producing:)`.
final class ForwardingBackend: IndexBackend {
    let inner: FileIndexBackend
    let buildOrder: IndexBuildOrder

    init(_ inner: FileIndexBackend, buildOrder: IndexBuildOrder = .id) {
        self.inner = inner
        self.buildOrder = buildOrder
    }

    func refresh() throws -> RegistryIndex.Stamp? { try inner.refresh() }
    func storedAuditPosition() throws -> RegistryIndex.AuditPosition? { try inner.storedAuditPosition() }
    func replaceContents(with contents: RegistryIndex.Contents, persist: Bool) throws {
        try inner.replaceContents(with: contents, persist: persist)
    }
    func apply(_ changes: RegistryIndex.Changes, persist: Bool) throws { try inner.apply(changes, persist: persist) }
    func summaries(matching query: IndexQuery) throws -> [ArtifactSummary] { try inner.summaries(matching: query) }
    func summary(of id: ArtifactID) throws -> ArtifactSummary? { try inner.summary(of: id) }
    func lineage(of id: ArtifactID, direction: RegistryIndex.LineageDirection) throws -> [ArtifactSummary] {
        try inner.lineage(of: id, direction: direction)
    }
    func contents() throws -> RegistryIndex.Contents? { try inner.contents() }
}
