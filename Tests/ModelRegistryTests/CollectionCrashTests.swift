import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Issue #11 under issue #14's rule: a real `modelreg rm`, `pin`, `unpin` and `gc --apply` killed with SIGKILL at
    /// each of their crash points; recovery (or the next write) must leave every artifact present exactly when the
    /// log's last registration or collection of it is a registration, with fsck clean.
    @Suite struct CollectionCrashTests {
        /// Whether the log's last registration or collection of `id` is a registration.
        static func logKeeps(_ id: ArtifactID, in registry: Registry) throws -> Bool {
            var present = false
            try registry.journal.forEachEvent(
                .init(types: [.artifactRegistered, .artifactCollected], artifact: id.description)
            ) { present = $0.type == .artifactRegistered }
            return present
        }

        static func checkAgreement(_ registry: Registry, _ ids: [ArtifactID], after point: String) throws {
            for id in ids {
                #expect(try registry.contains(id) == logKeeps(id, in: registry), "\(id) after \(point)")
            }
        }

        @Test(arguments: [
            "append.afterWrite", "append.afterSync", "collect.afterEvent", "collect.afterRename",
            "collect.afterStateChange",
        ])
        func aRemovalKilledAtAnyPointIsFinishedByRecovery(point: String) throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                let registry = try Registry.create(at: root)
                let a = try BundleFixture.registerModel("a", in: registry, under: temp)
                let outcome = try CLIRunner.run(
                    ["rm", a.description, "--registry", root.path], environment: ["MODELREG_CRASH_AT": point])
                #expect(outcome.wasKilled, "the process should die at \(point): \(outcome.stderr)")
                #expect(try Self.logKeeps(a, in: registry) == false, "the event comes first")
                if try registry.contains(a) {
                    let findings = try registry.fsck().findings
                    #expect(findings.map(\.kind) == [.collectedArtifactPresent], "\(findings)")
                }
                let report = try registry.recover()
                #expect(try registry.recover().isClean, "a second recovery finds nothing: \(report)")
                #expect(try !registry.contains(a))
                #expect(try registry.fsck().isClean)
                let names = try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath)
                #expect(names.allSatisfy { !$0.hasPrefix("collected-") }, "\(names)")
                // The same content registers again.
                let again = try registry.register(
                    directory: temp.appendingPathComponent("a"), metadata: ArtifactMetadata(name: "a"))
                #expect(again.isNew && again.artifact.id == a)
            }
        }

        @Test func theNextWriteFinishesARemovalKilledAfterItsEvent() throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                let registry = try Registry.create(at: root)
                let a = try BundleFixture.registerModel("a", in: registry, under: temp)
                let b = try BundleFixture.registerModel("b", in: registry, under: temp)
                let outcome = try CLIRunner.run(
                    ["rm", a.description, "--registry", root.path],
                    environment: ["MODELREG_CRASH_AT": "collect.afterEvent"])
                #expect(outcome.wasKilled)
                #expect(try registry.contains(a))
                try registry.pin(b)
                #expect(try !registry.contains(a), "the writer finished the interrupted removal first")
                #expect(try registry.fsck().isClean)
            }
        }

        @Test(arguments: [
            "append.afterWrite", "pin.afterEvent", "atomic.afterTempWrite", "atomic.afterRename",
            "pin.afterStateChange",
        ])
        func aPinKilledAtAnyPointIsFinishedByRecovery(point: String) throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                let registry = try Registry.create(at: root)
                let a = try BundleFixture.registerModel("a", in: registry, under: temp)
                let outcome = try CLIRunner.run(
                    ["pin", a.description, "--reason", "r", "--registry", root.path],
                    environment: ["MODELREG_CRASH_AT": point])
                #expect(outcome.wasKilled, "the process should die at \(point): \(outcome.stderr)")
                _ = try registry.recover()
                #expect(try registry.recover().isClean)
                #expect(try registry.fsck().isClean)
                #expect(try registry.pinRecord(of: a)?.reason == "r")
                let unpinned = try CLIRunner.run(
                    ["unpin", a.description, "--registry", root.path],
                    environment: ["MODELREG_CRASH_AT": point == "pin.afterEvent" ? point : "pin.afterStateChange"])
                #expect(unpinned.wasKilled)
                _ = try registry.recover()
                #expect(try registry.pinRecord(of: a) == nil)
                #expect(try registry.fsck().isClean)
            }
        }

        @Test(arguments: [
            "gc.afterPlan", "collect.afterEvent", "collect.afterRename", "gc.afterFirstRemoval",
            "collect.afterStateChange",
        ])
        func aCollectionKilledAtAnyPointLeavesEachArtifactAsTheLogSays(point: String) throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                let registry = try Registry.create(at: root)
                let ids = try (0..<3).map { try BundleFixture.registerModel("m\($0)", in: registry, under: temp) }
                let outcome = try CLIRunner.run(
                    ["gc", "--grace", "0", "--apply", "--registry", root.path],
                    environment: ["MODELREG_CRASH_AT": point])
                #expect(outcome.wasKilled, "the process should die at \(point): \(outcome.stderr)")
                _ = try registry.recover()
                #expect(try registry.recover().isClean)
                #expect(try registry.fsck().isClean)
                try Self.checkAgreement(registry, ids, after: point)
                let removed = ids.filter { (try? registry.contains($0)) == false }
                #expect(removed.count == (point == "gc.afterPlan" ? 0 : 1), "\(point)")
                // A second collection finishes the job.
                let rerun = try CLIRunner.run(["gc", "--grace", "0", "--apply", "--registry", root.path])
                #expect(rerun.status == 0, "\(rerun.stderr)")
                #expect(try registry.listArtifacts().isEmpty)
                #expect(try registry.fsck().isClean)
            }
        }
    }
#endif
