import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if DEBUG
    /// Issue #14's fault matrix for the network pull: every kind of system call a pull (with `--alias`) makes
    /// through the file-system layer in the registry fails with each of EIO, ENOSPC, EACCES and EROFS, once and for
    /// good (``OCIFaultSweep/matrix(ciKinds:alternatingPersistence:)``: in CI seven kinds, each errno once, at
    /// sampled calls; with `MODELREG_FULL_SWEEP=1` every call of every kind, the combination rotating with the
    /// call; `MODELREG_FULL_SWEEP=exhaustive` every combination at every call). The pull throws a typed
    /// `RegistryError` or succeeds; after `recover`, fsck is clean and a second `recover` finds nothing, the
    /// artifact is whole or absent (the alias absent or on it), nothing is half published in `staging/`; and
    /// pulling again completes it with one event of each kind and no partial download left.
    ///
    /// The full sweep runs best on tmpfs (`TMPDIR=/dev/shm`): each case syncs a dozen files.
    @Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
    struct OCIPullFaultTests {
        /// The kinds CI fails (each errno, once). The full sweep used to end the test process with heap corruption:
        /// a pull that failed right after its downloads left its client to be torn down by an exiting transfer
        /// thread (``ParallelTransferTeardownTests``); fixed.
        static let ciKinds: [SystemCall] = [.open, .write, .fsync, .rename, .mkdir, .flock, .fstat]

        @Test func aPullWhoseSystemCallsFailIsNeverHalfPublished() throws {
            try withTemporaryDirectory { temp in
                let fixture = try OCILayoutFixture(temp: temp)
                let (_, server) = try fixture.serve("ok")
                let reference = try server.reference()
                var options = OCITransferOptions()
                options.looksUpCredentials = false
                var errnos: Set<String> = []
                let (cases, failures) = try OCIFaultSweep.run(
                    in: temp, plan: OCIFaultSweep.matrix(ciKinds: Self.ciKinds),
                    configuration: OCILayoutFixture.trustingConfiguration(),
                    operation: { _ = try $0.pull(reference, alias: "champion", options: options) }
                ) { run in
                    if let thrown = run.thrown {
                        #expect(thrown is RegistryError, "\(run.context): untyped \(thrown)")
                        errnos.insert(OCIFaultSweep.Fault.names[run.fault.errno] ?? "")
                    }
                    try Self.expectSettled(run, fixture: fixture)
                    let registry = run.registry
                    let pulled = try registry.pull(reference, alias: "champion", options: options)
                    #expect(pulled.imported.registration.artifact.id == fixture.id, "\(run.context)")
                    #expect(try registry.resolve("champion").artifact == fixture.id, "\(run.context)")
                    #expect(try registry.verify(fixture.id).isClean, "\(run.context)")
                    try OCILayoutFixture.expectOneEventOfEachKind(registry, run.context)
                    #expect(OCILayoutFixture.partialDownloads(registry) == [], "\(run.context)")
                    #expect(try registry.fsck().isClean, "\(run.context)")
                }
                #expect(failures > 10, "the sweep made pulls fail (\(failures) of \(cases))")
                #expect(errnos == ["EIO", "ENOSPC", "EACCES", "EROFS"], "pulls failed with \(errnos)")
            }
        }

        /// What a faulted pull leaves once `recover` ran: a clean registry holding the artifact whole or not at all.
        private static func expectSettled(_ run: OCIFaultSweep.Case, fixture: OCILayoutFixture) throws {
            let registry = run.registry
            let recovery = try registry.recover()
            let check = try registry.fsck()
            #expect(check.isClean, "\(run.context): \(check.findings) after \(recovery)")
            let second = try registry.secondRecovery()
            #expect(second.isClean, "\(run.context): a second recovery found work: \(second)")
            let present = try registry.listArtifacts()
            #expect(present == [] || present == [fixture.id], "\(run.context): \(present)")
            if present == [fixture.id] {
                #expect(try registry.verify(fixture.id).isClean, "\(run.context)")
            }
            let champion = try registry.aliases.record("champion")?.artifact
            #expect(
                champion == nil || champion == fixture.id, "\(run.context): champion is \(String(describing: champion))"
            )
            #expect(present == [fixture.id] || champion == nil, "\(run.context): an alias to a missing artifact")
            // What is left in staging/ is at most a directory of this (live) process without a lock file: the
            // import's registration parks one it could not remove, and recovery removes it once this process has
            // ended (FORMAT.md §6). Nothing is held, nothing is published.
            let leftovers = OCILayoutFixture.stagingLeftovers(registry)
            #expect(
                leftovers.allSatisfy { $0.hasPrefix("ingest-\(getpid())-") && !$0.hasSuffix(".lock") },
                "\(run.context): \(leftovers)")
        }
    }
#endif
