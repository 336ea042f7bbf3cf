import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11, eviction: an artifact's bytes go while its manifest, signatures and history stay; lookups say it is
/// evicted and where from; `openForLoading` fetches it back on demand.
@Suite struct EvictionTests {
    @Test func evictionDropsTheBytesAndKeepsManifestSignaturesStateAndHistory() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            try registry.sign(fixture.id, with: FakeSigner(name: "release"))
            try registry.setState(fixture.id, to: .candidate)
            let record = try registry.evict(fixture.id)
            #expect(record.remote == "mirror" && record.url == "file://" + fixture.remoteRoot.path && !record.forced)
            #expect(fixture.presentFiles().isEmpty, "every bundle file is gone")
            #expect(!FileManager.default.fileExists(atPath: fixture.directory() + "/config"), "its directory too")
            #expect(FileManager.default.fileExists(atPath: registry.layout.manifestPath(of: fixture.id)))
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: registry.layout.signaturesPath(of: fixture.id))
                    .count == 1)
            #expect(try registry.state(of: fixture.id) == .candidate)
            #expect(try registry.eviction(of: fixture.id) == record)
            #expect(try fixture.eventTypes().suffix(2) == ["state_changed", "artifact_evicted"])
            #expect(try registry.fsck(depth: .full).isClean, "an evicted artifact's missing files are not damage")
            #expect(try registry.recover().isClean)
            // Evicting again changes nothing.
            #expect(try registry.evict(fixture.id) == record)
            #expect(try fixture.eventTypes().filter { $0 == "artifact_evicted" }.count == 1)
        }
    }

    @Test func lookupsSayTheArtifactIsEvictedAndWhereToFetchIt() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            try registry.evict(fixture.id)
            let error = try #require(throws: RegistryError.self) { try registry.artifact(fixture.id) }
            #expect(error.code == .evicted)
            #expect(error.message.contains("mirror") && error.message.contains("modelreg fetch"), "\(error.message)")
            // The manifest stays readable through the store.
            #expect(try registry.artifacts.artifact(fixture.id).manifest.files.count == 2)
            let report = try registry.verify(fixture.id, depth: .full)
            #expect(report.findings.map(\.kind) == [.evicted], "\(report.findings)")
            #expect(report.findings.first?.message.contains("mirror") == true)
            let readOnly = try Registry.open(at: fixture.root, forWriting: false)
            let refused = try #require(throws: RegistryError.self) { try readOnly.openForLoading(artifact: fixture.id) }
            #expect(refused.code == .evicted)
            #expect(refused.message.contains("modelreg fetch") && refused.message.contains("for writing"))
            #expect(fixture.presentFiles().isEmpty, "a read-only registry fetches nothing")
        }
    }

    @Test func anEvictedArtifactIsFetchedBackOnOpenForLoading() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            try registry.promote("champion", to: fixture.id)
            try registry.evict(fixture.id)
            let loaded = try registry.openForLoading(alias: "champion")
            let fetched = try #require(loaded.fetched, "the load says it fetched the artifact")
            #expect(fetched.remote?.name == "mirror" && fetched.files == 2 && fetched.event != nil)
            #expect(fetched.bytes == Int64(EvictionFixture.weights.count + 11))
            #expect(loaded.artifact.id == fixture.id && loaded.verification.isClean)
            #expect(fixture.holdsOriginalBytes())
            #expect(try registry.eviction(of: fixture.id) == nil)
            #expect(try registry.openForLoading(alias: "champion").fetched == nil, "the second load fetches nothing")
            #expect(try fixture.eventTypes().suffix(2) == ["artifact_evicted", "artifact_fetched"])
            #expect(try registry.fsck(depth: .full).isClean)
            #expect(fixture.stagingEntries().isEmpty, "\(fixture.stagingEntries())")
        }
    }

    @Test func fetchBringsTheBytesBackAndFetchingAResidentArtifactChangesNothing() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            let idle = try registry.fetch(fixture.id)
            #expect(idle.event == nil && idle.files == 0)
            try registry.evict(fixture.id)
            let report = try registry.fetch(fixture.id, from: "mirror")
            #expect(report.event?.type == .artifactFetched)
            #expect(fixture.holdsOriginalBytes())
            #expect(try registry.verify(fixture.id, depth: .full).isClean)
            let readOnly = try Registry.open(at: fixture.root, forWriting: false)
            #expect(throws: RegistryError.self) { try readOnly.fetch(fixture.id) }
        }
    }

    @Test func evictionIsRefusedUnlessTheRemoteHoldsTheArtifactAndForceSkipsTheCheck() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp, addRemote: false)
            let registry = fixture.registry
            let none = try #require(throws: RegistryError.self) { try registry.evict(fixture.id) }
            #expect(none.code == .remoteUnavailable && none.message.contains("remote add"), "\(none.message)")
            // A registry that does not hold the artifact.
            let empty = temp.appendingPathComponent("empty")
            _ = try Registry.create(at: empty)
            try registry.addRemote(name: "empty", url: "file://" + empty.path)
            let missing = try #require(throws: RegistryError.self) { try registry.evict(fixture.id) }
            #expect(missing.code == .remoteUnavailable && missing.message.contains("force"), "\(missing.message)")
            let unknown = try #require(throws: RegistryError.self) { try registry.evict(fixture.id, remote: "nope") }
            #expect(unknown.code == .notFound)
            #expect(fixture.holdsOriginalBytes(), "a refused eviction removes nothing")
            #expect(try !fixture.eventTypes().contains("artifact_evicted"))
            // Two remotes and none named: the caller must say which.
            try registry.addRemote(name: "mirror", url: fixture.remoteRoot.path)
            let ambiguous = try #require(throws: RegistryError.self) { try registry.evict(fixture.id) }
            #expect(ambiguous.code == .invalidArgument && ambiguous.message.contains("--remote"))
            let forced = try registry.evict(fixture.id, remote: "empty", force: true)
            #expect(forced.forced && forced.remote == "empty")
            #expect(fixture.presentFiles().isEmpty)
            // Fetching from the recorded remote fails (it does not hold it); the named one works.
            let failed = try #require(throws: RegistryError.self) { try registry.fetch(fixture.id) }
            #expect(failed.code == .remoteUnavailable)
            #expect(fixture.presentFiles().isEmpty && fixture.stagingEntries().isEmpty)
            try registry.fetch(fixture.id, from: "mirror")
            #expect(fixture.holdsOriginalBytes())
        }
    }

    @Test func anArtifactEvictedFromARemovedRemoteIsFetchedFromItsRecordedURL() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            try registry.evict(fixture.id)
            try registry.removeRemote("mirror")
            #expect(try registry.remotes().isEmpty)
            let loaded = try registry.openForLoading(artifact: fixture.id)
            #expect(loaded.fetched?.remote?.url == "file://" + fixture.remoteRoot.path)
            #expect(fixture.holdsOriginalBytes())
            #expect(try registry.fsck().isClean)
        }
    }

    @Test func anAliasCanBePromotedAndRolledBackToAnEvictedArtifact() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            let newer = try BundleFixture.registerModel("newer", in: registry, under: temp)
            try registry.promote("champion", to: fixture.id)
            try registry.promote("champion", to: newer)
            try registry.evict(fixture.id)
            // The emergency lever works although the bytes are elsewhere; loading fetches them.
            try registry.rollback("champion", reason: "newer misbehaves")
            #expect(try registry.resolve("champion").artifact == fixture.id)
            #expect(try registry.openForLoading(alias: "champion").fetched != nil)
            try registry.evict(fixture.id)
            try registry.promote("canary", to: fixture.id)
            #expect(try registry.resolve("canary").artifact == fixture.id)
        }
    }

    @Test func theDocumentsTheRegistryReadsStayWhenAnArtifactIsEvicted() throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("local")
            let registry = try Registry.create(at: root)
            let parent = try BundleFixture.registerModel("base", in: registry, under: temp)
            let lineage = Array(#"{"parents":["\#(parent)"]}"#.utf8)
            let bundle = try BundleFixture.write(
                [
                    "weights.bin": BundleFixture.randomBytes(count: 5000, seed: 2), "lineage.json": lineage,
                    "evaluation-card.json": Array(BundleFixture.evaluationCard(["accuracy": 0.9]).utf8),
                    "contract.json": Array(BundleFixture.contract().utf8),
                ], to: temp.appendingPathComponent("child"))
            let id = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "child")).artifact.id
            let remote = temp.appendingPathComponent("remote")
            try EvictionFixture.copyTree(root, to: remote)
            try registry.addRemote(name: "mirror", url: remote.path)
            var rule = PromotionPolicy.Rule(aliases: "*-prod")
            rule.requireEvaluationCard = true
            rule.requireContract = true
            try registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
            try registry.evict(id)
            let directory = registry.layout.artifactPath(id)
            let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(left == ["contract.json", "evaluation-card.json", "lineage.json", "manifest.json"], "\(left)")
            // Lineage, card metrics and the policy's documents are read as before, also after an index rebuild.
            try registry.rebuildIndexes()
            #expect(try registry.lineage(of: id, direction: .ancestors).map(\.id) == [parent])
            #expect(try registry.evaluationCard(of: id)?.metrics["accuracy"] == 0.9)
            #expect(try registry.checkPromotion("child-prod", to: id).isEmpty)
            #expect(try registry.fsck(depth: .full).isClean)
            // A kept document that changed is reported, evicted or not.
            let card = directory + "/evaluation-card.json"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: card)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: card))
            let kinds = Set(try registry.verify(id, depth: .full).findings.map(\.kind))
            #expect(kinds == [.evicted, .sizeMismatch], "\(kinds)")
        }
    }

    @Test func aForcedEvictionWithoutAnyRemoteIsRecordedWithoutOne() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp, addRemote: false)
            let record = try fixture.registry.evict(fixture.id, force: true)
            #expect(record.forced && record.remote == nil && record.url == nil)
            let error = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            #expect(
                error.code == .remoteUnavailable && error.message.contains("recorded no remote"), "\(error.message)")
            #expect(try fixture.registry.fsck().isClean)
        }
    }

    @Test func aDeduplicatedFileSharedWithAnotherArtifactLosesOneLinkOnly() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            let other = try BundleFixture.write(
                ["weights.bin": EvictionFixture.weights, "head.bin": [9, 9]], to: temp.appendingPathComponent("other"))
            let registration = try registry.register(directory: other, metadata: ArtifactMetadata(name: "other"))
            #expect(registration.deduplicated == ["weights.bin"])
            let shared = registry.layout.artifactPath(registration.artifact.id) + "/weights.bin"
            let before = try #require(try FileManager.default.attributesOfItem(atPath: shared)[.referenceCount] as? Int)
            try registry.evict(fixture.id)
            let after = try #require(try FileManager.default.attributesOfItem(atPath: shared)[.referenceCount] as? Int)
            #expect(after == before - 1)
            #expect(try registry.verify(registration.artifact.id, depth: .full).isClean)
            try registry.fetch(fixture.id)
            #expect(try registry.fsck(depth: .full).isClean)
        }
    }

    @Test func theAsyncTwinsEvictAndFetch() async throws {
        try await withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp, addRemote: false)
            let registry = fixture.registry
            try await registry.addRemote(name: "mirror", url: fixture.remoteRoot.path)
            #expect(try await registry.remotes().map(\.name) == ["mirror"])
            try await registry.evict(fixture.id, remote: "mirror")
            #expect(try await registry.eviction(of: fixture.id) != nil)
            let report = try await registry.fetch(fixture.id)
            #expect(report.files == 2)
            try await registry.removeRemote("mirror")
            #expect(try await registry.remotes().isEmpty)
        }
    }
}
