import Foundation
import ModelRegistry
import RegistryCore
import RegistryTestSupport
import Testing

/// `recover` judges a staging directory by the lock its writer holds (FORMAT.md §6), not by the pid in its name:
/// a writer in another PID namespace has a pid `recover` cannot see, and a pid can be reused by an unrelated
/// process after a crash (issue #14, failure 1).
@Suite struct StagingLivenessTests {
    static let flockTool = "/usr/bin/flock"

    /// A pid above Linux's `pid_max` limit (2^22): no process here has it, as a writer in another PID namespace
    /// looks to `recover`.
    static let invisiblePid = 2_000_000_000

    /// A staging directory with one half-copied file and its lock file, as a writer leaves them.
    private func makeStaging(_ registry: Registry, pid: Int, suffix: String) throws -> (directory: String, lock: String)
    {
        let directory = registry.layout.stagingPath + "/ingest-\(pid)-\(suffix)"
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: directory + "/sub/w.bin"))
        let lock = directory + ".lock"
        #expect(FileManager.default.createFile(atPath: lock, contents: nil))
        return (directory, lock)
    }

    /// Runs `flock LOCK sh -c 'echo locked; exec cat'` and returns once the child holds the lock; closing the
    /// returned pipe ends the child (`cat` sees end of file), which releases the lock.
    private func holdLock(_ path: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.flockTool)
        process.arguments = [path, "sh", "-c", "echo locked; exec cat"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The child prints only once flock(1) has the lock: reading the line is the synchronisation.
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        #expect(String(decoding: seen, as: UTF8.self) == "locked\n")
        return (process, input)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: flockTool), "needs flock(1) from util-linux"))
    func recoverKeepsAStagingDirectoryWhoseLockIsHeldEvenWhenItsPidIsInvisible() throws {
        try withTemporaryRegistry { registry in
            try FileManager.default.createDirectory(
                atPath: registry.layout.stagingPath, withIntermediateDirectories: true)
            let live = try makeStaging(registry, pid: Self.invisiblePid, suffix: "00112233aabbccdd")
            let (holder, input) = try holdLock(live.lock)

            let report = try registry.recover()
            #expect(!report.removedLeftovers.contains(live.directory), "\(report.removedLeftovers)")
            #expect(FileManager.default.fileExists(atPath: live.directory + "/sub/w.bin"))
            #expect(FileManager.default.fileExists(atPath: live.lock))

            // The writer is gone once its lock is released: the next recovery removes both.
            try input.fileHandleForWriting.close()
            holder.waitUntilExit()
            let after = try registry.recover()
            #expect(
                Set(after.removedLeftovers).isSuperset(of: [live.directory, live.lock]), "\(after.removedLeftovers)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
        }
    }

    @Test func recoverRemovesAnUnlockedStagingDirectoryEvenWhenItsPidIsAlive() throws {
        try withTemporaryRegistry { registry in
            try FileManager.default.createDirectory(
                atPath: registry.layout.stagingPath, withIntermediateDirectories: true)
            // A crashed writer whose pid now belongs to a running process (here: this test's own).
            let crashed = try makeStaging(
                registry, pid: Int(ProcessInfo.processInfo.processIdentifier), suffix: "ffeeddccbbaa9988")
            let report = try registry.recover()
            #expect(Set(report.removedLeftovers) == [crashed.directory, crashed.lock])
            #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
            #expect(try registry.recover().isClean)
        }
    }

    @Test func recoverRemovesAPlantedSymlinkForALockFileWithoutFollowingIt() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            try FileManager.default.createDirectory(
                atPath: registry.layout.stagingPath, withIntermediateDirectories: true)
            let outside = temp.appendingPathComponent("precious.txt")
            try Data("keep".utf8).write(to: outside)
            let directory = registry.layout.stagingPath + "/ingest-\(Self.invisiblePid)-0101010101010101"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: directory + ".lock", withDestinationPath: outside.path)
            let report = try registry.recover()
            #expect(Set(report.removedLeftovers) == [directory, directory + ".lock"])
            #expect(try Data(contentsOf: outside) == Data("keep".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
        }
    }

    @Test func recoverLeavesAStagedRegistrationOfThisProcessAloneAndItStillPublishes() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let metadata = ArtifactMetadata(name: "model")
            let staged = try registry.artifacts.stage(directory: bundle, metadata: metadata)
            // flock excludes another descriptor of the same process too, so this is what a second container sees.
            let report = try registry.recover()
            #expect(report.removedLeftovers.isEmpty, "\(report.removedLeftovers)")
            let registration = try registry.artifacts.publish(staged)
            #expect(registration.isNew)
            #expect(try registry.verify(registration.artifact.id).isClean)
            #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
        }
    }

    /// Whether this process may start a child in a new PID namespace (root with `unshare`, as in CI).
    static let canUnsharePids: Bool = {
        guard getuid() == 0, CLIRunner.binary != nil else { return false }
        return CLIRunner.succeeds("/usr/bin/unshare", ["--pid", "--fork", "--mount-proc", "true"])
    }()

    @Test(.enabled(if: canUnsharePids, "needs root and unshare --pid to run recover in another PID namespace"))
    func recoverInAnotherPidNamespaceLeavesALiveRegistrationAlone() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let bundle = try BundleFixture.write(
                ["w.bin": BundleFixture.randomBytes(count: 100_000, seed: 41), "sub/t.txt": Array("t".utf8)],
                to: temp.appendingPathComponent("bundle"))
            let staged = try registry.artifacts.stage(directory: bundle, metadata: ArtifactMetadata(name: "model"))
            // A second container on the same volume: there, this process's pid does not exist.
            let binary = try #require(CLIRunner.binary)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            process.arguments = [
                "--pid", "--fork", "--mount-proc", binary.path, "recover", "--registry", registry.layout.rootPath,
            ]
            process.environment = ["PATH": "/usr/bin:/bin", "SWIFT_BACKTRACE": "enable=no"]
            let errors = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try process.run()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(stderr)")
            #expect(FileManager.default.fileExists(atPath: staged.stagingPath + "/sub/t.txt"))

            let registration = try registry.artifacts.publish(staged)
            #expect(try registry.verify(registration.artifact.id).isClean)
        }
    }

    #if DEBUG
        /// When something removes a staged file.
        enum Removal: String, CaseIterable, Sendable {
            /// While the manifest is being made, after the last file was copied (seen through progress).
            case beforeTheManifest
            /// Just before the writer lock is taken to publish (seen through the fault injector's hook on flock).
            case beforePublishing
        }

        @Test(arguments: Removal.allCases)
        func aRegistrationWhoseStagedFilesWereRemovedFailsInsteadOfPublishing(removal: Removal) throws {
            try withTemporaryDirectory { temp in
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let bundle = try BundleFixture.write(
                    ["a.bin": Array(repeating: 1, count: 5000), "sub/b.bin": Array(repeating: 2, count: 6000)],
                    to: temp.appendingPathComponent("bundle"))
                let stagingPath = registry.layout.stagingPath
                // Something the writer cannot see (an older `recover` in another container) deletes a staged file.
                let removed = Locked<[String]>([])
                let removeStagedFile: @Sendable () -> Void = {
                    guard removed.value.isEmpty else { return }
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: stagingPath)) ?? []
                    for name in names where name.hasPrefix("ingest-") && !name.hasSuffix(".lock") {
                        let file = stagingPath + "/" + name + "/sub/b.bin"
                        if (try? FileManager.default.removeItem(atPath: file)) != nil { removed.value.append(file) }
                    }
                }
                let token =
                    removal == .beforePublishing
                    ? FaultInjector.shared.perform(
                        removeStagedFile, before: .flock, under: registry.layout.writerLockPath) : nil
                defer { token.map { FaultInjector.shared.remove($0) } }
                let error = try #require(throws: RegistryError.self) {
                    try registry.register(
                        directory: bundle, metadata: ArtifactMetadata(name: "model"),
                        progress: { progress in
                            if removal == .beforeTheManifest && progress.phase == .publishing { removeStagedFile() }
                        })
                }
                #expect(removed.value.count == 1)
                #expect(error.code == .fileChanged)
                #expect(error.message.contains("sub/b.bin"), "\(error.message)")
                #expect(try registry.listArtifacts().isEmpty)
                #expect(try FileManager.default.contentsOfDirectory(atPath: stagingPath).isEmpty)
                var events: [AuditEvent] = []
                try registry.journal.forEachEvent { events.append($0) }
                #expect(!events.contains { $0.type == .artifactRegistered })
                // Nothing half-done is left: the same registration succeeds now.
                #expect(try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "model")).isNew)
            }
        }
    #endif

    @Test func publishingAStagedArtifactWithAnExtraFileFails() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let staged = try registry.artifacts.stage(directory: bundle, metadata: ArtifactMetadata(name: "model"))
            try Data("planted".utf8).write(to: URL(fileURLWithPath: staged.stagingPath + "/planted.bin"))
            let error = try #require(throws: RegistryError.self) { try registry.artifacts.publish(staged) }
            #expect(error.code == .fileChanged)
            #expect(try registry.listArtifacts().isEmpty)
            try registry.artifacts.discard(staged)
            #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
        }
    }
}

/// A value shared with a `@Sendable` callback.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
