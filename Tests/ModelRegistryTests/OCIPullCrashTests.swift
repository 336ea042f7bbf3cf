import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Kills a real `modelreg pull` (from a fake registry, so no real one is needed) with SIGKILL at each of its
    /// crash points: after `recover` the registry is clean and holds the artifact whole or not at all, nothing is
    /// left in `staging/`, and pulling again completes it.
    @Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
    struct OCIPullCrashTests {
        @Test(arguments: [
            "oci.afterPullDownload", "oci.afterImportStaging", "artifact.afterEvent", "oci.afterImportPublish",
            "signature.afterEvent", "evaluation.afterEvent", "alias.afterEvent",
        ])
        func aPullKilledAtAnyPointIsNeverHalfPublished(point: String) throws {
            try withTemporaryDirectory { temp in
                let fixture = try OCILayoutFixture(temp: temp)
                let (_, server) = try fixture.serve("ok")
                let root = temp.appendingPathComponent("target")
                _ = try Registry.create(at: root)
                let reference = try server.reference().description
                try runKilled(["pull", reference, "--alias", "champion", "--registry", root.path], at: point)

                let registry = try fixture.expectRecoveredWholeOrAbsent(at: root, after: point)
                let pulled = try registry.pull(try server.reference(), alias: "champion")
                #expect(pulled.imported.registration.artifact.id == fixture.id)
                #expect(try registry.resolve("champion").artifact == fixture.id)
                try OCILayoutFixture.expectOneEventOfEachKind(registry, point)
                #expect(try registry.fsck().isClean)
            }
        }
    }
#endif
