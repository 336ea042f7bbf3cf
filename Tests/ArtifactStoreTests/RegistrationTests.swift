import ArtifactStore
import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@Suite struct RegistrationTests {
    let metadata = ArtifactMetadata(name: "document-classifier", capabilities: ["text-classification"])

    @Test func registeringADirectoryListsEveryFileAndTheIdIsTheManifestDigest() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let registration = try registry.register(directory: bundle, metadata: metadata)
            #expect(registration.isNew)
            let artifact = registration.artifact
            #expect(
                artifact.manifest.files.map(\.path) == [
                    "contract.json", "evaluation-card.json", "lineage.json", "tokenizer/vocab.txt", "weights.bin",
                ])
            for (path, bytes) in BundleFixture.standard {
                let url = try #require(artifact.url(for: path))
                #expect(Array(try Data(contentsOf: url)) == bytes)
                #expect(artifact.manifest.entry(at: path)?.digest == SHA256Algorithm().hash(bytes))
            }
            let manifestBytes = Array(try Data(contentsOf: artifact.directory.appendingPathComponent("manifest.json")))
            #expect(ArtifactID(digest: SHA256Algorithm().hash(manifestBytes)) == artifact.id)
            #expect(artifact.directory.lastPathComponent == artifact.id.description)
            #expect(try registry.artifact(artifact.id) == artifact)
            #expect(try registry.listArtifacts() == [artifact.id])
        }
    }

    @Test func fileURLThrowsNamingTheArtifactAndPathForAFileItDoesNotHave() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let artifact = try registry.register(directory: bundle, metadata: metadata).artifact
            #expect(try artifact.fileURL(at: "weights.bin") == artifact.url(for: "weights.bin"))
            let error = #expect(throws: RegistryError.self) { try artifact.fileURL(at: "weights.safetensors") }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("\(artifact.id) has no file 'weights.safetensors'") == true)
            #expect(error?.message.contains("weights.bin") == true)
        }
    }

    @Test func publishedFilesAreReadOnly() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let artifact = try registry.register(directory: bundle, metadata: metadata).artifact
            for url in artifact.fileURLs.values + [artifact.directory.appendingPathComponent("manifest.json")] {
                let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
                #expect((attributes[.posixPermissions] as? Int) == 0o444, "\(url.path)")
            }
        }
    }

    @Test func registeringIdenticalContentTwiceIsANoOpReturningTheSameArtifact() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let first = try registry.register(directory: bundle, metadata: metadata)
            let second = try registry.register(directory: bundle, metadata: metadata)
            #expect(first.isNew && !second.isNew)
            #expect(first.artifact.id == second.artifact.id)
            #expect(try registry.listArtifacts().count == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
        }
    }

    @Test func differentMetadataGivesADifferentId() throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let first = try registry.register(directory: bundle, metadata: metadata)
            var relabelled = metadata
            relabelled.labels = ["framework": "pytorch"]
            let second = try registry.register(directory: bundle, metadata: relabelled)
            #expect(first.artifact.id != second.artifact.id)
        }
    }

    /// Registers the standard bundle in a new registry under `temp`, then copies its artifact directory to
    /// `relativePath` under `temp`, outside the registry.
    private func registerAndCopy(in temp: URL, to relativePath: String) throws -> (Registry, Artifact, URL) {
        let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
        let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
        let artifact = try registry.register(directory: bundle, metadata: metadata).artifact
        let copy = temp.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: artifact.directory, to: copy)
        return (registry, artifact, copy)
    }

    @Test func anArtifactDirectoryCopiedElsewhereReDerivesItsId() throws {
        try withTemporaryDirectory { temp in
            let (registry, artifact, copy) = try registerAndCopy(in: temp, to: "elsewhere/some-other-name")
            #expect(try registry.artifacts.identify(directory: copy, verifyFiles: true) == artifact.id)

            // A second, unrelated registry derives the same id without the first one.
            let other = try Registry.create(at: temp.appendingPathComponent("other-registry"))
            #expect(try other.artifacts.identify(directory: copy, verifyFiles: true) == artifact.id)
        }
    }

    @Test func aTamperedCopyIsCaughtWhenFilesAreVerified() throws {
        try withTemporaryDirectory { temp in
            let (registry, artifact, copy) = try registerAndCopy(in: temp, to: "copy")
            let weights = copy.appendingPathComponent("weights.bin")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: weights.path)
            var bytes = Array(try Data(contentsOf: weights))
            bytes[100] ^= 0xFF
            try Data(bytes).write(to: weights)
            // The id still derives from the manifest; only re-hashing the files notices.
            #expect(try registry.artifacts.identify(directory: copy, verifyFiles: false) == artifact.id)
            #expect(
                registryErrorCode {
                    try registry.artifacts.identify(directory: copy, verifyFiles: true)
                } == .digestMismatch)
            try Data("extra".utf8).write(to: copy.appendingPathComponent("weights.bin"))
            #expect(
                registryErrorCode {
                    try registry.artifacts.identify(directory: copy, verifyFiles: true)
                } == .digestMismatch)
        }
    }

    @Test func anUnlistedFileInACopiedDirectoryIsReported() throws {
        try withTemporaryDirectory { temp in
            let (registry, _, copy) = try registerAndCopy(in: temp, to: "copy")
            try Data("smuggled".utf8).write(to: copy.appendingPathComponent("tokenizer/extra.txt"))
            let error = try #require(throws: RegistryError.self) {
                try registry.artifacts.identify(directory: copy, verifyFiles: true)
            }
            #expect(error.code == .invalidDocument)
            #expect(error.message.contains("tokenizer/extra.txt"))
        }
    }

    @Test func aManifestThatDoesNotHashToItsDirectoryNameIsRefused() throws {
        try withTemporaryRegistry { registry in
            try withTemporaryDirectory { temp in
                let bundle = try BundleFixture.write(BundleFixture.standard, to: temp)
                let artifact = try registry.register(directory: bundle, metadata: metadata).artifact
                let forged = try #require(ArtifactID("sha256-" + String(repeating: "ab", count: 32)))
                try FileManager.default.copyItem(
                    atPath: artifact.directory.path, toPath: registry.layout.artifactPath(forged))
                let error = try #require(throws: RegistryError.self) { try registry.artifact(forged) }
                #expect(error.code == .digestMismatch)
                #expect(error.message.contains("manifest.json"))
            }
        }
    }

    @Test func openingAMissingArtifactSaysNotFound() throws {
        try withTemporaryRegistry { registry in
            let id = try #require(ArtifactID("sha256-" + String(repeating: "0", count: 64)))
            #expect(registryErrorCode { try registry.artifact(id) } == .notFound)
            #expect(try registry.contains(id) == false)
        }
    }

    @Test func registeringAnExplicitFileListUsesTheGivenPathsAndMediaTypes() throws {
        try withTemporaryDirectory { temp in
            let loose = try BundleFixture.write(
                ["a.bin": [1, 2, 3], "b.txt": Array("hi".utf8)], to: temp.appendingPathComponent("loose"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let registration = try registry.register(
                files: [
                    .init(source: loose.appendingPathComponent("a.bin"), path: "weights/model.bin"),
                    .init(source: loose.appendingPathComponent("b.txt"), path: "README.txt"),
                ],
                metadata: metadata, options: .init(mediaTypes: ["weights/model.bin": "application/octet-stream"]))
            let manifest = registration.artifact.manifest
            #expect(manifest.files.map(\.path) == ["README.txt", "weights/model.bin"])
            #expect(manifest.entry(at: "weights/model.bin")?.mediaType == "application/octet-stream")
            #expect(manifest.entry(at: "README.txt")?.mediaType == nil)
        }
    }

    @Test func concurrentRegistrationsOfTheSameContentAgreeOnOneArtifact() async throws {
        try await withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let registry = try await Registry.create(at: temp.appendingPathComponent("registry"))
            let metadata = self.metadata
            let results = try await withThrowingTaskGroup(of: Registration.self) { group in
                for _ in 0..<8 { group.addTask { try await registry.register(directory: bundle, metadata: metadata) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results.map(\.artifact.id)).count == 1)
            #expect(results.filter(\.isNew).count == 1)
            #expect(try await registry.listArtifacts().count == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
        }
    }

    @Test func anEmptyBundleIsRefusedUnlessAllowed() throws {
        try withTemporaryDirectory { temp in
            let empty = temp.appendingPathComponent("empty")
            try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let error = try #require(throws: RegistryError.self) {
                try registry.register(directory: empty, metadata: metadata)
            }
            #expect(error.code == .invalidArgument && error.message.contains("no files"), "\(error)")
            #expect(try registry.listArtifacts().isEmpty)
            let artifact = try registry.register(directory: empty, metadata: metadata, options: .init(allowEmpty: true))
                .artifact
            #expect(artifact.manifest.files.isEmpty)
            #expect(try registry.artifact(artifact.id).manifest.totalSize == 0)
        }
    }
}
