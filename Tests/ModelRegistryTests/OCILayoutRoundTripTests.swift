import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Export to an OCI image layout and import back (FORMAT.md §15): the id, signatures and evaluation records survive.
@Suite struct OCILayoutRoundTripTests {
    @Test func aRoundTripIntoAFreshRegistryPreservesTheIDSignaturesAndEvaluations() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let layout = temp.appendingPathComponent("oci")
            let export = try fixture.registry.exportOCILayout("champion", to: layout)
            #expect(export.tag == "champion", "an alias maps to a tag")
            #expect(export.artifact == fixture.id)
            #expect(export.signatures == 1 && export.evaluations == 1 && export.approvals == 1)
            #expect(export.linkedBlobs == 5, "four files and the manifest, hard-linked from the registry")

            let target = try fixture.freshRegistry()
            let imported = try target.importOCILayout(from: layout, tag: "champion")
            #expect(imported.registration.artifact.id == fixture.id, "the id re-derives from the manifest layer")
            #expect(imported.registration.isNew)
            #expect(imported.hasRegistryManifest)
            #expect(imported.manifest.digest == export.manifest.digest)
            #expect(imported.signatures.count == 1)
            #expect(imported.approvals.map(\.approval) == ["CHG-12"], "the approval travels, checked")
            #expect(
                imported.approvals.first?.problems(
                    alias: "champion", target: fixture.id, trust: target.configuration.trust) == [])
            #expect(try target.verify(fixture.id, depth: .trust).isClean)
            #expect(try target.evaluations(of: fixture.id).map(\.status) == [.trusted])
            #expect(try target.fsck().isClean)
            var types: [AuditEvent.Kind] = []
            try target.journal.forEachEvent { types.append($0.type) }
            #expect(types == [.artifactRegistered, .signatureAdded, .evaluationAdded])

            // Importing again changes nothing.
            let again = try target.importOCILayout(from: layout, tag: "champion")
            #expect(!again.registration.isNew)
            var count = 0
            try target.journal.forEachEvent { _ in count += 1 }
            #expect(count == 3)
        }
    }

    @Test func theAsyncTwinsRoundTripToo() async throws {
        try await withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let layout = temp.appendingPathComponent("oci")
            let export = try await fixture.registry.exportOCILayout("champion", to: layout)
            let target = try fixture.freshRegistry()
            let imported = try await target.importOCILayout(from: layout, tag: export.tag)
            #expect(imported.registration.artifact.id == fixture.id)
        }
    }

    @Test func exportingTwiceWritesTheSameBytes() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let first = try fixture.registry.exportOCILayout(
                fixture.id.description, to: temp.appendingPathComponent("a"), tag: "v1")
            let second = try fixture.registry.exportOCILayout(
                fixture.id.description, to: temp.appendingPathComponent("b"), tag: "v1")
            #expect(first.manifest == second.manifest)
            let indexA = try Data(contentsOf: temp.appendingPathComponent("a/index.json"))
            let indexB = try Data(contentsOf: temp.appendingPathComponent("b/index.json"))
            #expect(indexA == indexB)
            // A second export into the same layout finds every blob there.
            let third = try fixture.registry.exportOCILayout(
                fixture.id.description, to: temp.appendingPathComponent("a"), tag: "v1")
            #expect(third.presentBlobs == 5 && third.linkedBlobs == 0 && third.copiedBlobs == 0)
        }
    }

    @Test func layerBlobsAreTheRegistryFilesHardLinkedAndTheManifestLayerIsTheID() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let layout = temp.appendingPathComponent("oci")
            try fixture.registry.exportOCILayout("champion", to: layout)
            let manifest = try OCILayoutFixture.modelManifest(layout, tag: "champion")
            #expect(manifest.artifactType == OCIMediaType.modelManifest)
            let weights = try #require(
                manifest.layers.first { $0.annotations[OCIMediaType.filePathAnnotation] == "model.safetensors" })
            #expect(weights.mediaType == OCIMediaType.weightRaw)
            let registryFile = fixture.registry.layout.artifactPath(fixture.id) + "/model.safetensors"
            let blob = OCILayoutFixture.blobPath(layout, weights.digest).path
            let inodeA = try FileManager.default.attributesOfItem(atPath: registryFile)[.systemFileNumber] as? Int
            let inodeB = try FileManager.default.attributesOfItem(atPath: blob)[.systemFileNumber] as? Int
            #expect(inodeA != nil && inodeA == inodeB)
            #expect(manifest.layers.last?.mediaType == OCIMediaType.registryManifest)
            #expect(manifest.layers.last?.digest == fixture.id.digest)
            // The referrers tag lists the signature and the evaluation record.
            let index = try OCILayoutFixture.readIndex(layout)
            let model = try #require(index.entry(tagged: "champion"))
            let referrers = try #require(index.entry(tagged: OCITag.referrers(of: model.digest)))
            let list = try OCIImageIndex(
                parsing: Array(Data(contentsOf: OCILayoutFixture.blobPath(layout, referrers.digest))), source: "r")
            #expect(
                Set(list.manifests.compactMap(\.artifactType))
                    == [OCIMediaType.registrySignature, OCIMediaType.registryEvaluation, OCIMediaType.registryApproval])
        }
    }

    #if DEBUG
        /// Where `link(2)` is impossible (another file system: EXDEV), blobs are copied, checked and still import.
        @Test func blobsAreCopiedWhereTheyCannotBeHardLinked() throws {
            try withTemporaryDirectory { temp in
                let fixture = try OCILayoutFixture(temp: temp)
                let layout = temp.appendingPathComponent("oci")
                let token = FaultInjector.shared.inject(.link, errno: EXDEV, under: layout.path + "/")
                defer { FaultInjector.shared.remove(token) }
                let export = try fixture.registry.exportOCILayout("champion", to: layout)
                #expect(export.copiedBlobs == 5 && export.linkedBlobs == 0)
                let weights = try #require(
                    try OCILayoutFixture.modelManifest(layout, tag: "champion").layers.first {
                        $0.annotations[OCIMediaType.filePathAnnotation] == "model.safetensors"
                    })
                let blob = OCILayoutFixture.blobPath(layout, weights.digest).path
                let registryFile = fixture.registry.layout.artifactPath(fixture.id) + "/model.safetensors"
                let inodeA = try FileManager.default.attributesOfItem(atPath: registryFile)[.systemFileNumber] as? Int
                let inodeB = try FileManager.default.attributesOfItem(atPath: blob)[.systemFileNumber] as? Int
                #expect(inodeA != inodeB, "a copy, not a link")
                let imported = try fixture.freshRegistry().importOCILayout(from: layout, tag: "champion")
                #expect(imported.registration.artifact.id == fixture.id)
            }
        }
    #endif

    @Test func tagsAreCheckedAndDefaultToTheName() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp, name: "team/classifier")
            let layout = temp.appendingPathComponent("oci")
            let error = try #require(throws: RegistryError.self) {
                try fixture.registry.exportOCILayout("champion", to: layout, tag: "bad:tag")
            }
            #expect(error.code == .invalidName)
            #expect(!FileManager.default.fileExists(atPath: layout.path), "nothing written for a bad tag")
            let export = try fixture.registry.exportOCILayout(fixture.id.description, to: layout)
            #expect(export.tag == "team-classifier")
            let missing = try #require(throws: RegistryError.self) {
                try fixture.freshRegistry().importOCILayout(from: layout, tag: "nope")
            }
            #expect(missing.code == .notFound)
            #expect(missing.message.contains("team-classifier"), "the message lists the tags there are")
            // Without a tag, the layout's only model is taken.
            let imported = try fixture.freshRegistry("other").importOCILayout(from: layout)
            #expect(imported.registration.artifact.id == fixture.id)
            #expect(imported.tag == nil)
        }
    }

    @Test func anImageWithoutTheRegistryManifestRegistersFromItsFilePaths() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let layout = temp.appendingPathComponent("oci")
            try fixture.registry.exportOCILayout("champion", to: layout)
            try OCILayoutFixture.rewriteModel(layout, tag: "champion") { manifest in
                manifest.layers.removeLast()
                manifest.layers[0].mediaType = "application/vnd.cnai.model.doc.v1.raw"  // the older prefix
                manifest.annotations = [:]
            }
            let target = try fixture.freshRegistry()
            let imported = try target.importOCILayout(from: layout, tag: "champion")
            #expect(!imported.hasRegistryManifest)
            let artifact = imported.registration.artifact
            #expect(artifact.id != fixture.id, "another producer's image is a new artifact")
            #expect(artifact.manifest.metadata.name == "document-classifier", "named after descriptor.name")
            #expect(artifact.manifest.metadata.labels["oci.manifest"] == imported.manifest.digest.description)
            let original = try fixture.registry.artifact(fixture.id).manifest.files.map {
                [$0.path, $0.digest.description]
            }
            #expect(artifact.manifest.files.map { [$0.path, $0.digest.description] } == original)
            // The signature and record name the original id: they do not belong to this artifact.
            #expect(imported.signatures.isEmpty, "the referrers name the original manifest, not this one")
        }
    }

    @Test func anExportWaitsForTheLayoutLockAndGivesUpNamingTheLayout() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let layout = temp.appendingPathComponent("oci")
            try fixture.registry.exportOCILayout("champion", to: layout, tag: "before")
            let holder = WriterLock(path: layout.path + "/" + OCILayoutDirectory.lockFileName)
            let error = try holder.withLock {
                try #require(throws: RegistryError.self) {
                    try OCILayoutDirectory(url: layout).updateIndex(timeout: .milliseconds(100)) { _ in }
                }
            }
            #expect(error.code == .lockTimeout)
            #expect(error.message.contains(layout.path), "\(error.message)")
            #expect(try OCILayoutFixture.readIndex(layout).entry(tagged: "before") != nil, "the index is untouched")
        }
    }

    @Test func anExportIntoTheRegistryItselfIsRefused() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let inside = URL(fileURLWithPath: fixture.registry.layout.rootPath).appendingPathComponent("oci")
            let error = try #require(throws: RegistryError.self) {
                try fixture.registry.exportOCILayout("champion", to: inside)
            }
            #expect(error.code == .invalidArgument)
            #expect(!FileManager.default.fileExists(atPath: inside.path))
            // Reached through a symbolic link to the registry, the same directory is refused the same way, and
            // nothing is left in the registry's root.
            let link = temp.appendingPathComponent("link-to-registry")
            try FileManager.default.createSymbolicLink(
                atPath: link.path, withDestinationPath: fixture.registry.layout.rootPath)
            let before = try FileManager.default.contentsOfDirectory(atPath: fixture.registry.layout.rootPath).sorted()
            for target in [link, link.appendingPathComponent("oci")] {
                let viaLink = try #require(throws: RegistryError.self) {
                    try fixture.registry.exportOCILayout("champion", to: target)
                }
                #expect(viaLink.code == .invalidArgument, "\(target.path)")
            }
            let after = try FileManager.default.contentsOfDirectory(atPath: fixture.registry.layout.rootPath).sorted()
            #expect(after == before)
        }
    }

    @Test func anExportRefusesAnArtifactWhoseBytesChanged() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let file = fixture.registry.layout.artifactPath(fixture.id) + "/config.json"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            try Data(#"{"hidden":9}"#.utf8).write(to: URL(fileURLWithPath: file))
            let layout = temp.appendingPathComponent("oci")
            let error = try #require(throws: RegistryError.self) {
                try fixture.registry.exportOCILayout("champion", to: layout)
            }
            #expect(error.code == .digestMismatch)
            #expect(!FileManager.default.fileExists(atPath: layout.appendingPathComponent("index.json").path))
        }
    }
}
