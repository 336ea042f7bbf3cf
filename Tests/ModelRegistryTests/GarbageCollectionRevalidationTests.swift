import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11: `gc --apply` plans without the writer lock, so writers are not blocked while it reads the log and
/// stats every file, and re-validates under the lock what changed since the plan: an artifact aliased, pinned,
/// re-registered, given a child or shared by a new ingest in between is kept.
@Suite struct GarbageCollectionRevalidationTests {
    private func register(
        _ name: String, _ registry: Registry, _ temp: URL, seed: UInt64, parents: [ArtifactID] = []
    ) throws -> ArtifactID {
        let bundle = try BundleFixture.write(
            ["w.bin": BundleFixture.randomBytes(count: 100_000, seed: seed)], to: temp.appendingPathComponent(name))
        return try registry.register(directory: bundle, metadata: ArtifactMetadata(name: name, parents: parents))
            .artifact.id
    }

    @Test func anArtifactChangedBetweenPlanAndRemovalIsKeptAndTheRestGoes() throws {
        try withTemporaryDirectory { temp in
            let clock = GarbageCollectionTests.TestClock()
            let root = temp.appendingPathComponent("registry")
            let registry = try Registry.create(at: root, configuration: .init(clock: { clock.read() }))
            let aliased = try register("aliased", registry, temp, seed: 1)
            let pinned = try register("pinned", registry, temp, seed: 2)
            let revived = try register("revived", registry, temp, seed: 3)
            let parent = try register("parent", registry, temp, seed: 4)
            let orphan = try register("orphan", registry, temp, seed: 5)
            clock.advance(days: 30)

            var planned: [ArtifactID] = []
            let report = try registry.collectGarbage(.init(), actor: "gc") {
                // The plan is made; the collector holds no lock yet. Another process's writes (a second open
                // registry, with a lock timeout short enough to fail the test rather than hang it) all commit.
                planned = try registry.collectGarbage(.init(dryRun: true)).collected
                let writer = try Registry.open(
                    at: root, configuration: .init(lockTimeout: .seconds(2), clock: { clock.read() }))
                try writer.promote("late", to: aliased)
                try writer.pin(pinned, reason: "late")
                try writer.remove(revived)
                _ = try register("revived", writer, temp, seed: 3)
                _ = try register("child", writer, temp, seed: 6, parents: [parent])
            }
            #expect(Set(planned) == [aliased, pinned, revived, parent, orphan], "the plan saw them as garbage")
            #expect(report.collected == [orphan], "\(report.decisions.map { ($0.name, $0.holds) })")
            for id in [aliased, pinned, revived, parent] {
                #expect(try registry.contains(id), "\(id) changed since the plan and must stay")
            }
            #expect(report.decision(for: aliased)?.holds.map(\.kind) == [.changedSincePlan])
            #expect(report.decision(for: pinned)?.holds.map(\.kind) == [.changedSincePlan])
            #expect(report.decision(for: parent)?.holds.map(\.kind) == [.changedSincePlan])
            #expect(report.decision(for: revived)?.holds.map(\.kind) == [.changedSincePlan])
            #expect(try !registry.contains(orphan))
            #expect(try registry.fsck().isClean)
        }
    }

    @Test func anIngestThatStartedAfterThePlanKeepsTheCandidatesItShares() throws {
        try withTemporaryDirectory { temp in
            let clock = GarbageCollectionTests.TestClock()
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: .init(clock: { clock.read() }))
            let shared = try register("shared", registry, temp, seed: 7)
            let orphan = try register("orphan", registry, temp, seed: 8)
            clock.advance(days: 30)
            var lease: StagingLease?
            let report = try registry.collectGarbage(.init(), actor: "gc") {
                // An ingest begins and links a candidate's stored file into its staging directory.
                let live = try StagingLease.create(in: registry.layout.stagingPath, prefix: "ingest-")
                lease = live
                try FileManager.default.linkItem(
                    atPath: registry.layout.artifactPath(shared) + "/w.bin", toPath: live.directory + "/w.bin")
            }
            defer {
                if let lease {
                    try? FileManager.default.removeItem(atPath: lease.directory)
                    lease.release()
                }
            }
            #expect(report.decision(for: shared)?.holds.map(\.kind) == [.lease])
            #expect(report.collected == [orphan])
            #expect(try registry.contains(shared) && !registry.contains(orphan))
        }
    }

    @Test func withNothingChangedThePlanIsCarriedOutAsMade() throws {
        try withTemporaryDirectory { temp in
            let clock = GarbageCollectionTests.TestClock()
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: .init(clock: { clock.read() }))
            let a = try register("a", registry, temp, seed: 9)
            let b = try register("b", registry, temp, seed: 10)
            try registry.promote("prod", to: a)
            clock.advance(days: 30)
            let dry = try registry.collectGarbage(.init(dryRun: true))
            let report = try registry.collectGarbage(.init(), actor: "gc") {}
            #expect(report.collected == dry.collected && report.collected == [b])
            #expect(report.decisions.map(\.holds) == dry.decisions.map(\.holds))
            #expect(report.events.count == 1 && report.decision(for: b)?.removed == true)
        }
    }
}
