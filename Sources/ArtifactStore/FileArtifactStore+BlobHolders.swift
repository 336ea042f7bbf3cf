import RegistryCore

extension FileArtifactStore {
    /// The published files the deduplication index (FORMAT.md §10.1) records as holding `digest`'s bytes — a
    /// cache, so unchecked: a caller that relies on a holder checks it itself (a backup compares inodes). Empty
    /// when the index has no readable entry.
    ///
    /// - Complexity: one small file read.
    package func recordedHolders(of digest: Digest) -> [(artifact: ArtifactID, path: String)] {
        let index = BlobIndex(store: self, manifests: ManifestCache(store: self))
        return index.entry(for: digest)?.holders.map { ($0.artifact, $0.path) } ?? []
    }
}
