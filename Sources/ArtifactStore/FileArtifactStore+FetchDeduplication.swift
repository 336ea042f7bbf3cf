import RegistryCore

extension FileArtifactStore {
    /// Replaces each fetched file in `staging` whose bytes another published artifact already stores with a hard
    /// link to that stored file (FORMAT.md §10.1, §14.4), as a registration does: a fetched artifact shares inodes
    /// like a registered one, and `du` counts the bytes once.
    ///
    /// The files in `staging` are already verified against the manifest; a stored file is linked only when the
    /// deduplication index's checks pass (read-only, same inode, size and mtime, listed with this digest by its
    /// artifact's manifest). Files below `minimumSize` are left as copies. Best effort: a file that cannot be
    /// linked stays the verified copy.
    ///
    /// - Returns: the bundle paths now linked to a stored file.
    package func linkFetchedDuplicates(
        of artifact: Artifact, in staging: String,
        minimumSize: Int64 = IngestOptions.defaultDeduplicationMinimumSize
    ) -> [String] {
        let entries = Self.evictableFiles(of: artifact.manifest).filter { $0.size >= minimumSize }
        guard !entries.isEmpty else { return [] }
        let blobs = BlobIndex(store: self, manifests: ManifestCache(store: self))
        blobs.rebuildIfMissing(minimumSize: minimumSize)
        var linked: [String] = []
        for entry in entries {
            // The artifact's own former holders are gone (evicted), so a candidate is always another's file.
            guard let candidate = blobs.candidate(for: entry.digest, size: entry.size) else { continue }
            if FileTransfer.linkStored(candidate.path, at: staging + "/" + entry.path, expecting: candidate.status)
                != nil
            {
                linked.append(entry.path)
            }
        }
        return linked
    }

    /// Records a fetched artifact's files in the deduplication index once they are in place: the copies as
    /// verified holders (the fetch hashed them), the linked ones as more holders of the inode they share. Failures
    /// are ignored: the index is a cache.
    package func recordFetched(
        _ artifact: Artifact, minimumSize: Int64 = IngestOptions.defaultDeduplicationMinimumSize
    ) {
        let files = Self.evictableFiles(of: artifact.manifest).filter { $0.size >= minimumSize }.map {
            (path: $0.path, digest: $0.digest, verified: true)
        }
        guard !files.isEmpty else { return }
        BlobIndex(store: self, manifests: ManifestCache(store: self)).record(artifact.id, files: files)
    }
}
