import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue #11, `rm`: one artifact removed on the write path — refused while something holds it, audited as
/// `artifact_collected`, taken out of the index, and publishable again.
@Suite struct RemovalTests {
    /// A registry with `a` and `b`, both registered under `temp`.
    private func withTwo(_ body: (Registry, ArtifactID, ArtifactID, URL) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let a = try BundleFixture.registerModel("a", in: registry, under: temp)
            let b = try BundleFixture.registerModel("b", in: registry, under: temp)
            try body(registry, a, b, temp)
        }
    }

    private func events(_ registry: Registry) throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        try registry.journal.forEachEvent { events.append($0) }
        return events
    }

    @Test func removalIsRefusedWhileAnythingHoldsItAndEveryHolderIsNamed() throws {
        try withTwo { registry, a, b, _ in
            try registry.promote("champion", to: a)
            try registry.promote("champion", to: b)  // a is now in champion's rollback history
            try registry.setState(b, to: .production)
            try registry.pin(b, reason: "paper")
            let before = try events(registry).count
            let onA = try #require(throws: RegistryError.self) { try registry.remove(a) }
            #expect(onA.code == .inUse)
            #expect(onA.message.contains("alias champion's history (rollback target)"), "\(onA.message)")
            let onB = try #require(throws: RegistryError.self) { try registry.remove(b) }
            #expect(onB.code == .inUse)
            for holder in ["alias champion", "state production", "pin (paper)"] {
                #expect(onB.message.contains(holder), "\(holder) missing from: \(onB.message)")
            }
            #expect(try events(registry).count == before, "a refused removal writes nothing")
            #expect(try registry.contains(a) && registry.contains(b))
            #expect(try registry.holds(of: b).map(\.kind) == [.alias, .state, .pin])
        }
    }

    @Test func anUnheldArtifactIsRemovedAuditedAndDroppedFromTheIndex() throws {
        try withTwo { registry, a, _, _ in
            #expect(try registry.index.summary(of: a) != nil)
            let removal = try registry.remove(a, actor: "cleaner")
            #expect(removal.overridden.isEmpty)
            #expect(removal.bytesFreed > 0)
            #expect(try !registry.contains(a))
            let event = try #require(try events(registry).last)
            #expect(event.type == .artifactCollected && event.actor == "cleaner")
            let payload = try #require(try event.decode(ArtifactCollected.self))
            #expect(payload.artifact == a && payload.reason == .removed && !payload.forced)
            #expect(payload.bytesFreed == removal.bytesFreed && payload.name == "a")
            #expect(try registry.index.summary(of: a) == nil, "the incremental index update drops it")
            #expect(try registry.query(IndexQuery(name: "a")).isEmpty)
            #expect(try registry.rebuildIndexes().summaryCount == 1)
            #expect(try registry.fsck().isClean, "a collected artifact is not missing")
            #expect(try registry.recover().isClean)
            let staging = try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath)
            #expect(staging.allSatisfy { !$0.hasPrefix("collected-") }, "the renamed directory is deleted: \(staging)")
            #expect(try #require(throws: RegistryError.self) { try registry.remove(a) }.code == .notFound)
        }
    }

    @Test func aForcedRemovalRecordsWhatItOverrodeAndTheAliasSaysItsTargetWasRemoved() throws {
        try withTwo { registry, a, _, _ in
            try registry.promote("champion", to: a)
            try registry.pin(a)
            let removal = try registry.remove(a, force: true)
            #expect(removal.overridden.map(\.description) == ["alias champion", "pin"])
            let payload = try #require(try events(registry).last?.decode(ArtifactCollected.self))
            #expect(payload.forced && payload.holds == ["alias:champion", "pin"])
            let error = try #require(throws: RegistryError.self) { try registry.resolve("champion") }
            #expect(error.code == .notFound)
            #expect(error.message.contains("which was removed (removed, forced"), "\(error.message)")
            let fsck = try registry.fsck()
            #expect(fsck.findings.map(\.kind) == [.danglingAlias], "\(fsck)")
            #expect(fsck.findings.first?.message.contains("removed by audit event") == true)
            #expect(try registry.pinRecord(of: a) != nil, "the pin stays until unpinned (a view of the log)")
            #expect(try registry.unpin(a) != nil)
        }
    }

    @Test func reRegisteringRemovedContentPublishesItAgainWithANewEvent() throws {
        try withTwo { registry, a, _, temp in
            let bundle = temp.appendingPathComponent("a")
            // The unchanged-source shortcut must not answer "already registered" for removed content.
            #expect(try !registry.register(directory: bundle, metadata: ArtifactMetadata(name: "a")).isNew)
            try registry.remove(a)
            let again = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "a"))
            #expect(again.isNew && again.artifact.id == a)
            let kinds = try events(registry).filter { $0.artifactIDs.contains(a.description) }.map(\.type)
            #expect(kinds == [.artifactRegistered, .artifactCollected, .artifactRegistered])
            #expect(try registry.index.summary(of: a)?.registrationSequence == events(registry).last?.sequence)
            #expect(try registry.fsck(depth: .full).isClean)
            #expect(try registry.rebuildIndexes().summaryCount == 2)
        }
    }

    @Test func signaturesGoWithTheirArtifactAndDoNotComeBackWhenItIsRegisteredAgain() throws {
        try withTwo { registry, a, _, temp in
            try registry.sign(a, with: FakeSigner(name: "release"))
            try registry.remove(a)
            let bundle = temp.appendingPathComponent("a")
            #expect(try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "a")).isNew)
            // The log's signature_added came before the removal: it no longer describes a file.
            #expect(try registry.signatures.files(of: a).isEmpty)
            let integrity = try registry.fsck()
            #expect(integrity.isClean, "\(integrity)")
            #expect(try registry.recover().isClean)
            #expect(try registry.signatures.files(of: a).isEmpty, "recovery must not bring a removed signature back")
        }
    }

    @Test func aRemovedArtifactPutBackByHandIsReportedNeverDeletedByTheNextWrite() throws {
        try withTwo { registry, a, b, temp in
            let directory = registry.layout.artifactPath(a)
            let copy = temp.appendingPathComponent("copy-of-a").path
            #expect(CLIRunner.succeeds("/bin/cp", ["-a", directory, copy]))
            try registry.remove(a)
            #expect(CLIRunner.succeeds("/bin/cp", ["-a", copy, directory]))  // someone puts it back
            try registry.pin(b, reason: "the next write")  // completes only a removal in flight
            #expect(FileManager.default.fileExists(atPath: directory + "/manifest.json"))
            let report = try registry.recover()
            #expect(report.unresolved.contains { $0.kind == .collectedArtifactPresent }, "\(report)")
            #expect(FileManager.default.fileExists(atPath: directory + "/manifest.json"), "recovery must not delete it")
            // Registering it again is the user's call.
            #expect(try registry.adopt(a) != nil)
            #expect(try registry.fsck().isClean)
        }
    }

    @Test func deduplicationNeverLinksToTheFilesOfARemovedArtifact() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let weights = BundleFixture.randomBytes(count: 200_000, seed: 7)
            let first = try BundleFixture.write(["w.bin": weights], to: temp.appendingPathComponent("first"))
            let second = try BundleFixture.write(
                ["w.bin": weights, "other.txt": [1]], to: temp.appendingPathComponent("second"))
            let a = try registry.register(directory: first, metadata: ArtifactMetadata(name: "a")).artifact.id
            try registry.remove(a)
            let b = try registry.register(directory: second, metadata: ArtifactMetadata(name: "b"))
            #expect(b.deduplicated.isEmpty, "nothing of a is left to link to")
            #expect(try registry.fsck(depth: .full).isClean)
            let blobs = try String(
                contentsOfFile: registry.layout.indexesPath + "/blobs/sha256/"
                    + String(SHA256Algorithm().hash(weights).hex.prefix(2)) + "/"
                    + SHA256Algorithm().hash(weights).hex + ".json", encoding: .utf8)
            #expect(!blobs.contains(a.description), "the removed artifact is no holder: \(blobs)")
        }
    }

    @Test func aRegistrationThatLinksToAFileOfAnArtifactBeingCollectedStillPublishesWholeBytes() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let weights = BundleFixture.randomBytes(count: 300_000, seed: 11)
            let first = try BundleFixture.write(["w.bin": weights], to: temp.appendingPathComponent("first"))
            let second = try BundleFixture.write(
                ["w.bin": weights, "extra.txt": [2]], to: temp.appendingPathComponent("second"))
            let a = try registry.register(directory: first, metadata: ArtifactMetadata(name: "a")).artifact.id
            // Just before the deduplicating link, the artifact it links from is collected.
            let trigger = FaultInjector.shared.perform(
                { _ = try? registry.remove(a) }, before: .link, under: registry.layout.stagingPath + "/")
            defer { FaultInjector.shared.remove(trigger) }
            let b = try registry.register(directory: second, metadata: ArtifactMetadata(name: "b"))
            #expect(FaultInjector.shared.hasFired(trigger))
            #expect(try !registry.contains(a))
            let stored = try Data(contentsOf: b.artifact.directory.appendingPathComponent("w.bin"))
            #expect(Array(stored) == weights)
            #expect(try registry.verify(b.artifact.id, depth: .full).isClean)
            #expect(try registry.fsck(depth: .full).isClean)
        }
    }

    @Test func anIngestInProgressThatSharesItsFilesHoldsIt() throws {
        try withTwo { registry, a, _, _ in
            let lease = try StagingLease.create(in: registry.layout.stagingPath, prefix: "ingest-")
            defer {
                try? FileManager.default.removeItem(atPath: lease.directory)
                lease.release()
            }
            _ = link(registry.layout.artifactPath(a) + "/weights.bin", lease.directory + "/weights.bin")
            let error = try #require(throws: RegistryError.self) { try registry.remove(a) }
            #expect(error.code == .inUse)
            #expect(error.message.contains("live staging lease staging/ingest-"), "\(error.message)")
            try FileManager.default.removeItem(atPath: lease.directory)  // published or discarded
            lease.release()
            #expect(try registry.holds(of: a).isEmpty, "a released lease holds nothing")
        }
    }

    @Test func asyncRemoveAndHoldsMatchTheBlockingOnes() async throws {
        try await withTemporaryDirectory { temp in
            let registry = try await Registry.create(at: temp.appendingPathComponent("registry"))
            let a = try BundleFixture.registerModel("a", in: registry, under: temp)
            try await registry.pin(a)
            #expect(try await registry.holds(of: a).map(\.kind) == [.pin])
            try await registry.unpin(a)
            let removal = try await registry.remove(a)
            #expect(removal.artifact == a)
            #expect(try await registry.pinRecord(of: a) == nil)
        }
    }
}
