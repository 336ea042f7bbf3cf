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
    /// Issue #11: an incremental backup killed at any of its crash points leaves a directory that restores — to
    /// the previous snapshot or the new one, never a mix — into a registry `fsck` calls clean, and the next backup
    /// completes it.
    @Suite struct IncrementalBackupCrashTests {
        static let points = [
            "backup.afterSnapshot", "backup.afterMarkIncomplete", "backup.afterLog", "backup.afterArtifact",
            "backup.afterViews", "backup.beforeSync", "backup.beforeMarker", "backup.afterMarker",
            "backup.afterCleanupStep",
        ]

        /// What a restored registry shows of one snapshot.
        struct Snapshot: Equatable {
            var artifacts: [ArtifactID]
            var champion: ArtifactID
            var evicted: Bool
            var signatures: Int

            init(_ registry: Registry, evictable: ArtifactID, signed: ArtifactID) throws {
                artifacts = try registry.listArtifacts()
                champion = try registry.resolve("champion").artifact
                evicted = try registry.eviction(of: evictable) != nil
                let directory = registry.layout.signaturesPath(of: signed)
                signatures = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.count ?? 0
            }
        }

        /// A registry with a complete backup, then changes of every kind an incremental run must carry: an
        /// artifact removed, one registered and promoted, a signature added to an old one, and the fixture's
        /// artifact evicted (`evictBetween`) or fetched back (evicted before the first backup).
        private func prepare(_ temp: URL, evictBetween: Bool) throws -> (
            fixture: EvictionFixture, backup: URL, old: Snapshot, new: Snapshot, signed: ArtifactID
        ) {
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            let a = try BackupTests.register("a", seed: 3, in: registry, temp: temp)
            let b = try BackupTests.register("b", seed: 4, in: registry, temp: temp)
            try registry.promote("champion", to: a)
            if !evictBetween { try registry.evict(fixture.id) }
            let backup = temp.appendingPathComponent("backup")
            try registry.backup(to: backup)
            let old = try Snapshot(registry, evictable: fixture.id, signed: a)

            try registry.remove(b)
            let c = try BackupTests.register("c", seed: 5, in: registry, temp: temp)
            try registry.promote("champion", to: c)
            _ = try registry.sign(a, with: FakeSigner(name: "ci"))
            if evictBetween { try registry.evict(fixture.id) } else { try registry.fetch(fixture.id) }
            let new = try Snapshot(registry, evictable: fixture.id, signed: a)
            #expect(old != new)
            return (fixture, backup, old, new, a)
        }

        @Test(arguments: points, [true, false])
        func anIncrementalBackupKilledAtAnyPointRestoresTheOldOrTheNewSnapshot(point: String, evictBetween: Bool)
            throws
        {
            try withTemporaryDirectory { temp in
                let (fixture, backup, old, new, signed) = try prepare(temp, evictBetween: evictBetween)
                let registry = fixture.registry
                try runKilled(["backup", backup.path, "--registry", registry.layout.rootPath], at: point)

                let first = temp.appendingPathComponent("restored")
                let report = try Registry.restore(from: backup, to: first)
                #expect(report.integrity.isClean, "\(point): \(report.integrity)")
                let restored = try Registry.open(at: first)
                #expect(try restored.fsck(depth: .full).isClean, "\(point)")
                let got = try Snapshot(restored, evictable: fixture.id, signed: signed)
                #expect(got == old || got == new, "\(point): \(got) is neither \(old) nor \(new)")
                if point == "backup.afterMarker" || point == "backup.afterCleanupStep" {
                    #expect(got == new, "\(point): the new marker is durable")
                }
                if got.evicted {
                    #expect(
                        !FileManager.default.fileExists(
                            atPath: restored.layout.artifactPath(fixture.id) + "/weights.bin"),
                        "\(point): an artifact evicted in the snapshot is restored without its bundle files")
                }

                // The next backup completes the interrupted one, and leaves nothing of it behind.
                #expect(try registry.backup(to: backup).isIncremental)
                let names = try FileManager.default.contentsOfDirectory(atPath: backup.path)
                #expect(!names.contains("backup.next.json") && !names.contains("backup.partial.json"), "\(names)")
                let copies = try FileManager.default.contentsOfDirectory(atPath: backup.path + "/artifacts")
                #expect(copies.sorted() == new.artifacts.map(\.description).sorted(), "\(point)")
                #expect(
                    FileManager.default.fileExists(atPath: backup.path + "/artifacts/\(fixture.id)/weights.bin")
                        == !new.evicted, "\(point): the backup holds the bundle files exactly when not evicted")
                let second = temp.appendingPathComponent("again")
                #expect(try Registry.restore(from: backup, to: second).integrity.isClean)
                #expect(try Snapshot(Registry.open(at: second), evictable: fixture.id, signed: signed) == new)
            }
        }

        @Test func aRestoreOfAnInterruptedRunIgnoresWhatTheRunAddedBeyondTheMarker() throws {
            try withTemporaryDirectory { temp in
                let (fixture, backup, old, _, _) = try prepare(temp, evictBetween: true)
                try runKilled(
                    ["backup", backup.path, "--registry", fixture.registry.layout.rootPath], at: "backup.beforeMarker")
                // The run added the new artifact and the log's new lines; the marker still describes the old.
                let copies = try FileManager.default.contentsOfDirectory(atPath: backup.path + "/artifacts")
                #expect(copies.count > old.artifacts.count)
                let restored = try Registry.restore(from: backup, to: temp.appendingPathComponent("r"))
                #expect(restored.artifacts == old.artifacts.count)
                #expect(
                    try Registry.open(at: temp.appendingPathComponent("r")).journal.lastEvent()?.sequence
                        == restored.events)
            }
        }

        /// The deletions after the new marker fail (an artifact the registry removed, a file it evicted): the
        /// backup reports the error, restores to the new snapshot, and the next run finishes the deletions.
        @Test(arguments: [(SystemCall.rename, EIO, "gone"), (.unlink, EIO, "evicted"), (.rmdir, EBUSY, "gone")])
        func aFailedDeletionAfterTheMarkerLeavesTheNewSnapshotAndTheNextRunFinishesIt(
            call: SystemCall, code: Int32, target: String
        ) throws {
            try withTemporaryDirectory { temp in
                let (fixture, backup, _, new, signed) = try prepare(temp, evictBetween: true)
                let registry = fixture.registry
                let copies = try FileManager.default.contentsOfDirectory(atPath: backup.path + "/artifacts")
                let gone = try #require(copies.first { ArtifactID($0).map { !new.artifacts.contains($0) } ?? false })
                // A removed artifact is first renamed to artifacts/.tmp-…, then deleted there: only the deletions
                // after the marker touch such paths in this scenario (nothing is fetched, so nothing is merged).
                let path =
                    target == "gone"
                    ? backup.path + "/artifacts/.tmp-" : backup.path + "/artifacts/\(fixture.id)/weights.bin"
                let token = FaultInjector.shared.inject(call, errno: code, under: path)
                let failed = registryErrorCode { try registry.backup(to: backup) }
                let fired = FaultInjector.shared.hasFired(token)
                FaultInjector.shared.remove(token)
                #expect(fired && failed != nil, "\(call) on \(target): the failure must be reported")

                let first = temp.appendingPathComponent("restored")
                #expect(try Registry.restore(from: backup, to: first).integrity.isClean)
                #expect(try Snapshot(Registry.open(at: first), evictable: fixture.id, signed: signed) == new)
                #expect(FileManager.default.fileExists(atPath: backup.path + "/backup.next.json"))

                try registry.backup(to: backup)
                #expect(!FileManager.default.fileExists(atPath: backup.path + "/backup.next.json"))
                let left = try FileManager.default.contentsOfDirectory(atPath: backup.path + "/artifacts")
                #expect(!left.contains(gone) && !left.contains { $0.hasPrefix(".tmp-") }, "\(left)")
                #expect(!FileManager.default.fileExists(atPath: backup.path + "/artifacts/\(fixture.id)/weights.bin"))
                #expect(try Registry.restore(from: backup, to: temp.appendingPathComponent("again")).integrity.isClean)
            }
        }

        @Test func aDamagedRunNoteIsRefusedNamingIt() throws {
            try withTemporaryDirectory { temp in
                let (fixture, backup, _, _, _) = try prepare(temp, evictBetween: true)
                let note = backup.appendingPathComponent("backup.next.json")
                try Data(#"{"evicting":["not-an-id"],"format":"modelregistry-backup-run","schemaVersion":1}"#.utf8)
                    .write(to: note)
                let destination = temp.appendingPathComponent("r")
                do {
                    try Registry.restore(from: backup, to: destination)
                    Issue.record("a damaged backup.next.json was accepted")
                } catch let error as RegistryError {
                    #expect(error.message.contains("backup.next.json"), "\(error.message)")
                }
                #expect(!FileManager.default.fileExists(atPath: destination.path))
                // A backup refuses to continue from it too, and changes nothing.
                #expect(registryErrorCode { try fixture.registry.backup(to: backup) } != nil)
            }
        }
    }
#endif
