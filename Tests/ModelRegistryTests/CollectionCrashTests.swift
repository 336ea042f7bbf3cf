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

        /// A new registry at `temp/registry` with a model registered under each of `names` (bundles in `temp`).
        static func makeRegistry(_ temp: URL, models names: [String]) throws -> (
            root: URL, registry: Registry, ids: [ArtifactID]
        ) {
            let root = temp.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            let ids = try names.map { try BundleFixture.registerModel($0, in: registry, under: temp) }
            return (root, registry, ids)
        }

        /// Recovers after a process killed at `point`: a second recovery finds nothing, and fsck is clean.
        static func expectRecovered(
            _ registry: Registry, after point: String, sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let report = try registry.recover()
            #expect(
                try registry.recover().isClean, "\(point): a second recovery finds nothing: \(report)",
                sourceLocation: sourceLocation)
            #expect(try registry.fsck().isClean, "\(point)", sourceLocation: sourceLocation)
        }

        @Test(arguments: [
            "append.afterWrite", "append.afterSync", "collect.afterEvent", "collect.afterRename",
            "collect.afterStateChange",
        ])
        func aRemovalKilledAtAnyPointIsFinishedByRecovery(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, registry, ids) = try Self.makeRegistry(temp, models: ["a"])
                let a = ids[0]
                try runKilled(["rm", a.description, "--registry", root.path], at: point)
                #expect(try Self.logKeeps(a, in: registry) == false, "the event comes first")
                if try registry.contains(a) {
                    let findings = try registry.fsck().findings
                    #expect(findings.map(\.kind) == [.collectedArtifactPresent], "\(findings)")
                }
                try Self.expectRecovered(registry, after: point)
                #expect(try !registry.contains(a))
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
                let (root, registry, ids) = try Self.makeRegistry(temp, models: ["a", "b"])
                let (a, b) = (ids[0], ids[1])
                try runKilled(["rm", a.description, "--registry", root.path], at: "collect.afterEvent")
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
                let (root, registry, ids) = try Self.makeRegistry(temp, models: ["a"])
                let a = ids[0]
                try runKilled(["pin", a.description, "--reason", "r", "--registry", root.path], at: point)
                try Self.expectRecovered(registry, after: point)
                #expect(try registry.pinRecord(of: a)?.reason == "r")
                let unpinPoint = point == "pin.afterEvent" ? point : "pin.afterStateChange"
                try runKilled(["unpin", a.description, "--registry", root.path], at: unpinPoint)
                try Self.expectRecovered(registry, after: unpinPoint)
                #expect(try registry.pinRecord(of: a) == nil)
            }
        }

        @Test(arguments: [
            "gc.afterPlan", "collect.afterEvent", "collect.afterRename", "gc.afterFirstRemoval",
            "collect.afterStateChange",
        ])
        func aCollectionKilledAtAnyPointLeavesEachArtifactAsTheLogSays(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, registry, ids) = try Self.makeRegistry(temp, models: ["m0", "m1", "m2"])
                try runKilled(["gc", "--grace", "0", "--apply", "--registry", root.path], at: point)
                try Self.expectRecovered(registry, after: point)
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
