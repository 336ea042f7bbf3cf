import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// A registry with one signed, evaluated artifact behind an alias, and helpers to tamper with an exported layout.
struct OCILayoutFixture {
    let registry: Registry
    let id: ArtifactID
    let key: Ed25519PrivateKey
    let temp: URL

    static func evaluatorKey() throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
    }

    /// The trust of a registry that imports: the fixture's key.
    static func trustingConfiguration() throws -> Registry.Configuration {
        .init(trust: TrustStore(verifiers: [try evaluatorKey().publicKey]))
    }

    init(temp: URL, name: String = "document-classifier") throws {
        self.temp = temp
        key = try Self.evaluatorKey()
        registry = try Registry.create(
            at: temp.appendingPathComponent("source-registry"), configuration: Self.trustingConfiguration())
        let bundle = try BundleFixture.write(
            [
                "model.safetensors": BundleFixture.randomBytes(count: 100_000, seed: 12),
                "config.json": Array(#"{"hidden":8}"#.utf8), "README.md": Array("# classifier\n".utf8),
                "tokenizer/vocab.txt": Array("a\nb\n".utf8),
            ], to: temp.appendingPathComponent("bundle-\(name)"))
        id = try registry.register(
            directory: bundle, metadata: ArtifactMetadata(name: name, capabilities: ["text-classification"])
        ).artifact.id
        try registry.sign(id, with: key)
        try registry.addEvaluation(
            .init(
                evaluator: "harness", metrics: ["accuracy": 0.93], dataset: .init(name: "docs", split: "test"),
                evaluatedAt: "2026-11-27T10:00:00.000Z"), to: id, signedBy: key)
        let approval = try SignedApproval(
            alias: "champion", approval: "CHG-12", approver: "carol", artifact: id, signer: key)
        try registry.promote("champion", to: id, approval: "CHG-12", signedApproval: approval)
    }

    /// Exports the fixture's `champion` into the layout `served` (next to it) and starts a fake registry serving
    /// it as `scenario` says (`FakeDistributionServer`); the layout is returned too, for another server.
    func serve(_ scenario: String) throws -> (layout: URL, server: FakeDistributionServer) {
        let layout = temp.appendingPathComponent("served")
        try registry.exportOCILayout("champion", to: layout)
        return (layout, try FakeDistributionServer(layout: layout, scenario: scenario, in: temp))
    }

    /// A new, empty registry that trusts the fixture's key.
    func freshRegistry(_ name: String = "target-registry") throws -> Registry {
        try Registry.create(at: temp.appendingPathComponent(name), configuration: Self.trustingConfiguration())
    }

    // MARK: Tampering with a layout

    static func blobPath(_ layout: URL, _ digest: Digest) -> URL {
        layout.appendingPathComponent("blobs/sha256/\(digest.hex)")
    }

    static func readIndex(_ layout: URL) throws -> OCIImageIndex {
        try OCIImageIndex(
            parsing: Array(Data(contentsOf: layout.appendingPathComponent("index.json"))), source: "index.json")
    }

    static func writeIndex(_ index: OCIImageIndex, to layout: URL) throws {
        let path = layout.appendingPathComponent("index.json")
        try? FileManager.default.removeItem(at: path)
        try Data(index.canonicalBytes()).write(to: path)
    }

    /// Replaces a blob's bytes (unlinking it first: exported blobs are hard links to the registry's files).
    static func replaceBlob(_ layout: URL, _ digest: Digest, with bytes: [UInt8]) throws {
        let path = blobPath(layout, digest)
        try? FileManager.default.removeItem(at: path)
        try Data(bytes).write(to: path)
    }

    /// Stores `bytes` as a new blob and returns its descriptor.
    static func addBlob(_ layout: URL, _ bytes: [UInt8], mediaType: String) throws -> OCIDescriptor {
        let descriptor = OCIDescriptor.of(bytes, mediaType: mediaType)
        let path = blobPath(layout, descriptor.digest)
        if !FileManager.default.fileExists(atPath: path.path) { try Data(bytes).write(to: path) }
        return descriptor
    }

    /// The model manifest under `tag`.
    static func modelManifest(_ layout: URL, tag: String) throws -> OCIImageManifest {
        let entry = try #require(try readIndex(layout).entry(tagged: tag))
        return try OCIImageManifest(
            parsing: Array(Data(contentsOf: blobPath(layout, entry.digest))), source: "model manifest")
    }

    /// Rewrites the model manifest under `tag` with `change` (and its config's diffIds to match, unless
    /// `keepConfig`), storing the new manifest and moving the tag to it.
    static func rewriteModel(
        _ layout: URL, tag: String, keepConfig: Bool = false, _ change: (inout OCIImageManifest) throws -> Void
    ) throws {
        var manifest = try modelManifest(layout, tag: tag)
        try change(&manifest)
        if !keepConfig {
            var config = try ModelPackConfig(
                parsing: Array(Data(contentsOf: blobPath(layout, manifest.config.digest))), source: "config")
            config.diffIDs = manifest.layers.map(\.digest)
            manifest.config = try addBlob(layout, config.canonicalBytes(), mediaType: OCIMediaType.modelConfig)
        }
        let descriptor = try addBlob(layout, manifest.canonicalBytes(), mediaType: OCIMediaType.imageManifest)
        try writeIndex(try readIndex(layout).replacing(tag: tag, with: descriptor), to: layout)
    }

    /// What is left in `staging/` besides nothing: names of entries.
    /// What is in `staging/` besides `downloads/`, whose partial downloads a pull leaves on purpose for the next
    /// one to resume (see ``partialDownloads(_:)``).
    static func stagingLeftovers(_ registry: Registry) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath)) ?? []).filter {
            $0 != "downloads"
        }
    }

    /// What the crash tests of imports and pulls check once a killed process's registry at `root` is reopened:
    /// `recover`, then a clean `fsck`, the fixture's artifact whole (verified) or absent, nothing in `staging/`.
    /// Returns the recovered registry, for the test to complete the operation in it.
    func expectRecoveredWholeOrAbsent(at root: URL, after point: String) throws -> Registry {
        let recovered = try Registry.open(at: root, configuration: Self.trustingConfiguration())
        let report = try recovered.recover()
        #expect(try recovered.fsck().isClean, "\(point): after \(report)")
        let present = try recovered.listArtifacts()
        #expect(present == [] || present == [id], "\(point): \(present)")
        if present == [id] { #expect(try recovered.verify(id).isClean, "\(point)") }
        #expect(Self.stagingLeftovers(recovered).isEmpty, "\(point): \(Self.stagingLeftovers(recovered))")
        return recovered
    }

    /// That `registry`'s log holds one `artifact_registered`, one `signature_added` and one `evaluation_added`:
    /// an operation completed after a crash did not repeat what the crashed one had done.
    static func expectOneEventOfEachKind(_ registry: Registry, _ context: String = "") throws {
        var kinds: [AuditEvent.Kind] = []
        try registry.journal.forEachEvent { kinds.append($0.type) }
        for kind in [AuditEvent.Kind.artifactRegistered, .signatureAdded, .evaluationAdded] {
            #expect(kinds.filter { $0 == kind }.count == 1, "\(context) \(kind): \(kinds)")
        }
    }

    /// The partial downloads in `staging/downloads/`, by name (`sha256-<hex>`).
    static func partialDownloads(_ registry: Registry) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath + "/downloads")) ?? [])
            .sorted()
    }
}
