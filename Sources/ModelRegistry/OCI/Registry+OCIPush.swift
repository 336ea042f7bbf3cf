import Foundation
import ModelPack
import RegistryCore

extension Registry {
    /// Pushes an artifact to an OCI registry as a CNCF ModelPack image, with its signatures, evaluation records and
    /// signed approvals as referrers (FORMAT.md §15.8), so that any registry a team already runs — Distribution,
    /// Harbor, Zot, GHCR — holds it, and another registry can `pull` it with the same id.
    ///
    /// ```swift
    /// let pushed = try registry.push("champion", to: OCIReference(parsing: "http://127.0.0.1:5000/team/clf:v3"))
    /// print(pushed.manifest.digest, pushed.uploadedBlobs)   // a second push uploads 0
    /// ```
    ///
    /// The artifact is verified first. The image is the one `exportOCILayout` writes (same digests): each blob is
    /// asked for with `HEAD` and sent only when missing — mounted from `options.mountFrom` where possible, else
    /// uploaded from the artifact's file in constant memory — then the referrers, each pushed by digest, then the
    /// `sha256-<hex>` referrers tag where the registry has no referrers API, and last the model manifest under
    /// its tag, so a tag never names an image whose blobs are missing.
    ///
    /// - Parameters:
    ///   - reference: an artifact id, a unique id prefix, an alias or `NAME:latest`.
    ///   - target: the registry and repository; without a tag, the alias `reference` names, else the artifact's
    ///     name made into a tag (as `exportOCILayout`).
    ///   - options: transfer settings, credentials, repositories to mount from.
    ///   - progress: told how many bytes and blobs are done; called from several threads.
    /// - Returns: what was sent.
    /// - Throws: what `artifactID(matching:)` throws; `.digestMismatch` when the artifact fails verification;
    ///   `.invalidName` for a bad tag; `.unauthorized` when the registry refuses the credentials (or there are
    ///   none); `.remoteUnavailable` when it cannot be reached or keeps failing; I/O errors. Nothing local changes.
    @discardableResult
    public func push(
        _ reference: String, to target: OCIReference, options: OCITransferOptions = .init(),
        progress: (@Sendable (OCITransferProgress) -> Void)? = nil
    ) throws -> OCIPushResult {
        let id = try artifactID(matching: reference)
        _ = try openForLoading(id)  // verified: a damaged artifact is never pushed
        let manifestPath = layout.manifestPath(of: id)
        let image = try ModelPackMapping.makeModelImage(
            manifestBytes: FileSystem.readDocument(manifestPath), source: manifestPath)
        let tag = try target.digest == nil ? (target.tag ?? exportTag(reference: reference, id: id, given: nil)) : nil
        let destination = try tag.map { try target.tagged($0) } ?? target
        let client = try DistributionClient(
            repository: destination, credentials: options.clientCredentials, settings: options.settings)

        // Every blob: the files, the registry manifest layer, the config, then the referrers' blobs.
        var blobs: [(OCIDescriptor, DistributionClient.BlobSource)] = image.files.map {
            ($0.descriptor, .file(layout.artifactPath(id) + "/" + $0.path))
        }
        if let manifestLayer = image.manifest.layers.last { blobs.append((manifestLayer, .file(manifestPath))) }
        blobs.append((image.manifest.config, .bytes(image.configBytes)))
        let subject = image.descriptor
        if let digest = target.digest, digest != subject.digest {
            throw RegistryError(
                .invalidArgument,
                "\(target) names manifest \(digest), but \(id)'s model manifest is \(subject.digest); push by tag, or "
                    + "by that digest")
        }
        let payloads = try ociReferrerPayloads(of: id)
        let referrers = payloads.blobs.map {
            (
                manifest: ModelPackMapping.makeReferrer(artifactType: $0.type, blob: $0.bytes, subject: subject),
                blob: $0.bytes
            )
        }
        if !referrers.isEmpty { blobs.append((.empty, .bytes(OCIMediaType.emptyBlob))) }
        for referrer in referrers { blobs.append((referrer.manifest.layers[0], .bytes(referrer.blob))) }
        var seen = Set<Digest>()
        blobs = blobs.filter { seen.insert($0.0.digest).inserted }

        let counter = OCIProgressCounter(
            bytesTotal: blobs.reduce(0) { $0 + $1.0.size }, blobsTotal: blobs.count, report: progress)
        let outcomes = OutcomeList()
        let mountFrom = options.mountFrom
        try client.forEachConcurrently(blobs.map { BlobJob(descriptor: $0.0, source: $0.1) }) { job in
            let tracker = counter.tracker()
            let outcome = try client.uploadBlob(
                job.descriptor, from: job.source, mountFrom: mountFrom, progress: { tracker.update($0) })
            tracker.finish(size: job.descriptor.size)
            outcomes.append(outcome, size: job.descriptor.size)
        }

        // Referrers by digest, then the fallback tag, then the model manifest by digest and under its tag.
        try client.putManifest(
            image.manifest.canonicalBytes(), mediaType: OCIMediaType.imageManifest,
            reference: subject.digest.description)
        var registryKeepsReferrers = true
        for referrer in referrers {
            let handled = try client.putManifest(
                referrer.manifest.canonicalBytes(), mediaType: OCIMediaType.imageManifest,
                reference: referrer.manifest.descriptor().digest.description)
            registryKeepsReferrers = registryKeepsReferrers && handled
        }
        let usesTag = !referrers.isEmpty && !registryKeepsReferrers
        if usesTag {
            let referrersTag = OCITag.referrers(of: subject.digest)
            var list = OCIImageIndex()
            do {
                let existing = try client.manifest(referrersTag)
                list = try OCIImageIndex(
                    parsing: existing.bytes, source: "\(destination.host)/\(destination.repository):\(referrersTag)")
            } catch let error as RegistryError where error.code == .notFound {}
            var changed = false
            for referrer in referrers.map({ $0.manifest.descriptor() })
            where !list.manifests.contains(where: { $0.digest == referrer.digest }) {
                list.manifests.append(referrer)
                changed = true
            }
            if changed {
                try client.putManifest(
                    list.canonicalBytes(), mediaType: OCIMediaType.imageIndex, reference: referrersTag)
            }
        }
        if let tag {
            try client.putManifest(
                image.manifest.canonicalBytes(), mediaType: OCIMediaType.imageManifest, reference: tag)
        }
        let counts = outcomes.counts
        return OCIPushResult(
            artifact: id, reference: destination, manifest: subject, uploadedBlobs: counts.uploaded,
            presentBlobs: counts.present, mountedBlobs: counts.mounted, uploadedBytes: counts.bytes,
            referrers: referrers.count, usedReferrersTag: usesTag, requests: client.requestCounts)
    }

    /// Async twin of the blocking `push(_:to:options:progress:)` (same parameters and errors), run on the
    /// registry's queue.
    @discardableResult
    public func push(
        _ reference: String, to target: OCIReference, options: OCITransferOptions = .init(),
        progress: (@Sendable (OCITransferProgress) -> Void)? = nil
    ) async throws -> OCIPushResult {
        try await run { try self.push(reference, to: target, options: options, progress: progress) }
    }
}

/// One blob to upload.
private struct BlobJob: Sendable {
    var descriptor: OCIDescriptor
    var source: DistributionClient.BlobSource
}

/// The outcomes of concurrent uploads, counted.
private final class OutcomeList: @unchecked Sendable {
    private let lock = NSLock()
    private var uploaded = 0
    private var present = 0
    private var mounted = 0
    private var bytes: Int64 = 0

    func append(_ outcome: DistributionClient.UploadOutcome, size: Int64) {
        lock.withLock {
            switch outcome {
            case .uploaded:
                uploaded += 1
                bytes += size
            case .present: present += 1
            case .mounted: mounted += 1
            }
        }
    }

    var counts: (uploaded: Int, present: Int, mounted: Int, bytes: Int64) {
        lock.withLock { (uploaded, present, mounted, bytes) }
    }
}
