import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@Suite struct StaleIndexTests {
    @Test func statusTellsCurrentBehindAndMissingApart() throws {
        try IndexFixture.with { f in
            let missing = try f.freshIndex().status()
            #expect(missing.stored == nil && !missing.isClean && !missing.isBehind)
            #expect(missing.findings.map(\.kind) == [.staleIndex])
            #expect(missing.description == "unusable: no index is stored")
            let first = try f.register("first")
            let current = try f.freshIndex().status()
            #expect(current.isClean && current.findings.isEmpty && !current.isBehind)
            #expect(
                current.stored
                    == RegistryIndex.Stamp(artifactCount: 1, auditSequence: 1, auditTime: "2026-11-23T13:37:00.000Z"))

            try f.appendState(first, "candidate")
            let behind = try f.freshIndex().status()
            #expect(!behind.isClean && behind.isBehind && behind.auditPosition.sequence == 2)
            #expect(behind.description.hasPrefix("stale"))
            #expect(behind.findings.map(\.kind) == [.staleIndex])
            // A reader catches up in memory without writing.
            let before = try f.indexBytes()
            #expect(try f.freshIndex().summaries(inState: .candidate).ids == [first])
            #expect(try f.indexBytes() == before)
        }
    }

    @Test func anArtifactAddedWithoutAnEventMakesTheIndexStale() throws {
        try IndexFixture.with { f in
            try f.register("first")
            // Publish through the store directly: no audit event, no index update.
            let bundle = try BundleFixture.write(["w.bin": [9]], to: f.temp.appendingPathComponent("direct"))
            let direct = try f.registry.artifacts.register(
                directory: bundle, metadata: ArtifactMetadata(name: "direct"))
            let status = try f.freshIndex().status()
            #expect(!status.isClean && !status.isBehind && status.artifactCount == 2)
            // Queries notice the count and scan (readers never write); the artifact has no registration time.
            let summary = try #require(try f.registry.index.summary(of: direct.artifact.id))
            #expect(summary.registeredAt == nil && summary.registrationSequence == nil)
            #expect(try f.registry.query(IndexQuery()).last?.id == direct.artifact.id)  // unregistered ones come last
            #expect(try !f.freshIndex().status().isClean)
            // Recovery only reports an artifact nobody registered; adopting it records the event, and the index
            // catches up and orders it by that event.
            #expect(try f.registry.recover().unresolved.map(\.kind) == [.unregisteredArtifact])
            try f.registry.adopt(direct.artifact.id)
            #expect(try f.registry.index.mostRecent(1).ids == [direct.artifact.id])
        }
    }

    @Test func anIndexAheadOfTheLogIsNotTrusted() throws {
        try IndexFixture.with { f in
            try f.register("first")
            try f.register("second")
            let saved = try f.indexBytes()
            // Replace the registry's log with a shorter one: the index now claims events that are not there.
            let audit = f.registry.layout.auditPath
            for name in try FileManager.default.contentsOfDirectory(atPath: audit) {
                let url = URL(fileURLWithPath: audit + "/" + name)
                let lines = try Data(contentsOf: url).split(separator: 0x0A)
                try Data(lines[0] + [0x0A]).write(to: url)
            }
            #expect(try f.indexBytes() == saved)
            let status = try f.freshIndex().status()
            #expect(!status.isClean && status.auditPosition.sequence == 1)
            let answers = try f.registry.query(IndexQuery())
            #expect(answers.count == 2)
            #expect(answers.compactMap(\.registrationSequence) == [1])  // the second registration has no event now
        }
    }

    @Test func aReadOnlyIndexNeverWrites() throws {
        try IndexFixture.with { f in
            try f.register("first")
            try FileManager.default.removeItem(atPath: f.indexesPath)
            let reader = f.freshIndex()
            #expect(try reader.query(IndexQuery()).count == 1)
            #expect(!FileManager.default.fileExists(atPath: f.indexesPath))
            #expect(reader.lastReport?.findings.first?.kind == .staleIndex)
        }
    }
}
