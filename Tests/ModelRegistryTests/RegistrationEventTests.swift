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
    /// Issue #14, failure 6: a registration whose event could not be appended, and whose artifact could not be
    /// taken back out either, must not end without its event for good.
    @Suite struct RegistrationEventTests {
        /// Registers `bundle` while the audit log refuses writes and `staging/` refuses the rename that would take
        /// the artifact back out (the first rename there, the publishing mark, goes through).
        private func registerWithFailingAppendAndUndo(_ registry: Registry, _ bundle: URL) -> RegistryError? {
            let root = registry.layout
            let append = FaultInjector.shared.inject(.write, errno: ENOSPC, under: root.auditPath + "/")
            let undo = FaultInjector.shared.inject(.rename, errno: EROFS, under: root.stagingPath + "/", after: 1)
            defer {
                FaultInjector.shared.remove(append)
                FaultInjector.shared.remove(undo)
            }
            do {
                _ = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m"))
                return nil
            } catch {
                return error as? RegistryError
            }
        }

        private func registrations(_ registry: Registry, of id: ArtifactID) throws -> Int {
            var count = 0
            try registry.journal.forEachEvent(.init(types: [.artifactRegistered], artifact: id.description)) { _ in
                count += 1
            }
            return count
        }

        @Test func aRetriedRegistrationAppendsTheEventTheFailedOneCouldNotWrite() throws {
            try withTemporaryDirectory { temp in
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("b"))
                let error = try #require(registerWithFailingAppendAndUndo(registry, bundle))
                #expect(error.code == .noSpace)
                #expect(error.message.contains("recover"), "the error must say how it is settled: \(error.message)")
                let id = try #require(try registry.listArtifacts().first, "the artifact stays published")
                #expect(try registrations(registry, of: id) == 0)

                let retry = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m"))
                #expect(retry.artifact.id == id)
                #expect(retry.isNew, "the retry wrote the registration event, so it reports a new registration")
                #expect(try registrations(registry, of: id) == 1)
                #expect(try registry.fsck().isClean)

                let again = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m"))
                #expect(!again.isNew)
                #expect(try registrations(registry, of: id) == 1)
            }
        }

        /// The publishing rename happened but `artifacts/` could not be synced: the registration fails, and either
        /// nothing is registered or the error says `recover` settles it.
        @Test(arguments: [false, true])
        func aRegistrationWhoseArtifactsDirectoryCannotBeSyncedLeavesNothingOrSaysRecoverSettlesIt(persistent: Bool)
            throws
        {
            try withTemporaryDirectory { temp in
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("b"))
                let token = FaultInjector.shared.inject(
                    .fsync, errno: EIO, under: registry.layout.artifactsPath, times: persistent ? .max : 1)
                let error = try #require(throws: RegistryError.self) {
                    try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m"))
                }
                FaultInjector.shared.remove(token)
                #expect(error.code == .io)
                if !error.message.contains("recover") {
                    #expect(try registry.listArtifacts().isEmpty, "a failed registration left its artifact: \(error)")
                }
                let report = try registry.recover()
                let artifacts = try registry.listArtifacts()
                var events = 0
                try registry.journal.forEachEvent { if $0.type == .artifactRegistered { events += 1 } }
                #expect(events == artifacts.count, "after \(report)")
                #expect(try registry.fsck().isClean)
                // A retry registers it once.
                let retry = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m"))
                #expect(try registrations(registry, of: retry.artifact.id) == 1)
                #expect(try registry.fsck().isClean)
            }
        }

        @Test func recoveryRegistersAnArtifactWhoseAppendAndUndoBothFailed() throws {
            try withTemporaryDirectory { temp in
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("b"))
                _ = try #require(registerWithFailingAppendAndUndo(registry, bundle))
                let id = try #require(try registry.listArtifacts().first)
                let report = try registry.recover()
                #expect(report.appendedEvents.map(\.type) == [.artifactRegistered])
                #expect(try registrations(registry, of: id) == 1)
                #expect(try registry.fsck().isClean)
            }
        }
    }
#endif
