import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@testable import IndexBuilder

/// FORMAT.md §13.4: the recorded artifact count lets a cold reader skip listing `artifacts/`, and is never trusted
/// past a change of the directory.
@Suite struct ArtifactCountRecordTests {
    @Test func writersKeepTheRecordAndReadersTrustItOnlyForTheRecordedDirectory() throws {
        try IndexFixture.with { f in
            let layout = f.registry.layout
            try f.register("one")
            try f.register("two")
            try f.registry.setState(try f.register("three"), to: .candidate)
            let status = try #require(try FileSystem.status(layout.artifactsPath, followLinks: true))
            let record = try #require(ArtifactCountRecord.read(layout))
            #expect(record.count == 3 && record.matches(status))

            // Published without an event: the directory changed, so a reader lists it and sees the stale index.
            let bundle = try BundleFixture.write(["w.bin": [1]], to: f.temp.appendingPathComponent("direct"))
            _ = try f.registry.artifacts.register(directory: bundle, metadata: ArtifactMetadata(name: "direct"))
            #expect(!(ArtifactCountRecord.read(layout)?.matches(try FileSystem.status(layout.artifactsPath)) ?? true))
            #expect(try f.freshIndex().query(IndexQuery()).count == 4)
            #expect(try !f.freshIndex().status().isClean)
        }
    }

    @Test func aRecordThatLiesAboutTheCountIsCaughtByAListing() throws {
        try IndexFixture.with { f in
            let layout = f.registry.layout
            try f.register("one")
            try f.register("two")
            let answers = try f.registry.query(IndexQuery())
            let status = try #require(try FileSystem.status(layout.artifactsPath, followLinks: true))
            try ArtifactCountRecord(status: .init(status), count: 7).write(layout)
            let reader = f.freshIndex()
            #expect(try reader.query(IndexQuery()) == answers)
            #expect(reader.lastReport == nil, "a recount agreed with the index: nothing to scan")
            #expect(try reader.status().isClean, "status always lists")
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: layout.indexesPath + "/artifact-count.json"))
            #expect(ArtifactCountRecord.read(layout) == nil)
            #expect(try f.freshIndex().query(IndexQuery()) == answers)
        }
    }
}
