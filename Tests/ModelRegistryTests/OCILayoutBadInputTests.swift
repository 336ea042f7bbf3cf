import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Hostile or damaged layouts: a clear typed error naming what is wrong, nothing published, nothing left in
/// `staging/` or anywhere else.
@Suite struct OCILayoutBadInputTests {
    /// Exports the fixture, lets `tamper` damage the layout, imports into a fresh registry and checks that the
    /// import failed with `code` without publishing or leaving anything; returns the error.
    @discardableResult
    func importFails(
        _ code: RegistryError.Code, tag: String? = "champion", _ tamper: (URL, OCILayoutFixture) throws -> Void
    ) throws -> RegistryError {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let layout = temp.appendingPathComponent("oci")
            try fixture.registry.exportOCILayout("champion", to: layout)
            try tamper(layout, fixture)
            let target = try fixture.freshRegistry()
            let error = try #require(throws: RegistryError.self) {
                try target.importOCILayout(from: layout, tag: tag)
            }
            #expect(error.code == code, "\(error)")
            #expect(try target.listArtifacts().isEmpty, "nothing published")
            var events = 0
            try target.journal.forEachEvent { _ in events += 1 }
            #expect(events == 0, "nothing logged")
            #expect(OCILayoutFixture.stagingLeftovers(target).isEmpty, "\(OCILayoutFixture.stagingLeftovers(target))")
            #expect(try target.fsck().isClean)
            return error
        }
    }

    static func layer(_ layout: URL, path: String) throws -> OCIDescriptor {
        try #require(
            try OCILayoutFixture.modelManifest(layout, tag: "champion").layers.first {
                $0.annotations[OCIMediaType.filePathAnnotation] == path
            })
    }

    @Test func aBlobWithAnotherDigestIsRefused() throws {
        let error = try importFails(.digestMismatch) { layout, _ in
            let weights = try Self.layer(layout, path: "model.safetensors")
            try OCILayoutFixture.replaceBlob(
                layout, weights.digest, with: BundleFixture.randomBytes(count: Int(weights.size), seed: 99))
        }
        #expect(error.message.contains("model.safetensors"), "\(error.message)")
    }

    @Test func aBlobWithAnotherSizeIsRefused() throws {
        let error = try importFails(.digestMismatch) { layout, _ in
            let config = try Self.layer(layout, path: "config.json")
            try OCILayoutFixture.replaceBlob(layout, config.digest, with: Array(#"{"hidden":88}"#.utf8))
        }
        #expect(error.message.contains("bytes"), "\(error.message)")
    }

    @Test func aMissingBlobIsRefused() throws {
        try importFails(.notFound) { layout, _ in
            let readme = try Self.layer(layout, path: "README.md")
            try FileManager.default.removeItem(at: OCILayoutFixture.blobPath(layout, readme.digest))
        }
    }

    @Test func aBlobThatIsASymbolicLinkIsRefused() throws {
        try importFails(.symlinkRefused) { layout, fixture in
            let readme = try Self.layer(layout, path: "README.md")
            let path = OCILayoutFixture.blobPath(layout, readme.digest)
            let outside = fixture.temp.appendingPathComponent("outside")
            try FileManager.default.copyItem(at: path, to: outside)
            try FileManager.default.removeItem(at: path)
            try FileManager.default.createSymbolicLink(at: path, withDestinationURL: outside)
        }
    }

    @Test(arguments: ["../escaped.bin", "/etc/escaped", "a/../../b"])
    func aFilePathEscapingTheBundleIsRefused(path: String) throws {
        try importFails(.invalidPath) { layout, _ in
            try OCILayoutFixture.rewriteModel(layout, tag: "champion") { manifest in
                manifest.layers.removeLast()  // another producer's image: paths come from the annotations
                manifest.layers[0].annotations[OCIMediaType.filePathAnnotation] = path
            }
        }
    }

    @Test func twoLayersAtOnePathAreRefused() throws {
        try importFails(.invalidPath) { layout, _ in
            try OCILayoutFixture.rewriteModel(layout, tag: "champion") { manifest in
                manifest.layers[1].annotations[OCIMediaType.filePathAnnotation] =
                    manifest.layers[0].annotations[OCIMediaType.filePathAnnotation]
            }
        }
    }

    @Test func layersDisagreeingWithTheConfigAreRefused() throws {
        let error = try importFails(.invalidDocument) { layout, _ in
            try OCILayoutFixture.rewriteModel(layout, tag: "champion", keepConfig: true) { manifest in
                manifest.layers.swapAt(0, 1)
            }
        }
        #expect(error.message.contains("diffIds"), "\(error.message)")
    }

    @Test func layersDisagreeingWithTheManifestLayerAreRefused() throws {
        let error = try importFails(.invalidDocument) { layout, _ in
            try OCILayoutFixture.rewriteModel(layout, tag: "champion") { manifest in
                manifest.layers.remove(at: 0)
            }
        }
        #expect(error.message.contains("registry manifest"), "\(error.message)")
    }

    @Test func aRenamedLayerDoesNotReDeriveTheID() throws {
        try importFails(.invalidDocument) { layout, _ in
            try OCILayoutFixture.rewriteModel(layout, tag: "champion") { manifest in
                manifest.layers[0].annotations[OCIMediaType.filePathAnnotation] = "renamed.md"
            }
        }
    }

    @Test func aHugeManifestIsRefusedBeforeItIsRead() throws {
        let error = try importFails(.invalidArgument) { layout, _ in
            var index = try OCILayoutFixture.readIndex(layout)
            let entry = try #require(index.entry(tagged: "champion"))
            var huge = entry
            huge.size = 100 << 20
            index = index.replacing(tag: "champion", with: huge)
            try OCILayoutFixture.writeIndex(index, to: layout)
        }
        #expect(error.message.contains("limit"), "\(error.message)")
    }

    @Test func aManifestWithDuplicateKeysIsRefused() throws {
        try importFails(.invalidJSON) { layout, _ in
            let entry = try #require(try OCILayoutFixture.readIndex(layout).entry(tagged: "champion"))
            var text = String(
                decoding: try Data(contentsOf: OCILayoutFixture.blobPath(layout, entry.digest)), as: UTF8.self)
            text = "{\"schemaVersion\":2," + text.dropFirst()
            let descriptor = try OCILayoutFixture.addBlob(
                layout, Array(text.utf8), mediaType: OCIMediaType.imageManifest)
            try OCILayoutFixture.writeIndex(
                try OCILayoutFixture.readIndex(layout).replacing(tag: "champion", with: descriptor), to: layout)
        }
    }

    @Test func aSignatureForAnotherArtifactIsRefused() throws {
        try importFails(.invalidDocument) { layout, fixture in
            // Replace the signature referrer's blob by a signature of another artifact.
            let bundle = try BundleFixture.write(["w.bin": [9]], to: fixture.temp.appendingPathComponent("other"))
            let other = try fixture.registry.register(directory: bundle, metadata: ArtifactMetadata(name: "other"))
                .artifact.id
            let signature = try fixture.registry.sign(other, with: fixture.key)
            try Self.replaceReferrer(layout, type: OCIMediaType.registrySignature, with: signature.fileBytes())
        }
    }

    @Test func aSignatureByATrustedKeyThatDoesNotVerifyIsRefused() throws {
        let error = try importFails(.invalidDocument) { layout, fixture in
            var file = try #require(try fixture.registry.signatures.files(of: fixture.id).first?.file.get())
            file.signature = Signature(
                keyID: file.signature.keyID, algorithm: file.signature.algorithm,
                bytes: file.signature.bytes.map { $0 ^ 1 })
            try Self.replaceReferrer(layout, type: OCIMediaType.registrySignature, with: file.fileBytes())
        }
        #expect(error.message.contains("does not verify"), "\(error.message)")
    }

    @Test func anApprovalByATrustedKeyThatDoesNotVerifyIsRefused() throws {
        let error = try importFails(.invalidDocument) { layout, fixture in
            var approval = try SignedApproval(
                alias: "champion", approval: "CHG-12", approver: "carol", artifact: fixture.id, signer: fixture.key)
            approval.approval = "CHG-13"  // changed after signing
            try Self.replaceReferrer(layout, type: OCIMediaType.registryApproval, with: approval.fileBytes())
        }
        #expect(error.message.contains("CHG-13"), "\(error.message)")
    }

    @Test func aLayoutWithoutTheMarkerIsRefused() throws {
        try importFails(.notFound) { layout, _ in
            try FileManager.default.removeItem(at: layout.appendingPathComponent("oci-layout"))
        }
    }

    /// Points the referrers list at a new referrer of `type` carrying `blob` instead of the exported one.
    static func replaceReferrer(_ layout: URL, type: String, with blob: [UInt8]) throws {
        let index = try OCILayoutFixture.readIndex(layout)
        let model = try #require(index.entry(tagged: "champion"))
        let tag = OCITag.referrers(of: model.digest)
        let listEntry = try #require(index.entry(tagged: tag))
        var list = try OCIImageIndex(
            parsing: Array(Data(contentsOf: OCILayoutFixture.blobPath(layout, listEntry.digest))), source: "r")
        _ = try OCILayoutFixture.addBlob(layout, blob, mediaType: type)
        let referrer = ModelPackMapping.makeReferrer(artifactType: type, blob: blob, subject: model)
        let descriptor = try OCILayoutFixture.addBlob(
            layout, referrer.canonicalBytes(), mediaType: OCIMediaType.imageManifest)
        list.manifests.removeAll { $0.artifactType == type }
        var entry = descriptor
        entry.artifactType = type
        list.manifests.append(entry)
        let listDescriptor = try OCILayoutFixture.addBlob(
            layout, list.canonicalBytes(), mediaType: OCIMediaType.imageIndex)
        try OCILayoutFixture.writeIndex(index.replacing(tag: tag, with: listDescriptor), to: layout)
    }
}
