import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Regressions for problems found in review: each would have lost or exposed a user's data.
@Suite struct ReviewRegressionTests {
    #if DEBUG
        @Test func moveModeKeepsTheSourcesWhenTheAuditEventCannotBeWritten() throws {
            try withTemporaryDirectory { temp in
                let bundle = try BundleFixture.write(["w.bin": [1, 2, 3]], to: temp.appendingPathComponent("bundle"))
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let token = FaultInjector.shared.inject(.fsync, errno: EIO, under: registry.layout.auditPath + "/")
                defer { FaultInjector.shared.remove(token) }
                #expect(
                    registryErrorCode {
                        try registry.register(
                            directory: bundle, metadata: ArtifactMetadata(name: "m"), options: .init(mode: .move))
                    } == .io)
                #expect(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("w.bin").path))
            }
        }
    #endif

    @Test func aFailedHardlinkRegistrationGivesTheSourceItsPermissionsBack() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(["w.bin": [1]], to: temp.appendingPathComponent("bundle"))
            let source = bundle.appendingPathComponent("w.bin").path
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: source)
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            // Files are staged largest first, one at a time here: w.bin is linked (and made read-only), then the
            // missing file fails the registration.
            let files: [FileArtifactStore.SourceFile] = [
                .init(source: URL(fileURLWithPath: source), path: "w.bin"),
                .init(source: temp.appendingPathComponent("missing.bin"), path: "missing.bin"),
            ]
            #expect(
                registryErrorCode {
                    try registry.register(
                        files: files, metadata: ArtifactMetadata(name: "m"),
                        options: .init(mode: .hardlink, maxConcurrency: 1))
                } == .notFound)
            let mode = try FileManager.default.attributesOfItem(atPath: source)[.posixPermissions] as? Int
            #expect(mode == 0o640)
        }
    }

    @Test func followedSymlinksWorkInHardlinkMode() throws {
        try withTemporaryDirectory { temp in
            try BundleFixture.write(["real.bin": [7, 7]], to: temp.appendingPathComponent("elsewhere"))
            let bundle = temp.appendingPathComponent("bundle")
            try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: bundle.appendingPathComponent("w.bin").path,
                withDestinationPath: temp.appendingPathComponent("elsewhere/real.bin").path)
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let artifact = try registry.register(
                directory: bundle, metadata: ArtifactMetadata(name: "m"),
                options: .init(mode: .hardlink, followSymlinks: true)
            ).artifact
            #expect(Array(try Data(contentsOf: try #require(artifact.url(for: "w.bin")))) == [7, 7])
            #expect(try registry.verify(artifact.id).isClean)
        }
    }

    @Test func movingFilesOutOfTheRegistryItselfIsRefused() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(["w.bin": [1]], to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let artifact = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m")).artifact
            let published = try #require(artifact.url(for: "w.bin"))
            #expect(
                registryErrorCode {
                    try registry.register(
                        files: [.init(source: published, path: "w.bin")], metadata: ArtifactMetadata(name: "other"),
                        options: .init(mode: .move))
                } == .invalidArgument)
            #expect(try registry.verify(artifact.id).isClean)
        }
    }

    @Test func aContractEditedThroughAHardLinkCannotPassThePolicy() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(
                ["w.bin": [1], "evaluation-card.json": Array(BundleFixture.evaluationCard(["accuracy": 0.5]).utf8)],
                to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            var rule = PromotionPolicy.Rule(aliases: "*")
            rule.metrics = ["accuracy": .init(minimum: 0.9)]
            try registry.setPromotionPolicy(PromotionPolicy(rules: [rule]))
            let id = try registry.register(
                directory: bundle, metadata: ArtifactMetadata(name: "m"), options: .init(mode: .hardlink)
            ).artifact.id
            // The user rewrites their (shared) evaluation card in place to claim a better score.
            let card = bundle.appendingPathComponent("evaluation-card.json").path
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: card)
            let handle = try #require(FileHandle(forWritingAtPath: card))
            try handle.write(contentsOf: Data(BundleFixture.evaluationCard(["accuracy": 0.99]).utf8))
            try handle.truncate(atOffset: try handle.offset())
            try handle.close()
            let error = try #require(throws: RegistryError.self) { try registry.promote("champion", to: id) }
            // The rewrite changed the card's size, which the quick verification every promotion runs catches first.
            #expect(error.code == .digestMismatch && error.message.contains("evaluation-card.json"), "\(error)")
        }
    }

    @Test func identifyRefusesAFIFOInsteadOfHanging() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(["w.bin": [1]], to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let artifact = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m")).artifact
            let copy = temp.appendingPathComponent("copy")
            try FileManager.default.copyItem(at: artifact.directory, to: copy)
            try FileManager.default.removeItem(at: copy.appendingPathComponent("w.bin"))
            try #require(mkfifo(copy.appendingPathComponent("w.bin").path, 0o644) == 0)
            #expect(
                registryErrorCode { try registry.artifacts.identify(directory: copy, verifyFiles: true) }
                    == .invalidPath)
        }
    }

    @Test func keysAreNotWrittenIntoARegistryThroughASymbolicLink() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let link = temp.appendingPathComponent("innocent")
            try FileManager.default.createSymbolicLink(
                atPath: link.path, withDestinationPath: registry.layout.artifactsPath)
            #expect(registryErrorCode { try KeyFiles.generateKeyPair(at: link.path + "/key") } == .invalidArgument)
            try KeyFiles.generateKeyPair(at: temp.path + "/key")
            #expect(registryErrorCode { try KeyFiles.generateKeyPair(at: temp.path + "/key") } == .alreadyExists)
        }
    }

    #if DEBUG
        @Test func aPolicyWhoseEventCannotBeWrittenIsRolledBack() throws {
            try withTemporaryDirectory { temp in
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let token = FaultInjector.shared.inject(.fsync, errno: EIO, under: registry.layout.auditPath + "/")
                defer { FaultInjector.shared.remove(token) }
                #expect(
                    registryErrorCode { try registry.setPromotionPolicy(PromotionPolicy(rules: [.init(aliases: "*")])) }
                        == .io)
                FaultInjector.shared.remove(token)
                #expect(try registry.promotionPolicy().rules.isEmpty)
            }
        }
    #endif
}
