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
    /// Every system call a pull makes through the file-system layer in the registry fails in turn (EIO once): the
    /// pull fails with an error leaving nothing half published — after `recover`, fsck is clean, the artifact is
    /// whole or absent and `staging/` is empty — or succeeds; and pulling again completes it.
    @Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
    struct OCIPullFaultTests {
        static let calls: [SystemCall] = [.open, .write, .fsync, .rename, .mkdir, .flock]

        @Test func aPullWhoseSystemCallsFailIsNeverHalfPublished() throws {
            try withTemporaryDirectory { temp in
                let fixture = try OCILayoutFixture(temp: temp)
                let (_, server) = try fixture.serve("ok")
                var options = OCITransferOptions()
                options.looksUpCredentials = false
                var cases = 0
                var failures = 0
                for call in Self.calls {
                    for k in 0..<400 {
                        cases += 1
                        let root = temp.appendingPathComponent("case-\(cases)")
                        let registry = try Registry.create(
                            at: root, configuration: OCILayoutFixture.trustingConfiguration())
                        let token = FaultInjector.shared.inject(call, errno: EIO, under: root.path + "/", after: k)
                        do {
                            _ = try registry.pull(try server.reference(), options: options)
                        } catch {
                            failures += 1
                        }
                        let fired = FaultInjector.shared.hasFired(token)
                        FaultInjector.shared.remove(token)
                        let context = "\(call) after \(k)"
                        let recovery = try registry.recover()
                        let check = try registry.fsck()
                        #expect(check.isClean, "\(context): \(check.findings) after \(recovery)")
                        let present = try registry.listArtifacts()
                        #expect(present == [] || present == [fixture.id], "\(context): \(present)")
                        // What is left in staging/ is at most a directory of this (live) process without a lock
                        // file: the import's registration parks one it could not remove, and recovery removes it
                        // once this process has ended (FORMAT.md §6). Nothing is held, nothing is published.
                        let leftovers = OCILayoutFixture.stagingLeftovers(registry)
                        #expect(
                            leftovers.allSatisfy { $0.hasPrefix("ingest-\(getpid())-") && !$0.hasSuffix(".lock") },
                            "\(context): \(leftovers)")
                        let pulled = try registry.pull(try server.reference(), options: options)
                        #expect(pulled.imported.registration.artifact.id == fixture.id, "\(context)")
                        #expect(try registry.fsck().isClean, "\(context)")
                        if !fired { break }
                    }
                }
                #expect(failures > 10, "the sweep made pulls fail (\(failures) of \(cases))")
            }
        }
    }
#endif
