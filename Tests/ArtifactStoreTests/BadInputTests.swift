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

/// Every bad input gets a typed error naming what was wrong, and leaves nothing behind: no artifact, no
/// staging directory.
@Suite struct BadInputTests {
    let metadata = ArtifactMetadata(name: "model")

    /// Runs a registration expected to fail; returns the error and checks that nothing was left behind.
    private func failedRegistration(
        _ registry: Registry, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Registration
    ) throws -> RegistryError {
        let error = try #require(throws: RegistryError.self, sourceLocation: sourceLocation) { try body() }
        #expect(try registry.listArtifacts().isEmpty, sourceLocation: sourceLocation)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty,
            sourceLocation: sourceLocation)
        return error
    }

    @Test func aMissingSourceDirectoryIsNotFound() throws {
        try withTemporaryRegistry { registry in
            let missing = URL(fileURLWithPath: "/nonexistent/model-\(UUID().uuidString)")
            let error = try failedRegistration(registry) {
                try registry.register(directory: missing, metadata: metadata)
            }
            #expect(error.code == .notFound)
            #expect(error.message.contains(missing.path))
        }
    }

    @Test func aMissingSourceFileIsNotFound() throws {
        try withTemporaryRegistry { registry in
            let missing = URL(fileURLWithPath: "/nonexistent/weights-\(UUID().uuidString).bin")
            let error = try failedRegistration(registry) {
                try registry.register(files: [.init(source: missing, path: "weights.bin")], metadata: metadata)
            }
            #expect(error.code == .notFound)
            #expect(error.message.contains(missing.path))
        }
    }

    #if DEBUG
        @Test func anUnreadableSourceFileIsAnIOErrorNamingIt() throws {
            try withTemporaryDirectory { temp in
                let bundle = try BundleFixture.write(
                    ["a.bin": [1], "secret.bin": [2]], to: temp.appendingPathComponent("bundle"))
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                // Root ignores permission bits, so the refusal is injected at the open(2) shim for this file only.
                let secret = bundle.appendingPathComponent("secret.bin").path
                let token = FaultInjector.shared.inject(.open, errno: EACCES, under: secret)
                defer { FaultInjector.shared.remove(token) }
                let error = try failedRegistration(registry) {
                    try registry.register(directory: bundle, metadata: metadata)
                }
                #expect(error.code == .permissionDenied)
                #expect(error.message.contains("secret.bin") && error.message.contains("permission denied"))
            }
        }
    #endif

    @Test func aSymbolicLinkInsideTheBundleIsRefusedByDefault() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(["weights.bin": [1, 2, 3]], to: temp.appendingPathComponent("bundle"))
            try BundleFixture.write(["outside.txt": Array("not part of the model".utf8)], to: temp)
            try FileManager.default.createSymbolicLink(
                atPath: bundle.appendingPathComponent("link.txt").path,
                withDestinationPath: temp.appendingPathComponent("outside.txt").path)
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let error = try failedRegistration(registry) {
                try registry.register(directory: bundle, metadata: metadata)
            }
            #expect(error.code == .symlinkRefused)
            #expect(error.message.contains("link.txt"))

            let followed = try registry.register(
                directory: bundle, metadata: metadata, options: .init(followSymlinks: true))
            let linked = try #require(followed.artifact.url(for: "link.txt"))
            #expect(try String(contentsOf: linked, encoding: .utf8) == "not part of the model")
        }
    }

    @Test func aSymbolicLinkGivenAsAnExplicitSourceIsRefusedByDefault() throws {
        try withTemporaryDirectory { temp in
            try BundleFixture.write(["real.bin": [9]], to: temp)
            let link = temp.appendingPathComponent("link.bin")
            try FileManager.default.createSymbolicLink(
                atPath: link.path, withDestinationPath: temp.appendingPathComponent("real.bin").path)
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            for mode in FileArtifactStore.IngestMode.allCases {
                let error = try failedRegistration(registry) {
                    try registry.register(
                        files: [.init(source: link, path: "w.bin")], metadata: metadata, options: .init(mode: mode))
                }
                #expect(error.code == .symlinkRefused, "\(mode)")
            }
        }
    }

    @Test(arguments: [
        "../escape.bin", "/etc/passwd", "a/../../b", "a//b", "a/./b", "trailing/", "", "manifest.json",
        "signatures/sig.json", "nul\u{0}byte", "line\nbreak",
    ])
    func pathsThatEscapeOrAreReservedAreRefused(path: String) throws {
        try withTemporaryDirectory { temp in
            let source = try BundleFixture.write(["w.bin": [1]], to: temp).appendingPathComponent("w.bin")
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let error = try failedRegistration(registry) {
                try registry.register(files: [.init(source: source, path: path)], metadata: metadata)
            }
            #expect(error.code == .invalidPath)
        }
    }

    @Test func aFileNameThatIsNotUTF8IsRefused() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(["ok.bin": [1]], to: temp.appendingPathComponent("bundle"))
            // "bad\xff.bin" cannot be spelled as a Swift String; create it through the raw bytes.
            var name = Array(bundle.path.utf8) + Array("/bad".utf8) + [0xFF] + Array(".bin".utf8) + [0]
            let fd = name.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
            }
            try #require(fd >= 0)
            close(fd)
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let error = try failedRegistration(registry) {
                try registry.register(directory: bundle, metadata: metadata)
            }
            #expect(error.code == .invalidPath)
            #expect(error.message.contains("not valid UTF-8") && error.message.contains("bad\\xff.bin"))
        }
    }

    @Test func twoNamesThatDifferOnlyByUnicodeNormalizationAreRefused() throws {
        try withTemporaryDirectory { temp in
            let composed = "caf\u{E9}.txt"  // é as one scalar (NFC)
            let decomposed = "cafe\u{301}.txt"  // e + combining acute (NFD)
            let bundle = temp.appendingPathComponent("bundle")
            try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
            for name in [composed, decomposed] {
                let path = Array(bundle.path.utf8) + [0x2F] + Array(name.utf8) + [0]
                let fd = path.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
                }
                try #require(fd >= 0)
                close(fd)
            }
            try #require(
                try FileManager.default.contentsOfDirectory(atPath: bundle.path).count == 2,
                "this file system normalizes names")
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let error = try failedRegistration(registry) {
                try registry.register(directory: bundle, metadata: metadata)
            }
            #expect(error.code == .invalidPath)
            #expect(error.message.contains("Unicode normalization"))
        }
    }

    @Test(arguments: ["", "has space", "nul\u{0}name", ".hidden", "-dash", String(repeating: "x", count: 129), "a//b"])
    func invalidArtifactNamesAreRefused(name: String) throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(["w.bin": [1]], to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let error = try failedRegistration(registry) {
                try registry.register(directory: bundle, metadata: ArtifactMetadata(name: name))
            }
            #expect(error.code == .invalidName)
        }
    }

    @Test func invalidCapabilitiesAndLabelsAreRefused() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(["w.bin": [1]], to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            for metadata in [
                ArtifactMetadata(name: "m", capabilities: ["Text Classification"]),
                ArtifactMetadata(name: "m", labels: ["Bad Key": "v"]),
                ArtifactMetadata(name: "m", labels: ["key": "nul\u{0}value"]),
            ] {
                let error = try failedRegistration(registry) {
                    try registry.register(directory: bundle, metadata: metadata)
                }
                #expect(error.code == .invalidName)
            }
        }
    }

    #if DEBUG
        @Test(arguments: [SystemCall.write, .fsync, .open, .rename])
        func aDiskFullOrIOErrorMidRegistrationCleansStagingAndPublishesNothing(call: SystemCall) throws {
            try withTemporaryDirectory { temp in
                var files: [String: [UInt8]] = [:]
                for index in 0..<6 {
                    files["shard-\(index).bin"] = BundleFixture.randomBytes(count: 3_000_000, seed: UInt64(index))
                }
                let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("bundle"))
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let errno: Int32 = call == .write ? ENOSPC : EIO
                // The publishing rename is the only rename; the other calls fail part-way through the copies.
                let token = FaultInjector.shared.inject(
                    call, errno: errno, under: registry.layout.rootPath + "/", after: call == .rename ? 0 : 3)
                let error = try failedRegistration(registry) {
                    try registry.register(directory: bundle, metadata: metadata)
                }
                FaultInjector.shared.remove(token)
                #expect(error.code == (call == .write ? .noSpace : .io))
                if call == .write { #expect(error.message.contains("no space left")) }
                // The same registration succeeds once the fault is gone: nothing was half-published.
                #expect(try registry.register(directory: bundle, metadata: metadata).isNew)
            }
        }

        @Test func aHardLinkedSourceTruncatedWhileBeingHashedFailsWithFileChangedAndPublishesNothing() throws {
            try withTemporaryDirectory { temp in
                let weights = BundleFixture.randomBytes(count: 3 * StreamingHasher.mappingWindow, seed: 7)
                let bundle = try BundleFixture.write(
                    ["weights.bin": weights], to: temp.appendingPathComponent("bundle"))
                let source = bundle.path + "/weights.bin"
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                // The training script rewrites its checkpoint in place while the registry hashes the shared inode.
                let token = FaultInjector.shared.perform(
                    {
                        // registration made the shared inode read-only; its owner may undo that
                        _ = chmod(source, 0o644)
                        _ = truncate(source, 4096)
                    }, before: .mmap, under: registry.layout.stagingPath + "/", after: 1)
                let error = try failedRegistration(registry) {
                    try registry.register(directory: bundle, metadata: metadata, options: .init(mode: .hardlink))
                }
                FaultInjector.shared.remove(token)
                #expect(error.code == .fileChanged)
                #expect(error.message.contains("weights.bin"))
                // Once the writer is done, registering the new content works.
                #expect(
                    try registry.register(directory: bundle, metadata: metadata, options: .init(mode: .hardlink)).isNew)
            }
        }
    #endif
}
