import ModelPack
import RegistryCore

/// Finds the model manifest an import reads in a layout: by tag, or the layout's only model manifest, descending
/// into an image index (a multi-platform image whose ModelPack manifest sits next to the runnable ones, as PyPI's
/// `olot` writes it).
struct OCILayoutSelection {
    let layout: OCILayoutDirectory
    let index: OCIImageIndex

    /// The model manifest's descriptor.
    ///
    /// - Throws: `.notFound` for a tag the layout does not have (the message lists the tags it has) or a layout
    ///   without any manifest; `.ambiguous` when no tag is given and the layout holds several models.
    func modelManifest(tag: String?) throws -> OCIDescriptor {
        if let tag {
            try OCITag.check(tag)
            guard let entry = index.entry(tagged: tag) else {
                let tags = index.manifests.compactMap(\.referenceName).filter { !isReferrersTag($0) }
                throw RegistryError(
                    .notFound,
                    "the layout '\(layout.path)' has no tag '\(tag)' (its tags: "
                        + "\(tags.isEmpty ? "none" : tags.joined(separator: ", ")))", path: layout.indexPath)
            }
            return try descend(entry, context: "tag '\(tag)'")
        }
        let candidates = index.manifests.filter { !isReferrersTag($0.referenceName ?? "") }
        return try choose(among: candidates, context: "layout '\(layout.path)'")
    }

    private func isReferrersTag(_ tag: String) -> Bool {
        tag.hasPrefix("sha256-") && tag.utf8.count == 71 && Digest(parsing: "sha256:" + tag.dropFirst(7)) != nil
    }

    /// The one model among `candidates`, else the only candidate.
    private func choose(among candidates: [OCIDescriptor], context: String) throws -> OCIDescriptor {
        let models = try candidates.filter { try isModel($0) }
        if models.count == 1 { return models[0] }
        if models.count > 1 {
            let names = models.map { $0.referenceName ?? $0.digest.description }
            throw RegistryError(
                .ambiguous,
                "\(context) holds \(models.count) model manifests (\(names.joined(separator: ", "))); name one with "
                    + "DIR:TAG", path: layout.indexPath)
        }
        guard candidates.count == 1 else {
            throw RegistryError(
                candidates.isEmpty ? .notFound : .ambiguous,
                "\(context) holds \(candidates.count) manifests and no ModelPack model; name one with DIR:TAG",
                path: layout.indexPath)
        }
        return try descend(candidates[0], context: context)
    }

    /// An image index entry is resolved to the model manifest inside it.
    private func descend(_ entry: OCIDescriptor, context: String) throws -> OCIDescriptor {
        switch entry.mediaType {
        case OCIMediaType.imageManifest:
            return entry
        case OCIMediaType.imageIndex:
            let nested = try OCIImageIndex(
                parsing: layout.readBlob(entry, limit: OCIImageIndex.maximumSize),
                source: layout.blobPath(entry.digest))
            let manifests = nested.manifests.filter { $0.mediaType == OCIMediaType.imageManifest }
            return try choose(among: manifests, context: "\(context) (image index \(entry.digest))")
        default:
            throw RegistryError(
                .unsupportedOperation,
                "\(context) names a '\(entry.mediaType)', which is neither an OCI image manifest nor an image index",
                path: layout.indexPath)
        }
    }

    /// Whether an entry is a ModelPack model manifest: by its `artifactType` when the entry has one (skopeo drops
    /// it), else by reading the manifest's config media type.
    private func isModel(_ entry: OCIDescriptor) throws -> Bool {
        guard entry.mediaType == OCIMediaType.imageManifest else { return false }
        if let type = entry.artifactType, OCIMediaType.normalized(type) == OCIMediaType.modelManifest { return true }
        let manifest = try OCIImageManifest(
            parsing: layout.readBlob(entry, limit: OCIImageManifest.maximumSize), source: layout.blobPath(entry.digest))
        return OCIMediaType.normalized(manifest.config.mediaType) == OCIMediaType.modelConfig
            || manifest.artifactType.map(OCIMediaType.normalized) == OCIMediaType.modelManifest
    }
}
