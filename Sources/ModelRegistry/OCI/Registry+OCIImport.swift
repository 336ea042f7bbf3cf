import ArtifactStore
import Foundation
import ModelPack
import RegistryCore
import Verifier

extension Registry {
    /// Registers the model of an OCI image layout — one this registry exported, or one another producer wrote
    /// (skopeo-copied ModelPack, PyPI's `olot`) — with its signatures and evaluation records (FORMAT.md §15.5).
    ///
    /// ```swift
    /// let imported = try registry.importOCILayout(from: URL(fileURLWithPath: "in/oci"), tag: "champion")
    /// print(imported.registration.artifact.id, imported.signatures.count)
    /// ```
    ///
    /// Everything is checked before anything is published: every blob's size and SHA-256, the layers against the
    /// ModelPack config and against the registry manifest layer, every path (no `..`, no absolute path, no two
    /// layers at one path), and every referrer (a signature or evaluation record for another artifact, or one
    /// signed by a trusted key that does not verify, is refused). The bundle is rebuilt in `staging/` — raw layers
    /// copied and hashed, tar layers unpacked — and published through the one write path as any registration is:
    /// `artifact_registered`, bytes first. With a registry manifest layer the bundle must re-derive exactly the id
    /// that layer's digest names; without one, the artifact is registered from the layers' file paths and named
    /// after the config's `descriptor.name` (label `oci.manifest` records the manifest digest). Signatures and
    /// evaluation records are then attached one by one (`signature_added`, `evaluation_added`); importing the same
    /// layout again attaches whatever a crash left out and changes nothing else.
    ///
    /// - Parameters:
    ///   - directory: the layout directory.
    ///   - tag: the tag to read; nil takes the layout's only model manifest.
    ///   - actor: who imports, for the audit events; the configuration's actor by default.
    ///   - progress: told how far copying the layers into staging has come (see ``RegistrationProgress``); nil
    ///     reports nothing.
    /// - Returns: the registration and what came with it.
    /// - Throws: `.notFound` for a missing layout, tag or blob; `.ambiguous` when no tag is given and the layout
    ///   holds several models; `.digestMismatch` for a blob whose size or digest is not its descriptor's, or a
    ///   bundle that does not re-derive the manifest layer's id; `.invalidDocument` for layers that disagree with
    ///   the config or the manifest layer, or a referrer that does not belong to the artifact or does not verify;
    ///   `.invalidPath` for a path that escapes the bundle or collides; `.invalidArgument` for a manifest, index
    ///   or config above 4 MiB; `.invalidJSON` for duplicate keys or malformed JSON; `.unsupportedOperation` for
    ///   compressed layers or a read-only registry; `.unsupportedAlgorithm` for a registry that does not hash with
    ///   SHA-256; `.lockTimeout`; I/O errors. On any error before publication
    ///   nothing is published and nothing is left outside `staging/`.
    /// - Durability: as `register(files:metadata:options:progress:actor:)`; each attached signature and record
    ///   as `sign(_:with:actor:)` and `addEvaluation(_:to:signedBy:actor:)`.
    @discardableResult
    public func importOCILayout(
        from directory: URL, tag: String? = nil, actor: String? = nil,
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil
    ) throws -> OCILayoutImport {
        try importOCILayout(from: directory, tag: tag, actor: actor, progress: progress, downloaded: [])
    }

    /// The import, where `downloaded` names the blobs of `directory` this registry wrote itself — a pull's
    /// downloads into its own staging lease, each hashed as it arrived and checked against its descriptor — which
    /// are hard-linked into the staged bundle without being read again. Every other blob is copied and hashed.
    func importOCILayout(
        from directory: URL, tag: String?, actor: String?, progress: (@Sendable (RegistrationProgress) -> Void)?,
        downloaded: Set<Digest>
    ) throws -> OCILayoutImport {
        guard !isReadOnly else {
            throw RegistryError(
                .unsupportedOperation,
                "registry '\(layout.rootPath)' was opened read-only (forWriting: false); open it for writing to import",
                path: layout.rootPath)
        }
        guard configuration.hashAlgorithm.name == "sha256" else {
            throw RegistryError(
                .unsupportedAlgorithm,
                "registry '\(layout.rootPath)' hashes new artifacts with '\(configuration.hashAlgorithm.name)'; an "
                    + "OCI layout's blobs are named by SHA-256, so only a sha256 registry can import them",
                path: layout.rootPath)
        }
        let source = OCILayoutDirectory(url: directory)
        let index = try source.readIndex()
        let entry = try OCILayoutSelection(layout: source, index: index).modelManifest(tag: tag)
        let manifestPath = source.blobPath(entry.digest)
        let manifest = try OCIImageManifest(
            parsing: source.readBlob(entry, limit: OCIImageManifest.maximumSize), source: manifestPath)
        var config: ModelPackConfig?
        if OCIMediaType.normalized(manifest.config.mediaType) == OCIMediaType.modelConfig {
            config = try ModelPackConfig(
                parsing: source.readBlob(manifest.config, limit: ModelPackConfig.maximumSize),
                source: source.blobPath(manifest.config.digest))
        }
        let plan = try ModelPackMapping.plan(manifest, config: config, source: manifestPath)
        for file in plan.files { try source.checkPresent(file.descriptor) }

        var registryManifest: (manifest: Manifest, bytes: [UInt8])?
        if let layer = plan.registryManifest {
            let path = source.blobPath(layer.digest)
            let bytes = try source.readBlob(layer, limit: 64 << 20)
            let parsed = try Manifest(parsing: bytes, source: path)
            guard parsed.hashAlgorithm == "sha256" else {
                throw RegistryError(
                    .unsupportedAlgorithm,
                    "\(path): the artifact is hashed with '\(parsed.hashAlgorithm)'; its layers are named by SHA-256",
                    path: path)
            }
            try ModelPackMapping.checkAgreement(plan, with: parsed, source: manifestPath)
            registryManifest = (parsed, bytes)
        }
        let referrers = try OCIReferrers.read(from: source, index: index, subject: entry)

        let unpacked = try unpackTarLayers(plan, from: source)
        defer { unpacked?.discard() }
        var files = plan.files.filter { !$0.isTar }.map {
            FileArtifactStore.SourceFile(
                source: URL(fileURLWithPath: source.blobPath($0.descriptor.digest)), path: $0.path)
        }
        files += unpacked?.files ?? []

        var options = FileArtifactStore.IngestOptions(mode: .copy)
        options.rehash = true  // every byte of a foreign layout is read and hashed
        options.allowForeignParents = true  // parents travel by id; they need not be in this registry
        options.allowEmpty = registryManifest != nil
        options.excludes = []
        for file in plan.files where !file.isTar && downloaded.contains(file.descriptor.digest) {
            let path = URL(fileURLWithPath: source.blobPath(file.descriptor.digest)).standardizedFileURL.path
            options.verifiedSources[path] = .init(size: file.descriptor.size, digest: file.descriptor.digest)
        }
        let metadata: ArtifactMetadata
        if let registryManifest {
            metadata = registryManifest.manifest.metadata
            for entry in registryManifest.manifest.files {
                if let type = entry.mediaType { options.mediaTypes[entry.path] = type }
            }
        } else {
            metadata = ArtifactMetadata(
                name: Self.importedName(plan.name), labels: ["oci.manifest": entry.digest.description])
        }
        let staged = try artifacts.stage(files: files, metadata: metadata, options: options, progress: progress)
        let registration: Registration
        do {
            try checkStaged(staged, plan: plan, expected: registryManifest?.bytes, source: source)
            try referrers.check(
                for: staged.id, manifestBytes: staged.manifest.canonicalBytes(), trust: configuration.trust)
            CrashPoint.hit("oci.afterImportStaging")
            registration = try publish(staged, actor: actor)
        } catch {
            try? artifacts.discard(staged)
            throw error
        }
        CrashPoint.hit("oci.afterImportPublish")
        for file in referrers.signatures {
            _ = try commit(file, to: JournaledSignatures(store: signatures, artifacts: artifacts), actor: actor)
        }
        for record in referrers.evaluations {
            _ = try commit(record, to: JournaledEvaluations(store: evaluationStore, artifacts: artifacts), actor: actor)
        }
        return OCILayoutImport(
            registration: registration, manifest: entry, tag: tag, hasRegistryManifest: registryManifest != nil,
            signatures: referrers.signatures, evaluations: referrers.evaluations, approvals: referrers.approvals,
            skippedReferrers: referrers.skipped)
    }

    /// Async twin of the blocking `importOCILayout(from:tag:actor:progress:)` (same parameters and errors), run on
    /// the registry's queue.
    @discardableResult
    public func importOCILayout(
        from directory: URL, tag: String? = nil, actor: String? = nil,
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil
    ) async throws -> OCILayoutImport {
        try await run { try self.importOCILayout(from: directory, tag: tag, actor: actor, progress: progress) }
    }

    /// Every raw layer staged with the digest and size its descriptor gives, and — with a registry manifest
    /// layer — the staged manifest byte for byte that layer, so the id re-derives.
    private func checkStaged(
        _ staged: FileArtifactStore.StagedArtifact, plan: ModelPackMapping.ImportPlan, expected: [UInt8]?,
        source: OCILayoutDirectory
    ) throws {
        for file in plan.files where !file.isTar {
            guard let entry = staged.manifest.entry(at: file.path), entry.digest == file.descriptor.digest,
                entry.size == file.descriptor.size
            else {
                let actual = staged.manifest.entry(at: file.path)
                throw RegistryError(
                    .digestMismatch,
                    "blob \(source.blobPath(file.descriptor.digest)) (layer \(file.index), '\(file.path)') hashes to "
                        + "\(actual.map { "\($0.digest) (\($0.size) bytes)" } ?? "nothing"), not to the "
                        + "\(file.descriptor.digest) (\(file.descriptor.size) bytes) it is stored under",
                    path: source.blobPath(file.descriptor.digest))
            }
        }
        if let expected {
            let expectedID = ArtifactID(digest: SHA256Algorithm().hash(expected))
            guard staged.id == expectedID else {
                throw RegistryError(
                    .digestMismatch,
                    "the bundle rebuilt from the layout is \(staged.id), not \(expectedID) as its manifest layer "
                        + "says", path: source.path)
            }
        }
    }

    /// Unpacks the plan's tar layers (each verified first) into a staging directory of their own.
    private func unpackTarLayers(_ plan: ModelPackMapping.ImportPlan, from source: OCILayoutDirectory) throws
        -> UnpackedLayers?
    {
        let tars = plan.files.filter(\.isTar)
        guard !tars.isEmpty else { return nil }
        try FileSystem.makeDirectory(layout.stagingPath)
        let lease = try StagingLease.create(in: layout.stagingPath, prefix: RegistryLayout.stagingPrefix)
        let unpacked = UnpackedLayers(lease: lease)
        do {
            try FileSystem.makeDirectory(lease.directory, allowExisting: true, syncParent: false)
            var paths: [String] = []
            for layer in tars {
                let blob = source.blobPath(layer.descriptor.digest)
                let result = try StreamingHasher.hashFile(blob, algorithm: SHA256Algorithm())
                guard result.digest == layer.descriptor.digest, result.size == layer.descriptor.size else {
                    throw RegistryError(
                        .digestMismatch,
                        "blob \(blob) (layer \(layer.index)) hashes to \(result.digest) (\(result.size) bytes), not to "
                            + "the \(layer.descriptor.digest) (\(layer.descriptor.size) bytes) it is stored under",
                        path: blob)
                }
                paths += try TarLayer.unpack(blob, into: lease.directory, context: "\(blob) (layer \(layer.index))")
            }
            try BundlePath.checkDistinct(
                paths + plan.files.filter { !$0.isTar }.map(\.path), context: "the layers of \(source.path)")
            unpacked.files = paths.map {
                FileArtifactStore.SourceFile(source: URL(fileURLWithPath: lease.directory + "/" + $0), path: $0)
            }
            return unpacked
        } catch {
            unpacked.discard()
            throw error
        }
    }

    /// An artifact name for a model another producer named `name` (or did not name): the name itself when it
    /// follows the grammar (FORMAT.md §5.5), else with every other character replaced by `-`, else `imported-model`.
    static func importedName(_ name: String?) -> String {
        guard let name, !name.isEmpty else { return "imported-model" }
        if (try? ArtifactMetadata(name: name).validate(context: "name")) != nil { return name }
        var cleaned = String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { scalar in
                    switch scalar.value {
                    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E, 0x5F, 0x2D: scalar
                    default: "-"
                    }
                }
            ).prefix(128))
        while let first = cleaned.unicodeScalars.first, !CharacterSet.alphanumerics.contains(first) {
            cleaned.removeFirst()
        }
        return cleaned.isEmpty ? "imported-model" : cleaned
    }
}

/// Files unpacked from tar layers into a leased staging directory, removed when the import ends.
final class UnpackedLayers {
    let lease: StagingLease
    var files: [FileArtifactStore.SourceFile] = []

    init(lease: StagingLease) { self.lease = lease }

    func discard() {
        try? FileSystem.removeTree(lease.directory)
        lease.release()
    }
}
