import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue #11: `backup` and `restore` through the library — full and incremental directory backups, the checks a
/// restore makes, and what each refusal leaves behind.
@Suite struct BackupTests {
    /// A registry with two artifacts sharing a deduplicated file, an alias, a state and a signature.
    static func makeRegistry(_ temp: URL) throws -> (Registry, [ArtifactID]) {
        let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
        let shared = BundleFixture.randomBytes(count: 200_000, seed: 11)
        let a = try registry.register(
            directory: try BundleFixture.write(
                ["weights.bin": shared, "config.json": Array("{}".utf8)], to: temp.appendingPathComponent("a")),
            metadata: ArtifactMetadata(name: "a")
        ).artifact.id
        let b = try registry.register(
            directory: try BundleFixture.write(
                ["weights.bin": shared, "notes.txt": [1, 2, 3]], to: temp.appendingPathComponent("b")),
            metadata: ArtifactMetadata(name: "b")
        ).artifact.id
        try registry.promote("champion", to: a)
        try registry.setState(b, to: .candidate)
        _ = try registry.sign(a, with: FakeSigner(name: "ci"))
        return (registry, [a, b])
    }

    static func register(_ name: String, seed: UInt64, in registry: Registry, temp: URL) throws -> ArtifactID {
        try registry.register(
            directory: try BundleFixture.write(
                ["weights.bin": BundleFixture.randomBytes(count: 50_000, seed: seed)],
                to: temp.appendingPathComponent(name)),
            metadata: ArtifactMetadata(name: name)
        ).artifact.id
    }

    static func inode(_ path: String) throws -> UInt64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
    }

    @Test func aBackupRestoresToARegistryFsckCallsClean() throws {
        try withTemporaryDirectory { temp in
            let (registry, ids) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            let report = try registry.backup(to: backup)
            #expect(!report.isIncremental && report.artifacts == 2 && report.artifactsCopied == 2)
            #expect(report.filesLinked == 1, "the deduplicated weights are one hard link: \(report)")
            #expect(!FileManager.default.fileExists(atPath: backup.appendingPathComponent("indexes").path))
            let weights = ids.map { backup.path + "/artifacts/\($0)/weights.bin" }
            #expect(try Self.inode(weights[0]) == Self.inode(weights[1]))

            let restored = try Registry.restore(from: backup, to: temp.appendingPathComponent("restored"))
            #expect(restored.integrity.isClean && restored.artifacts == 2)
            let copy = try Registry.open(at: temp.appendingPathComponent("restored"))
            #expect(try copy.listArtifacts() == registry.listArtifacts())
            #expect(try copy.resolve("champion").artifact == ids[0])
            #expect(try copy.state(of: ids[1]) == .candidate)
            #expect(try copy.fsck(depth: .full).isClean)
            #expect(try copy.journal.lastEvent() == registry.journal.lastEvent())
            let restoredWeights = ids.map { copy.layout.artifactPath($0) + "/weights.bin" }
            #expect(try Self.inode(restoredWeights[0]) == Self.inode(restoredWeights[1]))
        }
    }

    @Test func anIncrementalBackupCopiesOnlyTheNewArtifactAndTheLogsNewBytes() async throws {
        try await withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try await registry.backup(to: backup)
            let logBefore = try Self.logBytes(registry)
            let c = try Self.register("c", seed: 3, in: registry, temp: temp)
            try await registry.promote("champion", to: c)
            let report = try await registry.backup(to: backup)
            #expect(report.isIncremental)
            #expect(report.artifactsCopied == 1 && report.artifacts == 3, "\(report)")
            #expect(report.filesCopied == 2, "weights.bin and manifest.json of the new artifact only: \(report)")
            #expect(report.logBytesCopied == (try Self.logBytes(registry)) - logBefore)
            #expect(report.bytesWritten == report.logBytesCopied + 50_000 + Int64(try Self.manifestSize(registry, c)))

            let again = try await registry.backup(to: backup)
            #expect(again.artifactsCopied == 0 && again.logBytesCopied == 0 && again.bytesWritten == 0)

            let restored = try await Registry.restore(from: backup, to: temp.appendingPathComponent("restored"))
            #expect(restored.artifacts == 3)
            let copy = try await Registry.open(at: restored.destination)
            #expect(try await copy.resolve("champion").artifact == c)
        }
    }

    @Test func anIncrementalBackupLinksANewArtifactsFileToTheCopyAnEarlierRunMade() throws {
        try withTemporaryDirectory { temp in
            let (registry, ids) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            let shared = BundleFixture.randomBytes(count: 200_000, seed: 11)
            let d = try registry.register(
                directory: try BundleFixture.write(["weights.bin": shared], to: temp.appendingPathComponent("d")),
                metadata: ArtifactMetadata(name: "d")
            ).artifact.id
            let report = try registry.backup(to: backup)
            #expect(report.artifactsCopied == 1 && report.filesLinked == 1 && report.filesCopied == 1, "\(report)")
            #expect(
                try Self.inode(backup.path + "/artifacts/\(d)/weights.bin")
                    == Self.inode(backup.path + "/artifacts/\(ids[0])/weights.bin"))
            #expect(try Registry.restore(from: backup, to: temp.appendingPathComponent("r")).integrity.isClean)
        }
    }

    @Test func aSignatureAddedToAnOldArtifactTravelsWithItsEvent() throws {
        try withTemporaryDirectory { temp in
            let (registry, ids) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            _ = try registry.sign(ids[1], with: FakeSigner(name: "release"))
            let report = try registry.backup(to: backup)
            #expect(report.artifactsCopied == 0 && report.filesCopied == 1, "\(report)")
            let signatures = backup.path + "/artifacts/\(ids[1])/signatures"
            #expect(try FileManager.default.contentsOfDirectory(atPath: signatures).count == 1)
            #expect(try Registry.restore(from: backup, to: temp.appendingPathComponent("r")).integrity.isClean)
        }
    }

    @Test func viewsAndArtifactsTheRegistryNoLongerHasLeaveTheBackup() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            try registry.retire("champion")
            let report = try registry.backup(to: backup)
            #expect(!FileManager.default.fileExists(atPath: backup.path + "/aliases/champion.json"))
            #expect(report.artifactsRemoved == 0)
            #expect(try Registry.restore(from: backup, to: temp.appendingPathComponent("r")).integrity.isClean)
        }
    }

    @Test func incrementalBackupsFollowEvictionsAndFetchesAndStillRestore() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let backup = temp.appendingPathComponent("backup")
            try fixture.registry.backup(to: backup)
            // Evicted since the last run: the backup must drop the bundle files the registry no longer holds.
            try fixture.registry.evict(fixture.id)
            try fixture.registry.backup(to: backup)
            let evicted = try Registry.restore(from: backup, to: temp.appendingPathComponent("r1"))
            #expect(evicted.integrity.isClean, "\(evicted.integrity)")
            // Fetched since: the backup must gain them again.
            try fixture.registry.fetch(fixture.id)
            try fixture.registry.backup(to: backup)
            let fetched = try Registry.restore(from: backup, to: temp.appendingPathComponent("r2"))
            #expect(fetched.integrity.isClean, "\(fetched.integrity)")
            let restored = try Registry.open(at: temp.appendingPathComponent("r2"))
            #expect(try restored.openForLoading(artifact: fixture.id).fetched == nil, "restored with its bytes")
        }
    }

    @Test func anIncrementalBackupOfAnotherRegistryIsRefusedAndTheBackupStaysIntact() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            let other = try Registry.create(at: temp.appendingPathComponent("other"))
            _ = try Self.register("x", seed: 9, in: other, temp: temp)
            _ = try Self.register("y", seed: 10, in: other, temp: temp)
            _ = try Self.register("z", seed: 12, in: other, temp: temp)
            _ = try Self.register("w", seed: 13, in: other, temp: temp)
            #expect(registryErrorCode { try other.backup(to: backup) } == .conflict)
            #expect(FileManager.default.fileExists(atPath: backup.path + "/backup.json"))
            #expect(try Registry.restore(from: backup, to: temp.appendingPathComponent("r")).artifacts == 2)
        }
    }

    @Test func aDestinationThatIsNeitherEmptyNorABackupIsRefused() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let destination = temp.appendingPathComponent("photos")
            try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
            try Data("keep me".utf8).write(to: destination.appendingPathComponent("holiday.jpg"))
            #expect(registryErrorCode { try registry.backup(to: destination) } == .alreadyExists)
            #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path) == ["holiday.jpg"])
        }
    }

    /// A first backup killed while it wrote its `backup.partial.json` mark leaves only the mark's temporary file;
    /// the next run takes the directory over. A `.tmp-` file beside anything else is not ours to remove.
    @Test func aKilledFirstRunsTemporaryMarkDoesNotBlockTheNextRun() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let destination = temp.appendingPathComponent("backup")
            try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
            try Data("{\"format\":".utf8).write(to: destination.appendingPathComponent(".tmp-A1b2C3"))
            _ = try registry.backup(to: destination)
            #expect(FileManager.default.fileExists(atPath: destination.path + "/backup.json"))
            #expect(!FileManager.default.fileExists(atPath: destination.path + "/.tmp-A1b2C3"))
            #expect(try Registry.restore(from: destination, to: temp.appendingPathComponent("r")).artifacts > 0)

            let mixed = temp.appendingPathComponent("mixed")
            try FileManager.default.createDirectory(at: mixed, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: mixed.appendingPathComponent(".tmp-A1b2C3"))
            try Data("keep me".utf8).write(to: mixed.appendingPathComponent("notes.txt"))
            #expect(registryErrorCode { try registry.backup(to: mixed) } == .alreadyExists)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: mixed.path).sorted() == [
                    ".tmp-A1b2C3", "notes.txt",
                ])
        }
    }

    @Test func aDestinationInsideTheRegistryOrABackupIsRefused() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let inside = registry.layout.root.appendingPathComponent("backup")
            #expect(registryErrorCode { try registry.backup(to: inside) } == .invalidArgument)
            #expect(!FileManager.default.fileExists(atPath: inside.path))
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            let nested = backup.appendingPathComponent("restored")
            #expect(registryErrorCode { try Registry.restore(from: backup, to: nested) } == .invalidArgument)
            #expect(!FileManager.default.fileExists(atPath: nested.path))
        }
    }

    @Test func theBackupLeaseIsHeldWhileABackupCopiesAndReleasedAfter() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let lease = registry.layout.backupLeasePath
            let seen = LockedFlags()
            let options = Registry.BackupOptions(progress: { _ in
                seen.append((try? BackupLeaseProbe.isHeld(at: lease)) ?? false)
            })
            try registry.backup(to: temp.appendingPathComponent("backup"), options: options)
            #expect(seen.values == [true, true])
            #expect(try BackupLeaseProbe.isHeld(at: lease) == false)
        }
    }

    /// A real collector against a running backup (GUARANTEES B4): while the backup copies, `gc --apply` and a
    /// forced `rm` remove nothing and say a backup is copying; once it is done, the backup restores every artifact
    /// and the collector removes what nothing holds.
    @Test func aCollectorRunDuringABackupRemovesNothingAndTheBackupRestoresWhole() throws {
        try withTemporaryDirectory { temp in
            let (registry, held) = try Self.makeRegistry(temp)
            let unheld = try Self.register("c", seed: 41, in: registry, temp: temp)  // what the collector wants
            let ids = held + [unheld]
            let outcomes = Locked<[String]>([])
            let options = Registry.BackupOptions(progress: { _ in
                guard outcomes.value.isEmpty else { return }
                var seen: [String] = []
                do {
                    let report = try registry.collectGarbage(GarbageCollectionOptions(gracePeriod: .zero))
                    let present = Set(try registry.listArtifacts())
                    seen.append("gc removed \(report.collected.filter { !present.contains($0) }.count)")
                    seen += report.problems.map { "gc problem: \($0)" }
                } catch let error as RegistryError {
                    seen.append("gc \(error.code): \(error.message)")
                } catch {
                    seen.append("gc \(error)")
                }
                do {
                    _ = try registry.remove(ids[0], force: true)
                    seen.append("rm removed it")
                } catch let error as RegistryError {
                    seen.append("rm \(error.code): \(error.message)")
                } catch {
                    seen.append("rm \(error)")
                }
                outcomes.value = seen
            })
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup, options: options)
            let seen = outcomes.value
            #expect(seen.count >= 2, "\(seen)")
            #expect(!seen.contains("rm removed it"), "\(seen)")
            #expect(seen.allSatisfy { !$0.hasPrefix("gc removed") || $0 == "gc removed 0" }, "\(seen)")
            #expect(seen.first?.hasPrefix("gc removed") == false || seen.count > 2, "gc reports why: \(seen)")
            #expect(seen.contains { $0.contains("a backup is copying") }, "says why: \(seen)")
            #expect(Set(try registry.listArtifacts()) == Set(ids), "nothing was removed during the backup")

            let destination = temp.appendingPathComponent("restored")
            try Registry.restore(from: backup, to: destination)
            let restored = try Registry.open(at: destination)
            #expect(Set(try restored.listArtifacts()) == Set(ids))
            #expect(try restored.fsck(depth: .full).isClean)
            let after = try registry.collectGarbage(GarbageCollectionOptions(gracePeriod: .zero))
            let left = Set(try registry.listArtifacts())
            #expect(after.collected == [unheld] && !left.contains(unheld))
        }
    }

    // MARK: Restore refusals

    @Test func restoreRefusesANonEmptyDestination() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            let destination = temp.appendingPathComponent("busy")
            try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: destination.appendingPathComponent("file"))
            #expect(registryErrorCode { try Registry.restore(from: backup, to: destination) } == .alreadyExists)
            #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path) == ["file"])
        }
    }

    @Test func restoreRefusesAnArtifactWhoseBytesChangedAndLeavesNothing() throws {
        try withTemporaryDirectory { temp in
            let (registry, ids) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            let file = backup.path + "/artifacts/\(ids[0])/config.json"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            try Data("{1}".utf8).write(to: URL(fileURLWithPath: file))
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file)
            let destination = temp.appendingPathComponent("restored")
            #expect(throws: RegistryError.self) { try Registry.restore(from: backup, to: destination) }
            #expect(!FileManager.default.fileExists(atPath: destination.path))
        }
    }

    @Test func restoreRefusesATruncatedLogNamingIt() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            let audit = backup.appendingPathComponent("audit")
            let day = try #require(try FileManager.default.contentsOfDirectory(atPath: audit.path).first)
            let handle = try FileHandle(forWritingTo: audit.appendingPathComponent(day))
            let size = try handle.seekToEnd()
            try handle.truncate(atOffset: size - 10)
            try handle.close()
            let destination = temp.appendingPathComponent("restored")
            do {
                try Registry.restore(from: backup, to: destination)
                Issue.record("a truncated log was accepted")
            } catch let error as RegistryError {
                #expect(error.code == .invalidDocument)
                #expect(error.message.contains("audit/\(day)"), "\(error.message)")
            }
            #expect(!FileManager.default.fileExists(atPath: destination.path))
        }
    }

    @Test func restoreRefusesAnIncompleteBackup() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            try FileManager.default.moveItem(
                at: backup.appendingPathComponent("backup.json"),
                to: backup.appendingPathComponent("backup.partial.json"))
            let destination = temp.appendingPathComponent("restored")
            #expect(registryErrorCode { try Registry.restore(from: backup, to: destination) } == .invalidDocument)
            #expect(!FileManager.default.fileExists(atPath: destination.path))
            // The next backup completes it.
            #expect(try registry.backup(to: backup).isIncremental)
            #expect(try Registry.restore(from: backup, to: destination).integrity.isClean)
        }
    }

    @Test func restoreRefusesASymbolicLinkOrFIFOPlantedInABackupDirectory() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            let link = backup.appendingPathComponent("aliases/planted.json")
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/etc/hostname")
            let destination = temp.appendingPathComponent("restored")
            #expect(registryErrorCode { try Registry.restore(from: backup, to: destination) } == .symlinkRefused)
            #expect(!FileManager.default.fileExists(atPath: destination.path))
            try FileManager.default.removeItem(at: link)
            #expect(mkfifo(backup.appendingPathComponent("aliases/fifo").path, 0o644) == 0)
            #expect(
                registryErrorCode { try Registry.restore(from: backup, to: destination) } == .unsupportedOperation)
            #expect(!FileManager.default.fileExists(atPath: destination.path))
        }
    }

    @Test func theCLIReportsARefusedIncrementalBackupAndExitsOne() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let backup = temp.appendingPathComponent("backup")
            let first = try CLIRunner.run(["backup", backup.path, "--registry", registry.layout.rootPath])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("backup of 2 artifact(s)"), "\(first.stdout)")
            let other = try Registry.create(at: temp.appendingPathComponent("other"))
            for (index, name) in ["x", "y", "z", "w"].enumerated() {
                _ = try Self.register(name, seed: UInt64(20 + index), in: other, temp: temp)
            }
            let refused = try CLIRunner.run(["backup", backup.path, "--registry", other.layout.rootPath])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("not a continuation"), "\(refused.stderr)")
            let restored = try CLIRunner.run(["restore", backup.path, temp.appendingPathComponent("r").path])
            #expect(restored.status == 0, "\(restored.stderr)")
            #expect(restored.stdout.contains("fsck (full): clean"))
        }
    }

    @Test func restoreRefusesADirectoryThatIsNotABackup() throws {
        try withTemporaryDirectory { temp in
            let (registry, _) = try Self.makeRegistry(temp)
            let destination = temp.appendingPathComponent("restored")
            #expect(
                registryErrorCode { try Registry.restore(from: registry.layout.root, to: destination) } == .notFound)
            #expect(!FileManager.default.fileExists(atPath: destination.path))
        }
    }

    static func logBytes(_ registry: Registry) throws -> Int64 {
        let audit = registry.layout.auditPath
        return try FileManager.default.contentsOfDirectory(atPath: audit).reduce(Int64(0)) { total, name in
            let size = try FileManager.default.attributesOfItem(atPath: audit + "/" + name)[.size] as? NSNumber
            return total + (size?.int64Value ?? 0)
        }
    }

    static func manifestSize(_ registry: Registry, _ id: ArtifactID) throws -> Int {
        try Data(contentsOf: URL(fileURLWithPath: registry.layout.manifestPath(of: id))).count
    }
}

/// Booleans collected from a `@Sendable` callback.
final class LockedFlags: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Bool] = []
    var values: [Bool] { lock.withLock { storage } }
    func append(_ value: Bool) { lock.withLock { storage.append(value) } }
}

/// What a collector asks before it removes an artifact (FORMAT.md §14.5).
enum BackupLeaseProbe {
    static func isHeld(at path: String) throws -> Bool {
        try BackupLease.isHeldByAnyone(at: path)
    }
}
