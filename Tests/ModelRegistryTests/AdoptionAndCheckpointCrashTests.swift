import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Issue #14: `adopt` and the checkpoint note's write killed at each of their crash points; after `recover` the
    /// registry is clean and the operation is either applied or absent, never half-done (an adoption is
    /// applied from its event on, and every crash point of one comes after it).
    @Suite struct AdoptionAndCheckpointCrashTests {
        /// A registry holding one artifact copied into `artifacts/` with no registration event.
        private func makeRegistryWithUnregisteredArtifact(_ temp: URL) throws -> (URL, ArtifactID) {
            let root = temp.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            let bundle = try BundleFixture.write(
                ["w.bin": BundleFixture.randomBytes(count: 5000, seed: 7)], to: temp.appendingPathComponent("b"))
            let stored = try registry.artifacts.register(directory: bundle, metadata: ArtifactMetadata(name: "x"))
            return (root, stored.artifact.id)
        }

        @Test(arguments: [
            "adoption.afterStateChange", "append.afterWrite", "append.afterSync", "adoption.afterEvent",
        ])
        func anAdoptionKilledAtAnyPointIsAppliedOrAbsent(point: String) throws {
            try withTemporaryDirectory { temp in
                let (root, id) = try makeRegistryWithUnregisteredArtifact(temp)
                try runKilled(["adopt", id.description, "--registry", root.path], at: point)

                let registry = try Registry.open(at: root)
                let report = try registry.recover()
                #expect(try registry.journal.verify().isClean, "\(report)")
                var registrations = 0
                try registry.journal.forEachEvent(.init(types: [.artifactRegistered], artifact: id.description)) {
                    _ in registrations += 1
                }
                // An adoption writes its event first and has no file to write after it (FORMAT.md §9.4): every
                // point lies after the event's line was written, so the adoption counts, exactly once.
                #expect(registrations == 1, "\(point)")
                let integrity = try registry.fsck()
                #expect(integrity.isClean, "\(point):\n\(integrity)")
                #expect(try registry.contains(id))
                #expect(try registry.adopt(id) == nil, "a second adoption finds it registered")
            }
        }

        @Test(arguments: [
            "atomic.afterTempWrite", "atomic.afterTempSync", "atomic.afterRename", "atomic.afterDirectorySync",
        ])
        func aCheckpointKilledAtAnyPointIsCompleteOrAbsent(point: String) throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                _ = try BundleFixture.registerModel("a", in: try Registry.create(at: root), under: temp)
                let key = temp.appendingPathComponent("log.key").path
                #expect(try CLIRunner.run(["keygen", key]).status == 0)
                try runKilled(["checkpoint", "--key", key, "--registry", root.path], at: point)

                let trusted = try KeyFiles.loadPublicKey(at: key + ".pub")
                let registry = try Registry.open(
                    at: root, configuration: .init(trust: TrustStore(verifiers: [trusted])))
                let report = try registry.recover()
                #expect(try registry.journal.verify().isClean, "\(report)")
                let sizes = try registry.checkpoints().map(\.size)
                // Before the rename nothing is there; from the rename on the note is complete.
                let renamed = point == "atomic.afterRename" || point == "atomic.afterDirectorySync"
                #expect(sizes == (renamed ? [1] : []), "\(point): \(sizes)")
                let fsck = try registry.fsck(depth: .trust)
                #expect(fsck.isClean, "\(point):\n\(fsck)")
                #expect(fsck.unanchoredEvents == (renamed ? 0 : 1))
            }
        }
    }
#endif
