import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11, eviction against hostile or broken input: a remote whose manifest lies or whose bytes differ, links
/// escaping the remote's artifact directory, a missing or unreachable remote, damaged eviction files. Each gives
/// a clear typed error, publishes nothing and leaves nothing in `artifacts/` or `staging/`.
@Suite struct EvictionHostileInputTests {
    /// Checks that a failed fetch left the artifact evicted, its directory without bundle files, staging empty
    /// and the registry consistent.
    private func expectNothingPublished(_ fixture: EvictionFixture, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        #expect(fixture.presentFiles().isEmpty, "nothing published", sourceLocation: sourceLocation)
        #expect(try fixture.registry.eviction(of: fixture.id) != nil, sourceLocation: sourceLocation)
        #expect(fixture.stagingEntries().isEmpty, "\(fixture.stagingEntries())", sourceLocation: sourceLocation)
        #expect(try !fixture.eventTypes().contains("artifact_fetched"), sourceLocation: sourceLocation)
        #expect(try fixture.registry.fsck().isClean, sourceLocation: sourceLocation)
    }

    @Test func aRemoteWhoseManifestLiesIsNotTrustedForEviction() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let manifest = fixture.directory(in: fixture.remoteRoot) + "/manifest.json"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: manifest)
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: manifest)))
            bytes[bytes.count - 2] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: manifest))
            let error = try #require(throws: RegistryError.self) { try fixture.registry.evict(fixture.id) }
            #expect(error.code == .digestMismatch && error.message.contains("mirror"), "\(error.message)")
            #expect(error.message.contains("not evicted"))
            #expect(fixture.holdsOriginalBytes())
        }
    }

    @Test func aRemoteFileOfAnotherSizeIsNotTrustedForEviction() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            try fixture.overwriteRemoteFile("weights.bin", with: [1, 2, 3])
            let error = try #require(throws: RegistryError.self) { try fixture.registry.evict(fixture.id) }
            #expect(error.code == .remoteUnavailable && error.message.contains("weights.bin"), "\(error.message)")
            #expect(fixture.holdsOriginalBytes())
        }
    }

    @Test func aRemoteServingOtherBytesPublishesNothing() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            try fixture.registry.evict(fixture.id)
            var wrong = EvictionFixture.weights
            wrong[1234] ^= 0xFF  // same size, other bytes: only hashing can tell
            try fixture.overwriteRemoteFile("weights.bin", with: wrong)
            let error = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            #expect(error.code == .digestMismatch, "\(error)")
            #expect(error.message.contains("weights.bin") && error.message.contains("nothing was published"))
            try expectNothingPublished(fixture)
            let load = try #require(throws: RegistryError.self) {
                try fixture.registry.openForLoading(artifact: fixture.id)
            }
            #expect(load.code == .digestMismatch)
            try expectNothingPublished(fixture)
        }
    }

    @Test func anEvictionIsRefusedWhenTheRemotesCopyHasOtherBytesOfTheSameSize() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            var wrong = EvictionFixture.weights
            wrong[99] ^= 0x01  // same size: only reading the remote's bytes tells the copies apart
            try fixture.overwriteRemoteFile("weights.bin", with: wrong)
            let error = try #require(throws: RegistryError.self) { try fixture.registry.evict(fixture.id) }
            #expect(error.code == .digestMismatch, "\(error)")
            #expect(error.message.contains("weights.bin"), "\(error)")
            #expect(fixture.holdsOriginalBytes(), "the only good copy must stay")
            #expect(try fixture.registry.eviction(of: fixture.id) == nil)
        }
    }

    @Test func filesPutBackAfterAnEvictionAreReportedNeverDeletedOnTheLogsWord() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            try fixture.registry.evict(fixture.id)
            try fixture.registry.pin(fixture.id, reason: "a later change")  // the eviction is no longer in flight
            for path in fixture.files.keys {  // someone copies the bytes back by hand
                let target = URL(fileURLWithPath: fixture.directory() + "/" + path)
                try FileManager.default.createDirectory(
                    at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(try #require(fixture.files[path])).write(to: target)
            }
            let report = try fixture.registry.recover()
            #expect(report.unresolved.contains { $0.kind == .evictedFilesPresent }, "\(report)")
            #expect(Set(fixture.presentFiles()) == Set(fixture.files.keys), "recovery must not delete them")
        }
    }

    @Test func aSymlinkedFileInTheRemoteIsRefused() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            try fixture.registry.evict(fixture.id)
            // A link to a file with the right bytes, outside the remote's artifact directory.
            let outside = temp.appendingPathComponent("outside.bin")
            try Data(EvictionFixture.weights).write(to: outside)
            let file = fixture.directory(in: fixture.remoteRoot) + "/weights.bin"
            try FileManager.default.removeItem(atPath: file)
            try FileManager.default.createSymbolicLink(atPath: file, withDestinationPath: outside.path)
            let error = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            #expect(error.code == .symlinkRefused || error.code == .remoteUnavailable, "\(error)")
            try expectNothingPublished(fixture)
        }
    }

    @Test func aSymlinkedDirectoryEscapingTheRemoteArtifactIsRefused() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            try fixture.registry.evict(fixture.id)
            // `config/` becomes a link to a directory elsewhere holding the same file.
            let outside = temp.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            try Data(#"{"vocab":3}"#.utf8).write(to: outside.appendingPathComponent("tokenizer.json"))
            let config = fixture.directory(in: fixture.remoteRoot) + "/config"
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: config)
            try FileManager.default.removeItem(atPath: config)
            try FileManager.default.createSymbolicLink(atPath: config, withDestinationPath: outside.path)
            let error = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            #expect(error.code == .symlinkRefused, "\(error)")
            #expect(error.message.contains("symbolic link"))
            try expectNothingPublished(fixture)
        }
    }

    @Test func aRemoteMissingAFileTheArtifactOrItselfFailsClearly() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            try fixture.registry.evict(fixture.id)
            let remoteArtifact = fixture.directory(in: fixture.remoteRoot)
            let moved = temp.appendingPathComponent("moved-config")
            try FileManager.default.moveItem(atPath: remoteArtifact + "/config", toPath: moved.path)
            let noFile = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            #expect(noFile.code == .remoteUnavailable && noFile.message.contains("mirror"), "\(noFile)")
            try expectNothingPublished(fixture)
            try FileManager.default.moveItem(atPath: remoteArtifact, toPath: temp.appendingPathComponent("a").path)
            let noArtifact = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            #expect(noArtifact.code == .remoteUnavailable, "\(noArtifact)")
            try expectNothingPublished(fixture)
            try FileManager.default.moveItem(at: fixture.remoteRoot, to: temp.appendingPathComponent("unmounted"))
            let unreachable = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            #expect(unreachable.code == .remoteUnavailable && unreachable.message.contains("cannot be read"))
            try expectNothingPublished(fixture)
        }
    }

    @Test func aDamagedEvictionFileIsReportedNeverAFileMissing() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            try registry.evict(fixture.id)
            let view = registry.layout.evictionPath(of: fixture.id)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: view)
            try Data("{\"schemaVersion\":1}\n".utf8).write(to: URL(fileURLWithPath: view))
            let error = try #require(throws: RegistryError.self) { try registry.artifact(fixture.id) }
            #expect(error.code == .invalidDocument && error.message.contains(view), "\(error)")
            #expect(try registry.verify(fixture.id).findings.map(\.kind) == [.evicted])
            #expect(try registry.fsck().findings.map(\.kind) == [.damagedView])
            let report = try registry.recover()
            #expect(report.repaired.map(\.path) == ["evicted/\(fixture.id).json"], "\(report)")
            #expect(try registry.fsck().isClean)
            #expect(try registry.eviction(of: fixture.id)?.remote == "mirror")
        }
    }

    @Test func fsckReportsFilesOfAnEvictedArtifactAndViewsThatDisagreeWithTheLog() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            try registry.evict(fixture.id)
            // A file put back by hand: the log says the artifact is evicted.
            let file = fixture.directory() + "/weights.bin"
            try Data(EvictionFixture.weights).write(to: URL(fileURLWithPath: file))
            #expect(try registry.fsck().findings.map(\.kind) == [.evictedFilesPresent])
            var report = try registry.recover()
            #expect(report.repaired.map(\.kind) == [.evictedFilesPresent], "\(report)")
            #expect(fixture.presentFiles().isEmpty)
            #expect(try registry.fsck().isClean)
            // The eviction file removed: the log still says evicted.
            try FileManager.default.removeItem(atPath: registry.layout.evictionPath(of: fixture.id))
            #expect(try registry.fsck().findings.map(\.kind) == [.viewMissing])
            report = try registry.recover()
            #expect(try registry.eviction(of: fixture.id) != nil)
            #expect(try registry.fsck().isClean)
            // An eviction file for an artifact the log never evicted.
            try registry.fetch(fixture.id)
            let rogue = EvictionRecord(
                artifact: fixture.id, remote: nil, forced: true, evictedAt: "2026-11-27T00:00:00.000Z", actor: "x")
            try Data(rogue.fileBytes()).write(to: URL(fileURLWithPath: registry.layout.evictionPath(of: fixture.id)))
            #expect(try registry.fsck().findings.map(\.kind) == [.viewNotInLog])
            try registry.recover()
            #expect(try registry.eviction(of: fixture.id) == nil && fixture.holdsOriginalBytes())
            #expect(try registry.fsck(depth: .full).isClean)
        }
    }
}

#if DEBUG
    /// Two registries that are each other's remote must never both drop an artifact's bytes: an eviction holds the
    /// remote's lease from its check until its own files are gone (FORMAT.md §14.4, §14.5).
    @Suite struct MutualEvictionTests {
        @Test func aRemoteCannotEvictWhatAnEvictionIsRelyingOnItToKeep() throws {
            try withTemporaryDirectory { temp in
                let fixture = try EvictionFixture(in: temp)
                let other = try Registry.open(at: fixture.remoteRoot, configuration: .init(actor: "tester"))
                try other.addRemote(name: "back", url: fixture.root.path)
                let outcome = OutcomeBox()
                // After this registry checked the remote and before it takes its writer lock to evict, the remote
                // tries to evict the same artifact back to it (both checks pass: neither is evicted yet).
                let token = FaultInjector.shared.perform(
                    { outcome.set(registryErrorCode { try other.evict(fixture.id, remote: "back") }) },
                    before: .flock, under: fixture.root.path + "/locks/writer.lock")
                defer { FaultInjector.shared.remove(token) }
                try fixture.registry.evict(fixture.id)
                #expect(FaultInjector.shared.hasFired(token))
                #expect(outcome.get() == .inUse, "the remote's eviction must be refused")
                #expect(try other.eviction(of: fixture.id) == nil)
                #expect(try other.verify(fixture.id, depth: .full).isClean, "the remote keeps the only copy")
            }
        }
    }

    /// A value set from a fault injector's action.
    private final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var code: RegistryError.Code??
        func set(_ value: RegistryError.Code?) { lock.withLock { code = .some(value) } }
        func get() -> RegistryError.Code?? { lock.withLock { code } }
    }
#endif
