import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue #11, garbage collection: what keeps an artifact, the grace period, the size budget, staging leftovers,
/// and "an I/O error while deciding counts as keep".
@Suite struct GarbageCollectionTests {
    /// A clock the tests move forward.
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var now = Date(timeIntervalSince1970: 1_790_000_000)
        func read() -> Date { lock.withLock { now } }
        func advance(days: Double) { lock.withLock { now += days * 86_400 } }
    }

    /// A registry whose clock starts 30 days before "now" for the first artifacts.
    private func withRegistry(_ body: (Registry, TestClock, URL) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let clock = TestClock()
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: .init(clock: { clock.read() }))
            try body(registry, clock, temp)
        }
    }

    private func register(
        _ name: String, _ registry: Registry, _ temp: URL, bytes: Int = 16, parents: [ArtifactID] = []
    )
        throws -> ArtifactID
    {
        let bundle = try BundleFixture.write(
            ["w.bin": BundleFixture.randomBytes(count: bytes, seed: UInt64(abs(name.hashValue % 10_000)))],
            to: temp.appendingPathComponent(name))
        return try registry.register(directory: bundle, metadata: ArtifactMetadata(name: name, parents: parents))
            .artifact.id
    }

    @Test func everyKindOfHolderKeepsAndTheRestGoes() throws {
        try withRegistry { registry, clock, temp in
            let base = try register("base", registry, temp)
            let tuned = try register("tuned", registry, temp, parents: [base])
            let old = try register("old", registry, temp)
            let current = try register("current", registry, temp)
            let candidate = try register("candidate", registry, temp)
            let pinned = try register("pinned", registry, temp)
            let orphan = try register("orphan", registry, temp)
            try registry.promote("prod", to: old)
            try registry.promote("prod", to: current)  // old: rollback history
            try registry.promote("exp", to: tuned)  // base: ancestor of a kept artifact
            try registry.setState(candidate, to: .candidate)
            try registry.pin(pinned, reason: "audit")
            clock.advance(days: 30)
            let young = try register("young", registry, temp)

            let plan = try registry.collectGarbage(.init(dryRun: true))
            func holds(_ id: ArtifactID) -> [ArtifactHold.Kind] { plan.decision(for: id)?.holds.map(\.kind) ?? [] }
            #expect(holds(current) == [.alias])
            #expect(holds(old) == [.aliasHistory])
            #expect(holds(tuned) == [.alias])
            #expect(holds(base) == [.ancestor])
            #expect(holds(candidate) == [.state])
            #expect(holds(pinned) == [.pin])
            #expect(holds(young) == [.gracePeriod])
            #expect(plan.collected == [orphan])
            #expect(plan.isDryRun && plan.events.isEmpty)
            #expect(try registry.contains(orphan), "a dry run removes nothing")
            #expect(
                plan.decision(for: old)?.description == "\(old) (old): keep — alias prod's history (rollback target)")
            #expect(plan.decision(for: orphan)?.description == "\(orphan) (orphan): collect")

            let report = try registry.collectGarbage(.init(), actor: "gc")
            #expect(report.collected == [orphan] && report.decision(for: orphan)?.removed == true)
            #expect(report.decision(for: orphan)?.description == "\(orphan) (orphan): collect (removed)")
            #expect(report.events.count == 1 && report.events[0].type == .artifactCollected)
            #expect(try report.events[0].decode(ArtifactCollected.self)?.reason == .collected)
            #expect(try registry.listArtifacts().count == 7)
            #expect(try registry.fsck().isClean)

            // Without ancestors kept and with a zero grace period, base and young go too.
            let strict = try registry.collectGarbage(.init(gracePeriod: .zero, keepAncestors: false, dryRun: true))
            #expect(Set(strict.collected) == [base, young])
        }
    }

    @Test func theBudgetRemovesOnlyWhatItNeedsOldestFirst() throws {
        try withRegistry { registry, clock, temp in
            var ids: [ArtifactID] = []
            for index in 0..<4 {
                ids.append(try register("m\(index)", registry, temp, bytes: 100_000 + index))
                clock.advance(days: 1)
            }
            clock.advance(days: 30)
            let total = try registry.collectGarbage(.init(dryRun: true)).totalBytesBefore
            // Room for a little more than two artifacts: the two oldest go.
            let budget = total - 150_000
            let plan = try registry.collectGarbage(.init(maxSize: budget, dryRun: true))
            #expect(Set(plan.collected) == [ids[0], ids[1]], "\(plan.decisions.map(\.verdict))")
            #expect(plan.decision(for: ids[2])?.verdict == .withinBudget)
            #expect(plan.meetsBudget)
            let done = try registry.collectGarbage(.init(maxSize: budget))
            #expect(Set(done.decisions.filter(\.removed).map(\.artifact)) == [ids[0], ids[1]])
            #expect(try registry.diskUsage().totalBytes <= budget)
            // A budget nothing can meet removes every unprotected artifact and says so.
            try registry.promote("keep", to: ids[3])
            let impossible = try registry.collectGarbage(.init(maxSize: 0, dryRun: true))
            #expect(impossible.collected == [ids[2]] && !impossible.meetsBudget)
        }
    }

    @Test func sharedBytesAreCountedOnceAndFreedOnlyWithTheirLastHolder() throws {
        try withRegistry { registry, clock, temp in
            let weights = BundleFixture.randomBytes(count: 200_000, seed: 3)
            let first = try BundleFixture.write(["w.bin": weights], to: temp.appendingPathComponent("one"))
            let second = try BundleFixture.write(["w.bin": weights, "x": [1]], to: temp.appendingPathComponent("two"))
            let a = try registry.register(directory: first, metadata: ArtifactMetadata(name: "a")).artifact.id
            let b = try registry.register(directory: second, metadata: ArtifactMetadata(name: "b")).artifact.id
            clock.advance(days: 30)
            let plan = try registry.collectGarbage(.init(dryRun: true))
            #expect(try #require(plan.decision(for: a)).sharedBytes == 200_000)
            #expect(try #require(plan.decision(for: b)).sharedBytes == 200_000)
            let freed = plan.decisions.map(\.bytesFreed).reduce(0, +)
            #expect(freed == plan.totalBytesBefore, "removing both frees everything, the shared file once")
            #expect(plan.decisions.contains { $0.bytesFreed < 200_000 }, "the first of the two frees no shared bytes")
        }
    }

    @Test func abandonedStagingOlderThanTheGracePeriodGoesAndALiveLeaseStays() throws {
        try withRegistry { registry, _, _ in
            let staging = registry.layout.stagingPath
            let abandoned = staging + "/ingest-999999-abc"
            try FileManager.default.createDirectory(atPath: abandoned, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: abandoned + ".lock", contents: Data())
            let live = try StagingLease.create(in: staging, prefix: "ingest-")
            defer {
                try? FileManager.default.removeItem(atPath: live.directory)
                live.release()
            }
            // Both look old.
            var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
            for path in [abandoned, live.directory] { utimensat(AT_FDCWD, path, &times, 0) }
            let report = try registry.collectGarbage(.init(gracePeriod: .seconds(3600)))
            let byPath = Dictionary(uniqueKeysWithValues: report.staging.map { ($0.path, $0) })
            #expect(byPath["staging/ingest-999999-abc"]?.removed == true, "\(report.staging)")
            #expect(byPath[registry.layout.relativePath(live.directory)]?.collect == false)
            #expect(!FileManager.default.fileExists(atPath: abandoned))
            #expect(!FileManager.default.fileExists(atPath: abandoned + ".lock"))
            #expect(FileManager.default.fileExists(atPath: live.directory))
        }
    }

    @Test func anIOErrorWhileDecidingKeepsEverythingItCouldHaveProtected() throws {
        try withRegistry { registry, clock, temp in
            let a = try register("a", registry, temp)
            try registry.pin(a)
            try registry.unpin(a)
            clock.advance(days: 30)
            let token = FaultInjector.shared.inject(.opendir, errno: EIO, under: registry.layout.pinsPath)
            defer { FaultInjector.shared.remove(token) }
            let report = try registry.collectGarbage(.init())
            #expect(report.decision(for: a)?.verdict == .keep)
            #expect(report.decision(for: a)?.holds.map(\.kind) == [.undecided])
            #expect(report.problems.map(\.kind) == [.undecidedCollection])
            #expect(try report.events.isEmpty && registry.contains(a))
        }
    }

    @Test func anArtifactThatCannotBeListedIsKept() throws {
        try withRegistry { registry, clock, temp in
            let a = try register("a", registry, temp)
            let b = try register("b", registry, temp)
            clock.advance(days: 30)
            let token = FaultInjector.shared.inject(.opendir, errno: EIO, under: registry.layout.artifactPath(a))
            defer { FaultInjector.shared.remove(token) }
            let plan = try registry.collectGarbage(.init(dryRun: true))
            #expect(plan.decision(for: a)?.holds.map(\.kind) == [.undecided])
            #expect(plan.collected == [b])
        }
    }

    @Test func asyncCollectGarbageMatchesTheBlockingOne() async throws {
        try await withTemporaryDirectory { temp in
            let registry = try await Registry.create(at: temp.appendingPathComponent("registry"))
            _ = try BundleFixture.registerModel("a", in: registry, under: temp)
            let plan = try await registry.collectGarbage(.init(dryRun: true))
            #expect(plan.decisions.first?.holds.map(\.kind) == [.gracePeriod])
        }
    }
}
