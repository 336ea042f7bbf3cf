import Foundation
import ModelPack
import RegistryCore
import RegistryTestSupport
import Testing

/// The mapping between a registry manifest and a ModelPack image, and the documents it is made of.
@Suite struct ModelPackMappingTests {
    /// A tiny artifact: weights, a config, a README, a script and an unknown file.
    static func manifestBytes(parents: [ArtifactID] = []) throws -> [UInt8] {
        let sha = SHA256Algorithm()
        let files: [(String, String)] = [
            ("README.md", "# tiny\n"), ("config.json", "{}\n"), ("model.safetensors", "weights"),
            ("scripts/run.py", "print(1)\n"), ("vocab.bpe", "a b\n"),
        ]
        let manifest = try Manifest(
            hashAlgorithm: "sha256",
            metadata: ArtifactMetadata(name: "tiny", capabilities: ["text-classification"], parents: parents),
            files: files.map { .init(path: $0.0, size: Int64($0.1.utf8.count), digest: sha.hash(Array($0.1.utf8))) })
        return manifest.canonicalBytes()
    }

    @Test func modelImageHasOneRawLayerPerFileThenTheRegistryManifest() throws {
        let bytes = try Self.manifestBytes()
        let image = try ModelPackMapping.makeModelImage(manifestBytes: bytes, source: "manifest.json")
        #expect(image.manifest.artifactType == OCIMediaType.modelManifest)
        #expect(image.manifest.config.mediaType == OCIMediaType.modelConfig)
        let types = image.manifest.layers.map(\.mediaType)
        #expect(
            types == [
                OCIMediaType.docRaw, OCIMediaType.weightConfigRaw, OCIMediaType.weightRaw, OCIMediaType.codeRaw,
                OCIMediaType.weightRaw, OCIMediaType.registryManifest,
            ])
        // Every layer names its file; only the guess is marked untested.
        for layer in image.manifest.layers {
            #expect(layer.annotations[OCIMediaType.filePathAnnotation] != nil)
            #expect(layer.annotations[OCIMediaType.titleAnnotation] != nil)
        }
        #expect(image.manifest.layers[4].annotations[OCIMediaType.untestedAnnotation] == "true")
        #expect(image.manifest.layers[2].annotations[OCIMediaType.untestedAnnotation] == nil)
        // The registry manifest layer's digest is the artifact id's digest.
        let id = ArtifactID(digest: SHA256Algorithm().hash(bytes))
        #expect(image.manifest.layers.last?.digest == id.digest)
        #expect(image.manifest.annotations[OCIMediaType.artifactIDAnnotation] == id.description)
        // The config lists a diffId per layer, in order; the format comes from the weights.
        let config = try ModelPackConfig(parsing: image.configBytes, source: "config")
        #expect(config.diffIDs == image.manifest.layers.map(\.digest))
        #expect(config.format == "safetensors")
        #expect(config.name == "tiny")
        #expect(String(decoding: image.configBytes, as: UTF8.self).contains("\"diffIds\""))
    }

    @Test func exportBytesAreCanonicalAndReproducible() throws {
        let bytes = try Self.manifestBytes()
        let first = try ModelPackMapping.makeModelImage(manifestBytes: bytes, source: "m")
        let second = try ModelPackMapping.makeModelImage(manifestBytes: bytes, source: "m")
        #expect(first.manifest.canonicalBytes() == second.manifest.canonicalBytes())
        let reparsed = try OCIImageManifest(parsing: first.manifest.canonicalBytes(), source: "m")
        #expect(reparsed == first.manifest)
        #expect(CanonicalJSON.encode(try CanonicalJSON.parse(first.configBytes, source: "c")) == first.configBytes)
    }

    @Test func lineageParentsBecomeAnnotations() throws {
        let parent = ArtifactID(digest: SHA256Algorithm().hash(Array("parent".utf8)))
        let image = try ModelPackMapping.makeModelImage(
            manifestBytes: Self.manifestBytes(parents: [parent]), source: "m")
        #expect(image.manifest.annotations[OCIMediaType.parentsAnnotation] == parent.description)
        #expect(image.manifest.annotations[OCIMediaType.baseArtifactAnnotation] == parent.digest.description)
    }

    @Test func planAcceptsOlderCNAIPrefixesAndUnknownLayerTypes() throws {
        let image = try ModelPackMapping.makeModelImage(manifestBytes: Self.manifestBytes(), source: "m")
        var manifest = image.manifest
        manifest.layers[0].mediaType = "application/vnd.cnai.model.doc.v1.raw"
        manifest.layers[3].mediaType = "application/x-something-new"
        let plan = try ModelPackMapping.plan(
            manifest, config: ModelPackConfig(parsing: image.configBytes, source: "c"), source: "m")
        #expect(
            plan.files.map(\.path) == ["README.md", "config.json", "model.safetensors", "scripts/run.py", "vocab.bpe"])
        #expect(plan.registryManifest != nil)
    }

    @Test func planRefusesLayersThatDisagreeWithTheConfig() throws {
        let image = try ModelPackMapping.makeModelImage(manifestBytes: Self.manifestBytes(), source: "m")
        var config = try ModelPackConfig(parsing: image.configBytes, source: "c")
        config.diffIDs[1] = SHA256Algorithm().hash(Array("other".utf8))
        #expect(throws: RegistryError.self) {
            try ModelPackMapping.plan(image.manifest, config: config, source: "m")
        }
        config.diffIDs.removeLast()
        let error = try #require(throws: RegistryError.self) {
            try ModelPackMapping.plan(image.manifest, config: config, source: "m")
        }
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains("diffIds"))
    }

    @Test(arguments: ["../escape", "/etc/passwd", "a/../../b", "manifest.json", "a//b"])
    func planRefusesPathsThatEscapeTheBundle(path: String) throws {
        let image = try ModelPackMapping.makeModelImage(manifestBytes: Self.manifestBytes(), source: "m")
        var manifest = image.manifest
        manifest.layers[0].annotations[OCIMediaType.filePathAnnotation] = path
        let error = try #require(throws: RegistryError.self) {
            try ModelPackMapping.plan(manifest, config: nil, source: "m")
        }
        #expect(error.code == .invalidPath)
    }

    @Test func planRefusesTwoLayersAtOnePath() throws {
        let image = try ModelPackMapping.makeModelImage(manifestBytes: Self.manifestBytes(), source: "m")
        var manifest = image.manifest
        manifest.layers[1].annotations[OCIMediaType.filePathAnnotation] = "README.md"
        let error = try #require(throws: RegistryError.self) {
            try ModelPackMapping.plan(manifest, config: nil, source: "m")
        }
        #expect(error.code == .invalidPath)
    }

    @Test func agreementWithTheRegistryManifestIsChecked() throws {
        let bytes = try Self.manifestBytes()
        let image = try ModelPackMapping.makeModelImage(manifestBytes: bytes, source: "m")
        let registryManifest = try Manifest(parsing: bytes, source: "m")
        var manifest = image.manifest
        let plan = try ModelPackMapping.plan(manifest, config: nil, source: "m")
        try ModelPackMapping.checkAgreement(plan, with: registryManifest, source: "m")
        manifest.layers[2].size += 1
        let changed = try ModelPackMapping.plan(manifest, config: nil, source: "m")
        let error = try #require(throws: RegistryError.self) {
            try ModelPackMapping.checkAgreement(changed, with: registryManifest, source: "m")
        }
        #expect(error.message.contains("model.safetensors"))
        manifest.layers.remove(at: 0)
        let missing = try ModelPackMapping.plan(manifest, config: nil, source: "m")
        #expect(throws: RegistryError.self) {
            try ModelPackMapping.checkAgreement(missing, with: registryManifest, source: "m")
        }
    }

    @Test func readersRefuseDuplicateKeysAndHugeDocuments() throws {
        let duplicate = Array(#"{"schemaVersion":2,"schemaVersion":2,"manifests":[]}"#.utf8)
        #expect(throws: RegistryError.self) { try OCIImageIndex(parsing: duplicate, source: "index.json") }
        let huge = [UInt8](repeating: 0x20, count: OCIImageManifest.maximumSize + 1)
        let error = try #require(throws: RegistryError.self) { try OCIImageManifest(parsing: huge, source: "m") }
        #expect(error.code == .invalidArgument)
    }

    @Test func indexEntriesNeedNoArtifactType() throws {
        let bytes = Array(
            #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"annotations":{"org.opencontainers.image.ref.name":"v1"},"platform":{"os":"linux"}}]}"#
                .utf8)
        let index = try OCIImageIndex(parsing: bytes, source: "index.json")
        #expect(index.entry(tagged: "v1")?.artifactType == nil)
        #expect(index.entry(tagged: "v1")?.digest == OCIDescriptor.empty.digest)
    }

    @Test(arguments: [
        ("champion", true), ("v1.0_rc-2", true), ("a:b", false), ("", false), ("-x", false),
        ("a/b", false), (String(repeating: "a", count: 129), false),
    ])
    func tagsFollowTheDistributionGrammar(tag: String, valid: Bool) {
        #expect(((try? OCITag.check(tag)) != nil) == valid)
    }

    @Test func derivedTagsAreValid() throws {
        for name in ["team/model", "-odd", "ok.name", "ünïcode"] {
            try OCITag.check(OCITag.derived(from: name))
        }
        #expect(OCITag.derived(from: "team/model") == "team-model")
    }

    @Test func classificationMarksGuessesUntested() {
        #expect(
            FileClassification.classify(path: "weights/model.gguf")
                == .init(mediaType: OCIMediaType.weightRaw, isUntested: false))
        #expect(FileClassification.classify(path: "tokenizer.json").mediaType == OCIMediaType.weightConfigRaw)
        #expect(FileClassification.classify(path: "LICENSE").mediaType == OCIMediaType.docRaw)
        #expect(FileClassification.classify(path: "data/train.parquet").isUntested)
        #expect(FileClassification.classify(path: "blob").isUntested)
        #expect(
            FileClassification.classify(path: "blob", recordedMediaType: "application/vnd.cnai.model.code.v1.raw")
                == .init(mediaType: OCIMediaType.codeRaw, isUntested: false))
    }
    /// FORMAT.md §15.7: the worked example's bytes, from the §11.1 tiny artifact's manifest.
    @Test func theWorkedExampleOfFormatSection15HasTheseBytes() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(
                "ArtifactStoreTests/Fixtures/registry-v1/artifacts/"
                    + "sha256-4a4bd103a507d5e041f9497d65afe5adee5c9ddf2986a092b771b126656df2e1/manifest.json")
        let image = try ModelPackMapping.makeModelImage(
            manifestBytes: Array(try Data(contentsOf: fixture)), source: fixture.path)
        #expect(
            image.descriptor.digest.description
                == "sha256:0683be08afa6fff58c687119911c1c644f3682eb665df51a892c73c7d143abf5")
        #expect(image.descriptor.size == 1310)
        let config =
            #"{"config":{"format":"pytorch"},"descriptor":{"name":"tiny"},"modelfs":{"diffIds":["#
            + #""sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","#
            + #""sha256:054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8","#
            + #""sha256:4a4bd103a507d5e041f9497d65afe5adee5c9ddf2986a092b771b126656df2e1"],"type":"layers"}}"#
        #expect(String(decoding: image.configBytes, as: UTF8.self) == config)
        let index = OCIImageIndex().replacing(tag: "tiny", with: image.descriptor)
        #expect(
            String(decoding: index.canonicalBytes(), as: UTF8.self)
                == #"{"manifests":[{"annotations":{"org.opencontainers.image.ref.name":"tiny"},"#
                + #""artifactType":"application/vnd.cncf.model.manifest.v1+json","#
                + #""digest":"sha256:0683be08afa6fff58c687119911c1c644f3682eb665df51a892c73c7d143abf5","#
                + #""mediaType":"application/vnd.oci.image.manifest.v1+json","size":1310}],"#
                + #""mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#)
    }
}
