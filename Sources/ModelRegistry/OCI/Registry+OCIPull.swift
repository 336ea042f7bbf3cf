import AliasStore
import Foundation
import ModelPack
import RegistryCore

extension Registry {
    /// Pulls a model from an OCI registry into this registry (FORMAT.md §15.8): one this library pushed — the id
    /// re-derived from its manifest layer, signatures and evaluation records attached — or another producer's
    /// ModelPack image, registered as a new artifact.
    ///
    /// ```swift
    /// let pulled = try registry.pull(OCIReference(parsing: "http://127.0.0.1:5000/team/clf:v3"), alias: "champion")
    /// print(pulled.imported.registration.artifact.id)
    /// ```
    ///
    /// The manifest (at most 4 MiB) and its config are read and checked first — layers against the config, paths
    /// that escape or collide — before any layer is downloaded. Every blob is then downloaded into an OCI layout in
    /// a leased directory under `staging/`, in parallel, hashed as it arrives and checked against its descriptor's
    /// size and digest, a broken transfer resumed with a `Range` request. A blob is downloaded into
    /// `staging/downloads/sha256-<hex>` (held with `flock` while this pull writes it) and moved into the layout
    /// once checked and synced: a pull that is killed or fails leaves what arrived there, and the next pull of the
    /// same blob re-hashes it and asks only for the rest (`Range: bytes=N-`); a 416, or a start that does not hash
    /// to the blob in the end, discards it and downloads the whole blob. The layout is registered as
    /// `importOCILayout(from:tag:actor:progress:)` registers one — the one write path, the layers checked against
    /// the config and the manifest layer — except that the downloaded layers are hard-linked into the bundle with
    /// the digest measured while they arrived instead of being copied and hashed again; then the staging directory
    /// is removed. With `alias`, the alias is then moved to the artifact with `promote`
    /// (compare-and-swap on `expecting`, the promotion policy applied, a travelling approval for that alias
    /// presented).
    ///
    /// - Parameters:
    ///   - source: the registry, repository and tag or digest (`latest` when neither).
    ///   - alias: an alias to move to the pulled artifact, if any.
    ///   - expecting: the alias's compare-and-swap expectation.
    ///   - actor: who pulls, for the audit events.
    ///   - options: transfer settings and credentials.
    ///   - progress: told how many bytes and blobs are downloaded; called from several threads.
    /// - Returns: what was registered.
    /// - Throws: `.notFound` for a tag, digest or blob the registry lacks; `.unauthorized`; `.remoteUnavailable`;
    ///   `.digestMismatch` for bytes that are not their descriptor's; `.invalidArgument` for a manifest above
    ///   4 MiB; `.invalidDocument` / `.invalidPath` for layers that disagree or escape; everything
    ///   `importOCILayout` and `promote` throw. Before publication an error leaves nothing in `artifacts/` and
    ///   nothing outside `staging/`; an alias error leaves the artifact registered and the alias unchanged.
    /// - Durability: as `importOCILayout`; a crash leaves a staging directory the next writer's recovery removes,
    ///   and partial downloads in `staging/downloads/` that the next pull resumes or `gc` removes once no pull
    ///   holds them and they are older than its grace period.
    @discardableResult
    public func pull(
        _ source: OCIReference, alias: String? = nil, expecting: AliasExpectation = .any, actor: String? = nil,
        options: OCITransferOptions = .init(), progress: (@Sendable (OCITransferProgress) -> Void)? = nil
    ) throws -> OCIPullResult {
        if let alias { try AliasName.check(alias) }
        guard !isReadOnly else {
            throw RegistryError(
                .unsupportedOperation,
                "registry '\(layout.rootPath)' was opened read-only (forWriting: false); open it for writing to pull",
                path: layout.rootPath)
        }
        let client = try DistributionClient(
            repository: source, credentials: options.clientCredentials, settings: options.settings)
        let modelManifest = try resolveModelManifest(source, client: client)
        let shown = "\(source.host)/\(source.repository)@\(modelManifest.digest)"
        let manifest = try OCIImageManifest(parsing: modelManifest.bytes, source: shown)
        var config: ModelPackConfig?
        var configBytes: [UInt8]?
        if OCIMediaType.normalized(manifest.config.mediaType) == OCIMediaType.modelConfig {
            guard manifest.config.size <= Int64(ModelPackConfig.maximumSize) else {
                throw RegistryError(
                    .invalidArgument,
                    "\(shown): the config is \(manifest.config.size) bytes, above the \(ModelPackConfig.maximumSize)-byte limit"
                )
            }
            let bytes = try client.blobBytes(manifest.config)
            config = try ModelPackConfig(parsing: bytes, source: "\(shown) config")
            configBytes = bytes
        }
        // Checked before any layer is downloaded: layers against the config, paths that escape or collide.
        let plan = try ModelPackMapping.plan(manifest, config: config, source: shown)

        try FileSystem.makeDirectory(layout.stagingPath)
        let lease = try StagingLease.create(in: layout.stagingPath, prefix: RegistryLayout.stagingPrefix)
        defer {
            // Released only once the directory is gone: a lock file left unlocked (the lease's deinit closes it)
            // tells the next recovery to remove what a failed removal left.
            if (try? FileSystem.removeTree(lease.directory)) != nil { lease.release() }
        }
        let staged = OCILayoutDirectory(url: URL(fileURLWithPath: lease.directory))
        try staged.prepare()
        try staged.putBlob(modelManifest.bytes)
        if let configBytes { try staged.putBlob(configBytes) }

        var layers = plan.files.map(\.descriptor)
        if let registryManifest = plan.registryManifest { layers.append(registryManifest) }
        if config == nil { layers.append(manifest.config) }
        var seen = Set<Digest>()
        layers = layers.filter { seen.insert($0.digest).inserted }
        let counter = OCIProgressCounter(
            bytesTotal: layers.reduce(0) { $0 + $1.size }, blobsTotal: layers.count, report: progress)
        let totals = OCIDownloadTotals()
        let registryLayout = layout
        try client.forEachConcurrently(layers) { layer in
            let tracker = counter.tracker()
            let destination = staged.blobPath(layer.digest)
            // Into `staging/downloads/`, where a pull that dies or fails leaves what arrived for the next one to
            // resume; into the lease when another pull is downloading the same blob right now.
            if let partial = try OCIPartialDownload.claim(layer.digest, layout: registryLayout) {
                defer { partial.release() }
                totals.add(try client.downloadBlob(layer, to: partial.path, progress: { tracker.update($0) }))
                try partial.move(to: destination)
            } else {
                totals.add(try client.downloadBlob(layer, to: destination, progress: { tracker.update($0) }))
            }
            tracker.finish(size: layer.size)
        }

        let subject = OCIDescriptor(
            mediaType: OCIMediaType.imageManifest, digest: modelManifest.digest, size: Int64(modelManifest.bytes.count),
            artifactType: manifest.artifactType)
        let referrers = try downloadReferrers(of: subject, client: client, into: staged)
        let tag = "pulled"
        try staged.updateIndex(timeout: configuration.lockTimeout) { index in
            index = index.replacing(tag: tag, with: subject)
            if let referrers { index = index.replacing(tag: OCITag.referrers(of: subject.digest), with: referrers) }
        }
        CrashPoint.hit("oci.afterPullDownload")

        // The layers were hashed as they arrived and checked against their descriptors: linked, not read again.
        let imported = try importOCILayout(
            from: URL(fileURLWithPath: lease.directory), tag: tag, actor: actor, progress: nil,
            downloaded: Set(layers.map(\.digest)))
        var result = OCIPullResult(
            imported: imported, reference: source, downloadedBlobs: layers.count, downloadedBytes: totals.received,
            resumedBytes: totals.resumed, aliasUpdate: nil)
        if let alias {
            let id = imported.registration.artifact.id
            let approval = imported.approvals.last { $0.alias == alias && $0.artifact == id }
            result.aliasUpdate = try promote(
                alias, to: id, expecting: expecting, actor: actor, reason: "pulled from \(source)",
                approval: approval?.approval, signedApproval: approval)
        }
        return result
    }

    /// The model manifest a reference names: the manifest itself, or the ModelPack manifest inside an image index.
    private func resolveModelManifest(_ source: OCIReference, client: DistributionClient) throws
        -> DistributionClient.FetchedManifest
    {
        let fetched = try client.manifest(source.digest?.description ?? source.tag ?? "latest")
        guard fetched.mediaType == OCIMediaType.imageIndex else {
            guard fetched.mediaType == OCIMediaType.imageManifest else {
                throw RegistryError(
                    .unsupportedOperation,
                    "\(source) is a '\(fetched.mediaType)', neither an OCI image manifest nor an image index")
            }
            return fetched
        }
        let index = try OCIImageIndex(parsing: fetched.bytes, source: source.description)
        let manifests = index.manifests.filter { $0.mediaType == OCIMediaType.imageManifest }
        var models: [DistributionClient.FetchedManifest] = []
        for entry in manifests {
            if let type = entry.artifactType, OCIMediaType.normalized(type) != OCIMediaType.modelManifest { continue }
            let candidate = try client.manifest(entry.digest.description)
            let parsed = try OCIImageManifest(parsing: candidate.bytes, source: "\(source)@\(entry.digest)")
            if OCIMediaType.normalized(parsed.config.mediaType) == OCIMediaType.modelConfig
                || parsed.artifactType.map(OCIMediaType.normalized) == OCIMediaType.modelManifest
            {
                models.append(candidate)
            }
        }
        guard models.count == 1 else {
            throw RegistryError(
                models.isEmpty ? .notFound : .ambiguous,
                "the image index \(source) holds \(models.count) ModelPack model manifests; name one by digest")
        }
        return models[0]
    }

    /// Downloads the referrers this registry keeps (signatures, evaluation records, approvals) into the staged
    /// layout and returns the descriptor of the referrers list written there, nil when there are none.
    private func downloadReferrers(
        of subject: OCIDescriptor, client: DistributionClient, into staged: OCILayoutDirectory
    ) throws -> OCIDescriptor? {
        guard let listed = try client.referrers(of: subject.digest) else { return nil }
        let known = [OCIMediaType.registrySignature, OCIMediaType.registryEvaluation, OCIMediaType.registryApproval]
        var kept = OCIImageIndex()
        for entry in listed.manifests where entry.mediaType == OCIMediaType.imageManifest {
            if let type = entry.artifactType, !known.contains(type) { continue }
            let fetched = try client.manifest(entry.digest.description)
            let referrer = try OCIImageManifest(
                parsing: fetched.bytes, source: "\(client.repository.repository)@\(entry.digest)")
            guard let type = referrer.artifactType, known.contains(type), referrer.layers.count == 1 else { continue }
            guard referrer.layers[0].size <= Int64(OCIReferrers.maximumBlobSize) else {
                throw RegistryError(
                    .invalidArgument,
                    "the \(type) referrer \(entry.digest) has a \(referrer.layers[0].size)-byte layer, above the "
                        + "\(OCIReferrers.maximumBlobSize)-byte limit")
            }
            try staged.putBlob(fetched.bytes)
            try staged.putBlob(client.blobBytes(referrer.layers[0]))
            var descriptor = fetched.descriptor
            descriptor.artifactType = type
            kept.manifests.append(descriptor)
        }
        guard !kept.manifests.isEmpty else { return nil }
        let bytes = kept.canonicalBytes()
        try staged.putBlob(bytes)
        try staged.syncBlobs()
        return .of(bytes, mediaType: OCIMediaType.imageIndex)
    }

    /// Async twin of the blocking `pull(_:alias:expecting:actor:options:progress:)` (same parameters and
    /// errors), run on the registry's queue.
    @discardableResult
    public func pull(
        _ source: OCIReference, alias: String? = nil, expecting: AliasExpectation = .any, actor: String? = nil,
        options: OCITransferOptions = .init(), progress: (@Sendable (OCITransferProgress) -> Void)? = nil
    ) async throws -> OCIPullResult {
        try await run {
            try self.pull(
                source, alias: alias, expecting: expecting, actor: actor, options: options, progress: progress)
        }
    }
}
