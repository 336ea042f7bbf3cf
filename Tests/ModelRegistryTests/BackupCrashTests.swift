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
    /// Issue #11 (and #14's rule for new write paths): a backup or restore killed at each of its crash points, or
    /// failing on an injected I/O error, never leaves a half backup that restore accepts (an interrupted
    /// incremental one restores to its previous snapshot; IncrementalBackupCrashTests covers every point); and a backup taken while
    /// another process registers and promotes restores to a registry `fsck` calls clean.
    @Suite struct BackupCrashTests {
        static let directoryPoints = [
            "backup.afterSnapshot", "backup.afterMarkIncomplete", "backup.afterLog", "backup.afterArtifact",
            "backup.afterViews", "backup.beforeSync", "backup.beforeMarker",
        ]

        /// A registry with a complete backup of two artifacts, then a third artifact and a promotion.
        private func prepare(_ temp: URL, tar: Bool) throws -> (Registry, URL) {
            let (registry, _) = try BackupTests.makeRegistry(temp)
            let destination = temp.appendingPathComponent(tar ? "backup.tar" : "backup")
            try registry.backup(to: destination, options: .init(format: tar ? .tar : .directory))
            let c = try BackupTests.register("c", seed: 5, in: registry, temp: temp)
            try registry.promote("champion", to: c)
            return (registry, destination)
        }

        @Test(arguments: directoryPoints)
        func aDirectoryBackupKilledBeforeItsMarkerIsStillThePreviousOne(point: String) throws {
            try withTemporaryDirectory { temp in
                let (registry, backup) = try prepare(temp, tar: false)
                try runKilled(["backup", backup.path, "--registry", registry.layout.rootPath], at: point)

                // Whatever the run added, backup.json still describes the previous snapshot, and that restores.
                let destination = temp.appendingPathComponent("restored")
                let previous = try Registry.restore(from: backup, to: destination)
                #expect(previous.artifacts == 2 && previous.integrity.isClean, "\(point)")
                try FileManager.default.removeItem(at: destination)
                // The next backup completes it.
                let report = try registry.backup(to: backup)
                #expect(report.isIncremental)
                let restored = try Registry.restore(from: backup, to: destination)
                #expect(restored.integrity.isClean && restored.artifacts == 3, "\(point)")
                #expect(
                    try Registry.open(at: destination).resolve("champion").artifact
                        == registry.resolve("champion").artifact)
            }
        }

        @Test(arguments: ["backup.afterSnapshot", "backup.afterLog", "backup.afterArtifact", "backup.beforeMarker"])
        func aTarBackupKilledAtAnyPointLeavesThePreviousTar(point: String) throws {
            try withTemporaryDirectory { temp in
                let (registry, tar) = try prepare(temp, tar: true)
                try runKilled(["backup", tar.path, "--tar", "--registry", registry.layout.rootPath], at: point)
                let restored = try Registry.restore(from: tar, to: temp.appendingPathComponent("restored"))
                #expect(restored.artifacts == 2, "\(point): the previous tar, whole")
                // The next tar backup removes the killed one's temporary file and replaces the tar.
                try registry.backup(to: tar, options: .init(format: .tar))
                #expect(
                    try FileManager.default.contentsOfDirectory(atPath: temp.path).allSatisfy { !$0.contains(".tmp-") })
                #expect(try Registry.restore(from: tar, to: temp.appendingPathComponent("again")).artifacts == 3)
            }
        }

        @Test func aRestoreKilledBeforeItsChecksLeavesNoRegistry() throws {
            try withTemporaryDirectory { temp in
                let (registry, _) = try BackupTests.makeRegistry(temp)
                let backup = temp.appendingPathComponent("backup")
                try registry.backup(to: backup)
                let destination = temp.appendingPathComponent("restored")
                try runKilled(["restore", backup.path, destination.path], at: "restore.afterCopy")
                #expect(registryErrorCode { try Registry.open(at: destination) } == .notARegistry)
            }
        }

        // MARK: Injected faults

        @Test(arguments: [(SystemCall.write, ENOSPC), (.fsync, EIO), (.rename, EIO), (.link, EIO)])
        func aDirectoryBackupThatFailsMidwayStillRestoresAndTheNextOneCompletesIt(call: SystemCall, code: Int32) throws
        {
            try withTemporaryDirectory { temp in
                let (registry, backup) = try prepare(temp, tar: false)
                let token = FaultInjector.shared.inject(call, errno: code, under: backup.path)
                let failed = registryErrorCode { try registry.backup(to: backup) }
                let fired = FaultInjector.shared.hasFired(token)
                FaultInjector.shared.remove(token)
                #expect(failed != nil || !fired, "\(call): a failure must be reported")
                let destination = temp.appendingPathComponent("restored")
                if failed != nil {
                    // The failed run only added beside the previous snapshot (or failed while deleting, after its
                    // new marker): the backup restores, clean, to one of the two.
                    let restored = try Registry.restore(from: backup, to: destination)
                    #expect(restored.integrity.isClean, "\(call)")
                    #expect(restored.artifacts == 2 || restored.artifacts == 3, "\(call)")
                    try FileManager.default.removeItem(at: destination)
                }
                try registry.backup(to: backup)
                #expect(try Registry.restore(from: backup, to: destination).artifacts == 3)
            }
        }

        @Test(arguments: [(SystemCall.write, ENOSPC), (.fsync, EIO), (.rename, EIO)])
        func aTarBackupThatFailsLeavesThePreviousTarAndNoTemporaryFile(call: SystemCall, code: Int32) throws {
            try withTemporaryDirectory { temp in
                let (registry, tar) = try prepare(temp, tar: true)
                let token = FaultInjector.shared.inject(call, errno: code, under: temp.path + "/.backup.tar")
                let renameToken = FaultInjector.shared.inject(call, errno: code, under: tar.path)
                #expect(throws: RegistryError.self) { try registry.backup(to: tar, options: .init(format: .tar)) }
                FaultInjector.shared.remove(token)
                FaultInjector.shared.remove(renameToken)
                #expect(
                    try FileManager.default.contentsOfDirectory(atPath: temp.path).allSatisfy { !$0.contains(".tmp-") })
                #expect(try Registry.restore(from: tar, to: temp.appendingPathComponent("r")).artifacts == 2)
            }
        }

        @Test(arguments: [(SystemCall.write, ENOSPC), (.mkdir, EIO), (.link, EIO), (.fsync, EIO)])
        func aRestoreThatFailsLeavesNothing(call: SystemCall, code: Int32) throws {
            try withTemporaryDirectory { temp in
                let (registry, _) = try BackupTests.makeRegistry(temp)
                let backup = temp.appendingPathComponent("backup")
                try registry.backup(to: backup)
                let destination = temp.appendingPathComponent("restored")
                let token = FaultInjector.shared.inject(call, errno: code, under: destination.path + "/")
                let failed = registryErrorCode { try Registry.restore(from: backup, to: destination) }
                FaultInjector.shared.remove(token)
                #expect(failed != nil, "\(call)")
                #expect(!FileManager.default.fileExists(atPath: destination.path))
            }
        }

        @Test func anArtifactRemovedWhileTheBackupCopiesItFailsTheBackupClearly() throws {
            try withTemporaryDirectory { temp in
                let (registry, ids) = try BackupTests.makeRegistry(temp)
                let victim = registry.layout.artifactPath(ids[1])
                let parked = temp.appendingPathComponent("parked").path
                // A collector that ignores the backup lease removes the artifact just before it is listed.
                let token = FaultInjector.shared.perform(
                    { _ = try? FileManager.default.moveItem(atPath: victim, toPath: parked) }, before: .opendir,
                    under: victim)
                let backup = temp.appendingPathComponent("backup")
                do {
                    try registry.backup(to: backup)
                    Issue.record("a backup missing an artifact was reported complete")
                } catch let error as RegistryError {
                    #expect(error.code == .notFound, "\(error)")
                    #expect(error.path?.contains(ids[1].description) == true, "\(error)")
                }
                FaultInjector.shared.remove(token)
                let destination = temp.appendingPathComponent("restored")
                #expect(registryErrorCode { try Registry.restore(from: backup, to: destination) } == .invalidDocument)
                try FileManager.default.moveItem(atPath: parked, toPath: victim)
                // The next run continues: artifacts the failed run completed are not copied again.
                let report = try registry.backup(to: backup)
                #expect(report.artifacts == 2 && report.artifactsCopied >= 1, "\(report)")
                #expect(try Registry.restore(from: backup, to: destination).integrity.isClean)
            }
        }

        // MARK: A live registry

        @Test func aBackupTakenWhileAnotherProcessRegistersAndPromotesRestoresClean() throws {
            guard let binary = CLIRunner.binary else {
                Issue.record("modelreg was not built")
                return
            }
            try withTemporaryDirectory { temp in
                let (registry, _) = try BackupTests.makeRegistry(temp)
                let rounds = 12
                for index in 0..<rounds {
                    _ = try BundleFixture.write(
                        ["weights.bin": BundleFixture.randomBytes(count: 20_000, seed: UInt64(100 + index))],
                        to: temp.appendingPathComponent("live-\(index)"))
                }
                let script = (0..<rounds).map { index in
                    "id=$(\"$BIN\" register \"$TEMP/live-\(index)\" --name live) && \"$BIN\" promote live \"$id\" "
                        + ">/dev/null && \"$BIN\" state set \"$id\" candidate >/dev/null || exit 1"
                }.joined(separator: "\n")
                let writer = Process()
                writer.executableURL = URL(fileURLWithPath: "/bin/sh")
                writer.arguments = ["-c", script]
                var environment = ProcessInfo.processInfo.environment
                environment["BIN"] = binary.path
                environment["TEMP"] = temp.path
                environment["MODELREG_REGISTRY"] = registry.layout.rootPath
                environment["SWIFT_BACKTRACE"] = "enable=no"
                writer.environment = environment
                writer.standardError = FileHandle.nullDevice
                try writer.run()
                let backup = temp.appendingPathComponent("backup")
                var restores = 0
                var sawIncremental = false
                repeat {
                    let report = try registry.backup(to: backup)
                    sawIncremental = sawIncremental || report.isIncremental
                    let destination = temp.appendingPathComponent("restored-\(restores)")
                    let restored = try Registry.restore(from: backup, to: destination)
                    #expect(restored.integrity.isClean, "\(restored.integrity)")
                    #expect(restored.events == report.events)
                    restores += 1
                } while writer.isRunning
                writer.waitUntilExit()
                #expect(writer.terminationStatus == 0)
                let final = try registry.backup(to: backup)
                let restored = try Registry.restore(from: backup, to: temp.appendingPathComponent("final"))
                #expect(restored.integrity.isClean && restored.artifacts == 2 + rounds)
                #expect(final.isIncremental && sawIncremental)
                #expect(try Registry.open(at: restored.destination).resolve("live") == registry.resolve("live"))
            }
        }
    }
#endif
