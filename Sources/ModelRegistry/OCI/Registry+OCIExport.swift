import Foundation
import ModelPack

extension Registry {
    /// Exports an artifact as a CNCF ModelPack image into an OCI image layout, creating the layout or adding to
    /// one (FORMAT.md §15), so that skopeo, umoci, ORAS, Kubernetes image volumes and ModelPack consumers can
    /// read it without this library.
    ///
    /// ```swift
    /// let export = try registry.exportOCILayout("document-classifier-champion", to: URL(fileURLWithPath: "out/oci"))
    /// print(export.tag, export.manifest.digest)   // "document-classifier-champion", sha256:…
    /// ```
    ///
    /// The artifact is verified first (stamps, re-hashing only what changed), so a damaged file is never
    /// exported. Each bundle file becomes a raw layer whose digest is the one the registry manifest lists —
    /// nothing is re-hashed — hard-linked from the registry where the file system allows it, else copied and
    /// checked. The registry's `manifest.json` is the last layer, so an import re-derives the id. Signatures and
    /// evaluation records — and the signed approvals presented when an alias was moved to it — become referrers
    /// listed under the `sha256-<hex>` tag of the model manifest. Everything
    /// written is canonical JSON: exporting one artifact twice, from any registry, gives the same digests.
    ///
    /// - Parameters:
    ///   - reference: an artifact id, a unique id prefix, an alias or `NAME:latest` (`artifactID(matching:)`).
    ///   - directory: the layout directory; created when missing.
    ///   - tag: the tag in `index.json`; by default the alias when `reference` is one, else the artifact name with
    ///     every character a tag cannot hold replaced by `-`. A tag already there is moved to this artifact.
    /// - Returns: what was written.
    /// - Throws: what `artifactID(matching:)` throws; `.invalidArgument` for a layout inside the registry;
    ///   `.invalidName` for a tag outside
    ///   `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`; `.digestMismatch` when the artifact fails verification (nothing is
    ///   written); `.unsupportedAlgorithm` for an artifact not hashed with SHA-256; `.lockTimeout` when another
    ///   writer holds the layout's lock for the whole timeout; `.invalidJSON` / `.invalidDocument` for a damaged
    ///   `index.json` already in the layout; I/O errors.
    /// - Durability: blobs are synced (and their directory) before `index.json` is replaced atomically under
    ///   `flock` on `.modelreg-index.lock` inside the layout; concurrent exports into one layout keep every tag. A
    ///   crash leaves the previous `index.json` and at most unreferenced blobs.
    /// - Complexity: one `stat` per file when every verification stamp matches; a copy of the bytes only where a
    ///   hard link is impossible; one pass over the audit log's alias events for the approvals.
    @discardableResult
    public func exportOCILayout(_ reference: String, to directory: URL, tag: String? = nil) throws -> OCILayoutExport {
        let id = try artifactID(matching: reference)
        let tag = try exportTag(reference: reference, id: id, given: tag)
        _ = try openForLoading(id)  // verified: a damaged artifact is never exported
        let manifestPath = layout.manifestPath(of: id)
        let image = try ModelPackMapping.makeModelImage(
            manifestBytes: FileSystem.readDocument(manifestPath), source: manifestPath)
        let target = OCILayoutDirectory(url: directory)
        guard try !isInsideRegistry(target.path) else {
            throw RegistryError(
                .invalidArgument,
                "the layout '\(target.path)' is inside the registry '\(layout.rootPath)'; export to a directory "
                    + "outside it", path: target.path)
        }
        try target.prepare()

        var outcomes: [OCILayoutDirectory.BlobOutcome] = []
        for file in image.files {
            outcomes.append(
                try target.putBlob(linkingOrCopying: layout.artifactPath(id) + "/" + file.path, as: file.descriptor))
        }
        if let manifestLayer = image.manifest.layers.last {
            outcomes.append(try target.putBlob(linkingOrCopying: manifestPath, as: manifestLayer))
        }
        try target.putBlob(image.configBytes)
        try target.putBlob(image.manifest.canonicalBytes())

        // Referrers: every signature and evaluation record, each a manifest whose subject is the model manifest.
        let subject = image.descriptor
        var referrers: [OCIDescriptor] = []
        let payloads = try ociReferrerPayloads(of: id)
        let blobs = payloads.blobs
        if !blobs.isEmpty { try target.putBlob(OCIMediaType.emptyBlob) }
        for (type, blob) in blobs {
            let referrer = ModelPackMapping.makeReferrer(artifactType: type, blob: blob, subject: subject)
            try target.putBlob(blob)
            try target.putBlob(referrer.canonicalBytes())
            referrers.append(referrer.descriptor())
        }
        try target.syncBlobs()

        try target.updateIndex(timeout: configuration.lockTimeout) { index in
            index = index.replacing(tag: tag, with: subject)
            guard !referrers.isEmpty else { return }
            // The distribution spec's referrers tag schema: an image index under `sha256-<hex>` of the subject,
            // merged with what other exports listed there.
            let referrersTag = OCITag.referrers(of: subject.digest)
            var list = OCIImageIndex()
            if let existing = index.entry(tagged: referrersTag) {
                list = try OCIImageIndex(
                    parsing: target.readBlob(existing, limit: OCIImageIndex.maximumSize),
                    source: target.blobPath(existing.digest))
            }
            for referrer in referrers where !list.manifests.contains(where: { $0.digest == referrer.digest }) {
                list.manifests.append(referrer)
            }
            let bytes = list.canonicalBytes()
            try target.putBlob(bytes)
            try target.syncBlobs()
            index = index.replacing(tag: referrersTag, with: .of(bytes, mediaType: OCIMediaType.imageIndex))
        }
        return OCILayoutExport(
            artifact: id, layout: target.path, tag: tag, manifest: subject,
            linkedBlobs: outcomes.filter { $0 == .linked }.count, copiedBlobs: outcomes.filter { $0 == .copied }.count,
            presentBlobs: outcomes.filter { $0 == .present }.count, signatures: payloads.signatures,
            evaluations: payloads.evaluations, approvals: payloads.approvals)
    }

    /// What travels as referrers of an artifact's model manifest (FORMAT.md §15.4): every signature, evaluation
    /// record and signed approval, each with its artifact type, in that order; shared by export and push.
    func ociReferrerPayloads(of id: ArtifactID) throws
        -> (blobs: [(type: String, bytes: [UInt8])], signatures: Int, evaluations: Int, approvals: Int)
    {
        let signatureFiles = try signatures.files(of: id).compactMap { try? $0.file.get() }
        let records = try evaluationStore.records(of: id)
        let approvals = try signedApprovals(of: id)
        let blobs =
            signatureFiles.map { (type: OCIMediaType.registrySignature, bytes: $0.fileBytes()) }
            + records.map { (type: OCIMediaType.registryEvaluation, bytes: $0.fileBytes()) }
            + approvals.map { (type: OCIMediaType.registryApproval, bytes: $0.fileBytes()) }
        return (blobs, signatureFiles.count, records.count, approvals.count)
    }

    /// The signed approvals the log's alias events presented for promotions to `id`, each once, oldest first.
    private func signedApprovals(of id: ArtifactID) throws -> [SignedApproval] {
        var approvals: [SignedApproval] = []
        try journal.forEachEvent(.init(types: [.aliasPromoted, .aliasRolledBack], artifact: id.description)) { event in
            guard let moved = try? event.decode(AliasMoved.self), moved.record.artifact == id,
                let value = moved.signedApproval,
                let approval = try? SignedApproval(
                    fileBytes: CanonicalJSON.encode(value), source: "audit event #\(event.sequence)"),
                approval.artifact == id, !approvals.contains(approval)
            else { return }
            approvals.append(approval)
        }
        return approvals
    }

    /// The tag an export uses: the one given (checked), the alias a reference names, or one derived from the
    /// artifact's name.
    func exportTag(reference: String, id: ArtifactID, given: String?) throws -> String {
        if let given {
            try OCITag.check(given)
            return given
        }
        if ArtifactID(reference) == nil, !reference.hasSuffix(Self.latestSuffix),
            (try? resolve(reference, allowRevoked: true))?.artifact == id
        {
            try OCITag.check(reference)
            return reference
        }
        let tag = OCITag.derived(from: try artifacts.artifact(id).manifest.metadata.name)
        try OCITag.check(tag)
        return tag
    }

    /// Async twin of the blocking `exportOCILayout(_:to:tag:)` (same parameters and errors), run on the registry's
    /// queue.
    @discardableResult
    public func exportOCILayout(_ reference: String, to directory: URL, tag: String? = nil) async throws
        -> OCILayoutExport
    {
        try await run { try self.exportOCILayout(reference, to: directory, tag: tag) }
    }
}

extension Registry {
    /// Whether `path` (which need not exist yet) lies in the registry, by identity rather than by name: through a
    /// symbolic link, a bind mount or a second mount of the registry too (its nearest existing ancestor is what
    /// the kernel will create it under).
    func isInsideRegistry(_ path: String) throws -> Bool {
        var existing = path
        while try FileSystem.status(existing, followLinks: true) == nil {
            let parent = FileSystem.parent(of: existing)
            guard parent != existing, !parent.isEmpty else { return false }
            existing = parent
        }
        var containment = try DirectoryContainment(guarding: [layout.rootPath])
        return try containment.guardedAncestor(of: existing) != nil
    }
}
