import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue #14, failure 8: a registry's own directories (and its writer lock) behind a symbolic link must be refused
/// by writers, which would otherwise write outside the registry; a crash in hard-link or move mode must not leave
/// the user's files read-only; error messages must read as sentences.
@Suite struct SymlinkedRegistryDirectoryTests {
    /// A registry with one artifact, and a directory outside it.
    private func withRegistry(_ body: (Registry, ArtifactID, URL) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let id = try BundleFixture.registerModel("a", in: registry, under: temp)
            let outside = temp.appendingPathComponent("outside")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            try body(registry, id, outside)
        }
    }

    /// Moves the registry's directory `path` to `outside/<name>` (or creates it there when the registry has none
    /// yet) and leaves a symbolic link in its place.
    private func replaceWithLink(_ path: String, outside: URL) throws -> URL {
        let target = outside.appendingPathComponent((path as NSString).lastPathComponent)
        if FileManager.default.fileExists(atPath: path) {
            try FileManager.default.moveItem(atPath: path, toPath: target.path)
        } else {
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target.path)
        return target
    }

    /// Every file under `url` with its bytes, to see that nothing outside the registry changed.
    private func contents(_ url: URL) -> [String: Data] {
        var result: [String: Data] = [:]
        for case let relative as String in FileManager.default.enumerator(atPath: url.path) ?? .init() {
            result[relative] = FileManager.default.contents(atPath: url.path + "/" + relative) ?? Data()
        }
        return result
    }

    @Test func aWriterRefusesASymlinkedAuditDirectory() throws {
        try withRegistry { registry, id, outside in
            let target = try replaceWithLink(registry.layout.auditPath, outside: outside)
            let before = contents(target)
            let error = try #require(throws: RegistryError.self) { try registry.promote("champion", to: id) }
            #expect(error.code == .symlinkRefused)
            #expect(error.message.contains("audit"))
            #expect(contents(target) == before, "nothing may be appended outside the registry")
            #expect(try registry.aliases.record("champion") == nil)
        }
    }

    @Test func aWriterRefusesASymlinkedWriterLockOrLocksDirectory() throws {
        try withRegistry { registry, id, outside in
            let lock = registry.layout.writerLockPath
            try? FileManager.default.removeItem(atPath: lock)
            let elsewhere = outside.appendingPathComponent("elsewhere.lock")
            try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: elsewhere.path)
            let error = try #require(throws: RegistryError.self) { try registry.promote("champion", to: id) }
            #expect(error.code == .symlinkRefused)
            #expect(!FileManager.default.fileExists(atPath: elsewhere.path), "no lock file created outside")

            try FileManager.default.removeItem(atPath: lock)
            let locks = try replaceWithLink(registry.layout.locksPath, outside: outside)
            let lockDirectoryError = try #require(throws: RegistryError.self) {
                try registry.promote("champion", to: id)
            }
            #expect(lockDirectoryError.code == .symlinkRefused)
            #expect(contents(locks).isEmpty)
        }
    }

    @Test func writersNeverWriteThroughASymlinkedIndexesDirectory() throws {
        try withRegistry { registry, id, outside in
            let target = try replaceWithLink(registry.layout.indexesPath, outside: outside)
            let before = contents(target)
            try registry.promote("champion", to: id)  // the index is a cache: the promotion itself goes through
            _ = try registry.verify(id, depth: .full)  // would record stamps in indexes/stamps/
            let error = try #require(throws: RegistryError.self) { try registry.rebuildIndexes() }
            #expect(error.code == .symlinkRefused)
            #expect(contents(target) == before, "nothing may be written outside the registry")
        }
    }

    @Test func aWriterRefusesASymlinkedAliasesDirectoryNamingTheLink() throws {
        try withRegistry { registry, id, outside in
            let target = try replaceWithLink(registry.layout.aliasesPath, outside: outside)
            let error = try #require(throws: RegistryError.self) { try registry.promote("champion", to: id) }
            #expect(error.code == .symlinkRefused)
            #expect(contents(target).isEmpty)
        }
    }

    /// The remaining registry directories, each behind a link, with the write that goes through it: the write is
    /// refused with a typed error and nothing appears outside the registry.
    enum LinkedDirectory: String, CaseIterable, CustomStringConvertible {
        case staging, artifacts, states, evaluations, checkpoints, signatures

        var description: String { rawValue }

        func path(in registry: Registry, artifact id: ArtifactID) -> String {
            switch self {
            case .staging: registry.layout.stagingPath
            case .artifacts: registry.layout.artifactsPath
            case .states: registry.layout.statesPath
            case .evaluations: registry.layout.evaluationsPath
            case .checkpoints: registry.layout.checkpointsPath
            case .signatures: registry.layout.signaturesPath(of: id)
            }
        }

        func write(_ registry: Registry, artifact id: ArtifactID, temp: URL) throws {
            switch self {
            case .staging, .artifacts: _ = try BundleFixture.registerModel("b", in: registry, under: temp)
            case .states: try registry.setState(id, to: .production, reason: "shipped")
            case .evaluations: try registry.addEvaluation(.init(evaluator: "h", metrics: ["accuracy": 0.9]), to: id)
            case .checkpoints:
                try registry.writeCheckpoint(signedBy: try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 32)))
            case .signatures: try registry.sign(id, with: FakeSigner(name: "release"))
            }
        }
    }

    @Test(arguments: LinkedDirectory.allCases)
    func aWriterNeverWritesThroughASymlinkedRegistryDirectory(_ directory: LinkedDirectory) throws {
        try withRegistry { registry, id, outside in
            let target = try replaceWithLink(directory.path(in: registry, artifact: id), outside: outside)
            let before = contents(target)
            let error = try #require(throws: RegistryError.self) {
                try directory.write(registry, artifact: id, temp: outside.deletingLastPathComponent())
            }
            #expect(error.code == .symlinkRefused, "\(directory): \(error.code) \(error.message)")
            #expect(contents(target) == before, "\(directory): nothing may be written outside the registry")
        }
    }

    #if DEBUG
        @Test func aFailedAppendSaysWhatItCouldNotDoInASentence() throws {
            try withRegistry { registry, id, _ in
                let token = FaultInjector.shared.inject(.write, errno: EIO, under: registry.layout.auditPath + "/")
                defer { FaultInjector.shared.remove(token) }
                let error = try #require(throws: RegistryError.self) { try registry.promote("champion", to: id) }
                #expect(error.message.contains("could not append to the file '"), "\(error.message)")
                #expect(!error.message.contains(" to at "), "\(error.message)")
            }
        }

        @Test(arguments: ["hardlink", "move"])
        func recoveryGivesTheSourcesOfACrashedLinkingRegistrationTheirModesBack(mode: String) throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                _ = try Registry.create(at: root)
                let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
                let files = (FileManager.default.enumerator(atPath: bundle.path)?.allObjects as? [String] ?? [])
                    .map { bundle.path + "/" + $0 }
                    .filter {
                        (try? FileManager.default.attributesOfItem(atPath: $0)[.type] as? FileAttributeType)
                            == .typeRegular
                    }
                #expect(files.count >= 2)
                for file in files {
                    try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file)
                }
                try runKilled(
                    ["register", bundle.path, "--mode", mode, "--registry", root.path], at: "artifact.afterStaging")
                func modes() throws -> [Int] {
                    try files.map {
                        try FileManager.default.attributesOfItem(atPath: $0)[.posixPermissions] as? Int ?? -1
                    }
                }
                let staged = try modes()
                #expect(staged.allSatisfy { $0 == 0o444 }, "staging made the linked sources read-only: \(staged)")
                let registry = try Registry.open(at: root)
                let report = try registry.recover()
                let restored = try modes()
                #expect(restored.allSatisfy { $0 == 0o640 }, "after \(report): \(restored)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
                #expect(try registry.listArtifacts().isEmpty)
                #expect(files.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "nothing moved away")
            }
        }
    #endif
}
