import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Issue #14's per-call crash sweep for the network pull: a real `modelreg pull --alias champion` is killed
    /// before its n-th call through the file-system layer (`MODELREG_CRASH_AT_CALL=n`, ``SystemCallCrashLoop``),
    /// not only at its named points (``OCIPullCrashTests``). It pulls from the fake registry the other OCI tests use,
    /// or from the real one when `MODELREG_TEST_OCI_REGISTRY` names it (the fixture is pushed there first). After
    /// every kill: `recover`, then fsck is clean, the artifact is whole (verified) or absent, the alias absent or on
    /// it, nothing left in `staging/` but partial downloads, and pulling again completes it with one event of each
    /// kind, the alias on it and no partial download left. `recover` itself is then killed before each of its calls
    /// on a copy the pull's crash left work for, with the same checks.
    ///
    /// Runtime: CI kills every `stride`-th call (recovery every `recoveryStride`-th); `MODELREG_FULL_SWEEP=1` kills
    /// before every call.
    @Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
    struct OCIPullCrashSweepTests {
        static let stride = 23
        static let recoveryStride = 11

        @Test func aPullKilledBeforeAnySystemCallIsNeverHalfPublished() throws {
            try withTemporaryDirectory { temp in
                let fixture = try OCILayoutFixture(temp: temp)
                let (_, server) = try fixture.serve("ok")
                defer { server.stop() }  // serves until the sweep ends
                var options = OCITransferOptions()
                options.looksUpCredentials = false
                var reference = try server.reference()
                var environment: [String: String] = [:]
                if OCITestRegistry.address != nil {
                    reference = try OCITestRegistry.repository("champion")
                    _ = try fixture.registry.push("champion", to: reference, options: OCITestRegistry.options)
                    options = OCITestRegistry.options
                    environment = OCITestRegistry.cliEnvironment
                }
                let directory = try SystemCallCrashLoop.makeDirectory("fixture", in: temp)
                _ = try Registry.create(at: directory.appendingPathComponent("registry"))

                var loop = try SystemCallCrashLoop(
                    fixture: directory, runsIn: temp,
                    arguments: ["pull", reference.description, "--alias", "champion", "--registry", "registry"],
                    stride: Self.stride, recoveryStride: Self.recoveryStride)
                loop.environment = environment
                let outcomes = try loop.sweepOperationAndRecovery(killedMoreThan: 10) { run, label in
                    try Self.expectSettledAndRetry(
                        run.appendingPathComponent("registry"), fixture: fixture, reference: reference,
                        options: options, context: label)
                }
                #expect(outcomes == ["absent", "whole"], "the kills left the artifact \(outcomes)")
            }
        }

        /// Recovers the registry at `root`, checks what a killed pull may leave, pulls again and checks that it
        /// completed. Returns whether the artifact was `whole` or `absent` after recovery.
        private static func expectSettledAndRetry(
            _ root: URL, fixture: OCILayoutFixture, reference: OCIReference, options: OCITransferOptions,
            context: String
        ) throws -> String {
            let registry = try Registry.open(at: root, configuration: OCILayoutFixture.trustingConfiguration())
            let recovery = try registry.recover()
            let check = try registry.fsck()
            #expect(check.isClean, "\(context): \(check.findings) after \(recovery)")
            #expect(try registry.secondRecovery().isClean, "\(context): a second recovery found work")
            let present = try registry.listArtifacts()
            #expect(present == [] || present == [fixture.id], "\(context): \(present)")
            if present == [fixture.id] { #expect(try registry.verify(fixture.id).isClean, "\(context)") }
            let champion = try registry.aliases.record("champion")?.artifact
            #expect(
                champion == nil || champion == fixture.id, "\(context): champion is \(String(describing: champion))")
            #expect(present == [fixture.id] || champion == nil, "\(context): an alias to a missing artifact")
            #expect(
                OCILayoutFixture.stagingLeftovers(registry).isEmpty,
                "\(context): \(OCILayoutFixture.stagingLeftovers(registry))")

            let pulled = try registry.pull(reference, alias: "champion", options: options)
            #expect(pulled.imported.registration.artifact.id == fixture.id, "\(context)")
            #expect(try registry.resolve("champion").artifact == fixture.id, "\(context)")
            #expect(try registry.verify(fixture.id).isClean, "\(context)")
            try OCILayoutFixture.expectOneEventOfEachKind(registry, context)
            #expect(OCILayoutFixture.partialDownloads(registry) == [], "\(context)")
            #expect(OCILayoutFixture.stagingLeftovers(registry).isEmpty, "\(context)")
            #expect(try registry.fsck().isClean, "\(context)")
            return present.isEmpty ? "absent" : "whole"
        }
    }
#endif
