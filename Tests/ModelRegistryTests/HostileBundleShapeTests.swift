import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #14's hostile-input list, the shapes of a bundle rather than its bytes: names at the file-system limit of
/// 255 bytes (and one byte over it, which no local file system can hold but a manifest can name), and a bundle of
/// 50,000 files. Each registers, verifies, indexes and passes `fsck`, or is refused with a typed error naming it.
@Suite struct HostileBundleShapeTests {
    /// A name of exactly `count` UTF-8 bytes, ending in `suffix`.
    private static func name(bytes count: Int, suffix: String = ".bin") -> String {
        String(repeating: "n", count: count - suffix.utf8.count) + suffix
    }

    /// The message of the `RegistryError` `body` throws, or nil.
    private static func errorMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as RegistryError {
            return error.message
        } catch {
            return "not a RegistryError: \(error)"
        }
    }

    @Test(arguments: FileArtifactStore.IngestMode.allCases)
    func namesOf255BytesRegisterVerifyAndIndexInEveryMode(mode: FileArtifactStore.IngestMode) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let long = Self.name(bytes: 255)
            let directory = Self.name(bytes: 255, suffix: ".d")
            // A two-byte character at the end: the limit counts bytes, not characters.
            let accented = Self.name(bytes: 255, suffix: "é")
            #expect([long, directory, accented].allSatisfy { $0.utf8.count == 255 })
            let files: [String: [UInt8]] = [
                long: BundleFixture.randomBytes(count: 4096, seed: 1),
                directory + "/" + long: BundleFixture.randomBytes(count: 100, seed: 2),
                accented: Array("x".utf8),
            ]
            let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("bundle"))
            let registration = try registry.register(
                directory: bundle, metadata: ArtifactMetadata(name: "long-names"),
                options: .init(mode: mode))
            let id = registration.artifact.id
            #expect(Set(registration.artifact.manifest.files.map(\.path)) == Set(files.keys))
            let report = try registry.verify(id, depth: .full)
            #expect(report.isClean, "\(report)")
            #expect(try registry.query(IndexQuery(name: "long-names")).map(\.id) == [id])
            _ = try registry.rebuildIndexes()
            #expect(try registry.query(IndexQuery(name: "long-names")).map(\.id) == [id])
            try expectConsistent(temp.appendingPathComponent("registry"))
            _ = try registry.openForLoading(id)
            let stored = registry.layout.artifactPath(id) + "/" + directory + "/" + long
            #expect(FileManager.default.contents(atPath: stored).map(Array.init) == files[directory + "/" + long])
        }
    }

    @Test func aComponentOf256BytesIsRefusedNamingIt() throws {
        let tooLong = Self.name(bytes: 256)
        for path in [tooLong, "dir/" + tooLong, tooLong + "/file.bin"] {
            let code = registryErrorCode { try BundlePath.check(path, context: "manifest.json") }
            #expect(code == .invalidPath, "\(path.prefix(12))…")
            let message = Self.errorMessage { try BundlePath.check(path, context: "manifest.json") }
            #expect(message?.contains("longer than 255 bytes") == true, "\(message ?? "")")
            #expect(message?.contains("manifest.json") == true)
        }
        #expect(registryErrorCode { try BundlePath.check(Self.name(bytes: 255), context: "m") } == nil)

        // A manifest naming such a file is refused when it is read, before any file is opened.
        let valid = try Manifest(
            hashAlgorithm: "sha256", metadata: ArtifactMetadata(name: "x"),
            files: [
                .init(
                    path: "placeholder", size: 1,
                    digest: Digest(algorithm: "sha256", bytes: [UInt8](repeating: 0, count: 32)))
            ])
        let manifest = String(decoding: valid.canonicalBytes(), as: UTF8.self)
            .replacingOccurrences(of: "placeholder", with: tooLong)
        #expect(manifest.contains(tooLong))
        let error = Self.errorMessage {
            _ = try Manifest(parsing: Array(manifest.utf8), source: "artifacts/x/manifest.json")
        }
        #expect(error?.contains("longer than 255 bytes") == true, "\(error ?? "no error")")
        #expect(error?.contains("artifacts/x/manifest.json") == true, "\(error ?? "no error")")
    }

    /// Runs `body` in a fresh directory in the RAM-backed `/dev/shm` where there is one (Linux), else in the
    /// temporary directory: for fixtures of many small files, whose creation, fsyncs and removal would otherwise
    /// take minutes of CI time on a shared disk while testing nothing more.
    private static func withScratchInMemory(_ body: (URL) throws -> Void) throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/shm") else { return try withTemporaryDirectory(body) }
        var template = Array("/dev/shm/modelreg-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw RegistryError(.io, "mkdtemp in /dev/shm failed: errno \(errno)")
        }
        let directory = URL(fileURLWithPath: String(cString: made))
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    /// 50,000 small files in 100 directories: registration, deep verification, `fsck`, the index and a rebuild
    /// all handle it. The files are written with plain `write(2)` calls, in memory where possible, so that the
    /// fixture takes seconds.
    @Test func aBundleOf50000FilesRegistersVerifiesAndIsIndexed() throws {
        try Self.withScratchInMemory { temp in
            let bundle = temp.appendingPathComponent("bundle")
            let count = 50_000
            var clock = Date()
            for directory in 0..<100 {
                let path = bundle.appendingPathComponent("shard-\(directory)")
                try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
                for index in 0..<(count / 100) {
                    let file = path.path + "/f\(index).txt"
                    let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o644)
                    try #require(descriptor >= 0, "open \(file): errno \(errno)")
                    let text = Array("\(directory)/\(index)\n".utf8)
                    let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                    close(descriptor)
                    try #require(written == text.count)
                }
            }
            func lap(_ what: String) {
                print("50,000 files: \(what) in \(String(format: "%.1f", Date().timeIntervalSince(clock))) s")
                clock = Date()
            }
            lap("written")
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let registration = try registry.register(
                directory: bundle, metadata: ArtifactMetadata(name: "many-files"), options: .init(mode: .hardlink))
            lap("registered")
            let id = registration.artifact.id
            #expect(registration.artifact.manifest.files.count == count)
            let report = try registry.verify(id, depth: .full)
            #expect(report.isClean, "\(report)")
            lap("verified")
            #expect(try registry.query(IndexQuery(name: "many-files")).map(\.id) == [id])
            _ = try registry.rebuildIndexes()
            #expect(try registry.query(IndexQuery(name: "many-files")).map(\.id) == [id])
            lap("indexed and rebuilt")
            // Quick depth: the files were just hashed by the verification above.
            let integrity = try registry.fsck()
            #expect(integrity.isClean, "\(integrity)")
            lap("fsck")
        }
    }

    /// A character device in a bundle (root: `mknod`) is refused as not a regular file, naming it; nothing is
    /// read from it and nothing is published.
    @Test func aDeviceInABundleIsRefusedNamingIt() throws {
        guard getuid() == 0 else {
            print("skipping: creating a device node needs root")
            return
        }
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let bundle = try BundleFixture.write(
                ["w.bin": Array("weights".utf8)], to: temp.appendingPathComponent("bundle"))
            // /dev/zero (major 1, minor 5 in the Linux encoding): a reader that followed it would never reach the end.
            try #require(
                mknod(bundle.path + "/zero", S_IFCHR | 0o644, dev_t((1 << 8) | 5)) == 0, "mknod: errno \(errno)")
            for mode in FileArtifactStore.IngestMode.allCases {
                let message = Self.errorMessage {
                    _ = try registry.register(
                        directory: bundle, metadata: ArtifactMetadata(name: "dev"), options: .init(mode: mode))
                }
                #expect(message?.contains("zero") == true, "\(mode): \(message ?? "registered")")
            }
            #expect(try registry.listArtifacts().isEmpty)
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath)) ?? []).isEmpty)
        }
    }

    /// A bundle file that is a hard link to a file outside the bundle is an ordinary file to the registry: a copy
    /// keeps the registered bytes when the outside name is rewritten, and in `hardlink` mode (which shares the
    /// inode) a rewrite through the outside name is caught before the bytes are served.
    @Test func aHardLinkOutOfTheBundleNeverChangesWhatIsServed() throws {
        try withTemporaryDirectory { temp in
            let copying = try Registry.create(at: temp.appendingPathComponent("copying"))
            let linking = try Registry.create(at: temp.appendingPathComponent("linking"))
            let outside = temp.appendingPathComponent("outside.bin")
            let original = BundleFixture.randomBytes(count: 8192, seed: 3)
            try Data(original).write(to: outside)
            let bundle = temp.appendingPathComponent("bundle")
            try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: false)
            try #require(link(outside.path, bundle.path + "/w.bin") == 0)

            let copied = try copying.register(directory: bundle, metadata: ArtifactMetadata(name: "m"))
            let linked = try linking.register(
                directory: bundle, metadata: ArtifactMetadata(name: "m"), options: .init(mode: .hardlink))
            #expect(copied.artifact.id == linked.artifact.id, "one content, one id")

            // Rewrite through the outside name (its owner can make it writable again).
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: outside.path)
            let handle = try FileHandle(forWritingTo: outside)
            try handle.write(contentsOf: Data(repeating: 0x41, count: 16))
            try handle.close()

            let copy = copying.layout.artifactPath(copied.artifact.id) + "/w.bin"
            #expect(FileManager.default.contents(atPath: copy).map(Array.init) == original, "the copy is its own")
            #expect(try copying.verify(copied.artifact.id, depth: .full).isClean)
            _ = try copying.openForLoading(copied.artifact.id)
            // The linked artifact shares the inode: serving it refuses the changed bytes.
            #expect(registryErrorCode { try linking.openForLoading(linked.artifact.id) } == .digestMismatch)
            #expect(!(try linking.verify(linked.artifact.id, depth: .full).isClean))
        }
    }
}
