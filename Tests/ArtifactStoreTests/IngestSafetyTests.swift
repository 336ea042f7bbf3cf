import ArtifactStore
import Foundation
import ModelRegistry
import RegistryCore
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the ingest modes must never do to a registry or with a source (issue #14, failures 2–4): take a published
/// artifact's files as a source, register a file torn by a concurrent writer, or publish a file its owner can
/// still rewrite.
@Suite struct IngestSafetyTests {
    let metadata = ArtifactMetadata(name: "model")

    /// Registers a bundle with a `sub/` directory and returns its id and the registry.
    private func registerVictim(in temp: URL) throws -> (Registry, ArtifactID) {
        let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
        let bundle = try BundleFixture.write(
            ["w.bin": BundleFixture.randomBytes(count: 9000, seed: 11), "sub/t.txt": Array("text".utf8)],
            to: temp.appendingPathComponent("victim"))
        return (registry, try registry.register(directory: bundle, metadata: metadata).artifact.id)
    }

    /// Runs a helper tool (not one of our products) to its end, with Swift's backtracer off in any child.
    private func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SWIFT_BACKTRACE": "enable=no"]
            .merging(environment) { $1 }
        let outcome = try CLIRunner.capture(process)
        return (outcome.status, outcome.stdout, outcome.stderr)
    }

    // MARK: Sources inside the registry (failure 2)

    @Test(arguments: [FileArtifactStore.IngestMode.move, .hardlink])
    func aSourceReachedThroughASymlinkToTheRegistryIsRefused(mode: FileArtifactStore.IngestMode) throws {
        try withTemporaryDirectory { temp in
            let (registry, id) = try registerVictim(in: temp)
            let alias = temp.appendingPathComponent("alias")
            try FileManager.default.createSymbolicLink(
                atPath: alias.path, withDestinationPath: registry.layout.rootPath)
            let source = alias.appendingPathComponent("artifacts/\(id)/sub")
            let error = try #require(throws: RegistryError.self) {
                try registry.register(directory: source, metadata: metadata, options: .init(mode: mode))
            }
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("inside the registry"), "\(error.message)")
            #expect(try registry.listArtifacts() == [id])
            #expect(try registry.verify(id).isClean)
            #expect(FileManager.default.fileExists(atPath: registry.layout.artifactPath(id) + "/sub/t.txt"))
        }
    }

    @Test func aSourceReachedThroughASymlinkToArtifactsIsRefused() throws {
        try withTemporaryDirectory { temp in
            let (registry, id) = try registerVictim(in: temp)
            let alias = temp.appendingPathComponent("store")
            try FileManager.default.createSymbolicLink(
                atPath: alias.path, withDestinationPath: registry.layout.artifactsPath)
            let file = alias.appendingPathComponent("\(id)/w.bin")
            let error = try #require(throws: RegistryError.self) {
                try registry.register(
                    files: [.init(source: file, path: "w.bin")], metadata: metadata, options: .init(mode: .move))
            }
            #expect(error.code == .invalidArgument)
            #expect(try registry.verify(id).isClean)
        }
    }

    /// Whether this process may bind-mount in a private mount namespace (root with `unshare`, as in CI).
    static let canBindMount: Bool = {
        guard getuid() == 0, CLIRunner.binary != nil else { return false }
        return CLIRunner.succeeds("/usr/bin/unshare", ["-m", "sh", "-c", "mount --bind / /mnt && umount /mnt"])
    }()

    @Test(.enabled(if: canBindMount, "needs root, unshare -m and mount --bind"))
    func moveModeRefusesASourceThroughABindMountOfTheRegistry() throws {
        try withTemporaryDirectory { temp in
            let (registry, id) = try registerVictim(in: temp)
            let binary = try #require(CLIRunner.binary)
            let alias = temp.appendingPathComponent("alias")
            try FileManager.default.createDirectory(at: alias, withIntermediateDirectories: true)
            let root = registry.layout.rootPath
            // The mount exists only in the child's private mount namespace and vanishes with it.
            let outcome = try run(
                "/usr/bin/unshare",
                [
                    "-m", "sh", "-c",
                    "mount --bind \"$1\" \"$2\" && exec \"$3\" register \"$2/artifacts/$4/sub\" --mode move "
                        + "--registry \"$1\"",
                    "sh", root, alias.path, binary.path, id.description,
                ])
            #expect(outcome.status != 0, "\(outcome.stdout)")
            #expect(outcome.stderr.contains("inside the registry"), "\(outcome.stderr)")
            #expect(try registry.listArtifacts() == [id])
            #expect(try registry.verify(id).isClean)
            #expect(FileManager.default.fileExists(atPath: registry.layout.artifactPath(id) + "/sub/t.txt"))
        }
    }

    // MARK: Sources rewritten while they are copied (failure 3)

    #if DEBUG
        enum Rewrite: String, CaseIterable, Sendable {
            /// New bytes written over the old ones, same size: only the times tell.
            case inPlace
            /// The file cut short.
            case truncated
            /// Another file renamed over it (how most tools save): the copy reads the old inode to its end, so
            /// only the path's new inode tells.
            case replaced
        }

        @Test(
            arguments: [FileArtifactStore.IngestMode.copy, .reflink], Rewrite.allCases)
        func aSourceChangedDuringTheCopyFailsWithFileChangedAndPublishesNothing(
            mode: FileArtifactStore.IngestMode, rewrite: Rewrite
        ) throws {
            try withTemporaryDirectory { temp in
                let size = 3 * StreamingHasher.chunkSize
                let bundle = try BundleFixture.write(
                    ["weights.bin": BundleFixture.randomBytes(count: size, seed: 21)],
                    to: temp.appendingPathComponent("bundle"))
                let source = bundle.path + "/weights.bin"
                // An old modification time, so that the rewrite below changes it even on a coarse clock.
                try FileManager.default.setAttributes(
                    [.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)], ofItemAtPath: source)
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let replacement = BundleFixture.randomBytes(count: size, seed: 22)
                let fired = Locked(false)
                // After the first chunk was read, the training script rewrites its checkpoint in place.
                let token = FaultInjector.shared.perform(
                    {
                        fired.value = true
                        switch rewrite {
                        case .inPlace:
                            let fd = open(source, O_WRONLY)
                            _ = replacement.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
                            close(fd)
                        case .truncated:
                            _ = truncate(source, 4096)
                        case .replaced:
                            let saved = source + ".saving"
                            _ = FileManager.default.createFile(atPath: saved, contents: Data(replacement))
                            _ = rename(saved, source)
                        }
                    }, before: .read, under: source, after: 1)
                defer { FaultInjector.shared.remove(token) }
                let outcome = Result {
                    try registry.register(directory: bundle, metadata: metadata, options: .init(mode: mode))
                }
                guard fired.value else {
                    // A file system that clones (btrfs, XFS) never reads the source: the clone is one atomic step.
                    let registration = try outcome.get()
                    #expect(registration.copiedInstead.isEmpty)
                    return
                }
                let error = try #require(throws: RegistryError.self) { try outcome.get() }
                #expect(error.code == .fileChanged)
                #expect(error.message.contains("weights.bin"), "\(error.message)")
                #expect(try registry.listArtifacts().isEmpty)
                #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
                // Once the writer is done, the new content registers.
                FaultInjector.shared.remove(token)
                let registration = try registry.register(
                    directory: bundle, metadata: metadata, options: .init(mode: mode))
                let written = Array(try Data(contentsOf: URL(fileURLWithPath: source)))
                #expect(
                    registration.artifact.manifest.entry(at: "weights.bin")?.digest == SHA256Algorithm().hash(written))
            }
        }

        /// README: in `hardlink` and `move` mode "any file that cannot be made read-only is copied". Besides another
        /// user's file (below), a `fchmod` the file system refuses (EPERM, EACCES: an owner changed since the check,
        /// an attribute the kernel keeps) makes the link go and the file be copied instead (hardlink mode leaves the
        /// source as it was; move mode takes it once copied).
        @Test(arguments: [FileArtifactStore.IngestMode.hardlink, .move], [EPERM, EACCES])
        func aLinkedFileThatCannotBeMadeReadOnlyIsCopiedInstead(mode: FileArtifactStore.IngestMode, errno: Int32)
            throws
        {
            try withTemporaryDirectory { temp in
                let bytes = BundleFixture.randomBytes(count: 100_000, seed: 31)
                let bundle = try BundleFixture.write(["weights.bin": bytes], to: temp.appendingPathComponent("bundle"))
                let source = bundle.path + "/weights.bin"
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                // The first fchmod under staging/ seals the ingest's mode record; the second is the linked file's.
                let token = FaultInjector.shared.inject(
                    .fchmod, errno: errno, under: registry.layout.stagingPath + "/", after: 1, times: 1)
                defer { FaultInjector.shared.remove(token) }
                let registration = try registry.register(
                    directory: bundle, metadata: metadata, options: .init(mode: mode))
                #expect(FaultInjector.shared.hasFired(token))
                #expect(registration.copiedInstead == ["weights.bin"])
                let stored = registry.layout.artifactPath(registration.artifact.id) + "/weights.bin"
                var storedStatus = stat()
                var sourceStatus = stat()
                #expect(stat(stored, &storedStatus) == 0 && storedStatus.st_mode & 0o222 == 0, "stored read-only")
                if mode == .hardlink {
                    #expect(stat(source, &sourceStatus) == 0, "the source stays where it was")
                    #expect(sourceStatus.st_ino != storedStatus.st_ino, "a copy, not a link")
                    #expect(sourceStatus.st_mode & 0o200 != 0, "the source keeps its write permission")
                } else {
                    #expect(stat(source, &sourceStatus) != 0, "move mode takes the source once it is copied")
                }
                #expect(Array(try Data(contentsOf: URL(fileURLWithPath: stored))) == bytes)
                #expect(try registry.fsck(depth: .full).isClean)
            }
        }
    #endif

    // MARK: Hard links to files the registering user cannot make read-only (failure 4)

    static let setpriv = "/usr/bin/setpriv"
    static var canDropPrivileges: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv) && CLIRunner.binary != nil
    }

    @Test(.enabled(if: canDropPrivileges, "needs root and setpriv to register as one user another user's file"))
    func hardlinkModeCopiesAFileTheRegisteringUserDoesNotOwn() throws {
        try withTemporaryDirectory { temp in
            let registering: UInt32 = 65534  // nobody
            let owner = 12345  // some other user
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temp.path)
            let bytes = BundleFixture.randomBytes(count: 70_000, seed: 31)
            let bundle = try BundleFixture.write(
                ["shared.bin": bytes, "own.bin": Array("mine".utf8)], to: temp.appendingPathComponent("bundle"))
            let shared = bundle.path + "/shared.bin"
            // Writable by everyone, owned by someone else: link(2) is allowed, fchmod(2) is not.
            try FileManager.default.setAttributes(
                [.ownerAccountID: owner, .groupOwnerAccountID: owner, .posixPermissions: 0o666], ofItemAtPath: shared)
            try FileManager.default.setAttributes(
                [.ownerAccountID: Int(registering), .posixPermissions: 0o644], ofItemAtPath: bundle.path + "/own.bin")
            let root = temp.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            let home = temp.appendingPathComponent("home")
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            let chown = Process()
            chown.executableURL = URL(fileURLWithPath: "/bin/chown")
            chown.arguments = ["-R", "\(registering):\(registering)", root.path, home.path]
            try chown.run()
            chown.waitUntilExit()
            #expect(chown.terminationStatus == 0)

            let binary = try #require(CLIRunner.binary)
            let outcome = try run(
                Self.setpriv,
                [
                    "--reuid=\(registering)", "--regid=\(registering)", "--clear-groups", binary.path, "register",
                    bundle.path, "--mode", "hardlink", "--registry", root.path, "--json",
                ], environment: ["HOME": home.path])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.stdout)"
            )
            #expect(json["copiedInstead"] as? [String] == ["shared.bin"])
            let idText = try #require(json["id"] as? String)
            let id = try #require(ArtifactID(idText))

            let published = registry.layout.artifactPath(id) + "/shared.bin"
            let publishedStatus = try #require(try FileSystem.status(published))
            let sourceStatus = try #require(try FileSystem.status(shared))
            #expect(publishedStatus.inode != sourceStatus.inode, "the owner could still rewrite the artifact")
            #expect(publishedStatus.permissions == 0o444)
            #expect(sourceStatus.permissions == 0o666, "someone else's file keeps its mode")
            // The registering user's own file is still linked, and made read-only.
            let ownStatus = try #require(try FileSystem.status(registry.layout.artifactPath(id) + "/own.bin"))
            #expect(ownStatus.inode == (try FileSystem.status(bundle.path + "/own.bin"))?.inode)
            #expect(ownStatus.permissions == 0o444)
            #expect(try Registry.open(at: root).verify(id).isClean)
        }
    }
}

/// A value shared with a `@Sendable` closure.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
