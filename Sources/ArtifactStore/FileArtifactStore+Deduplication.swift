import Foundation
import RegistryCore

extension FileArtifactStore {
    /// Records a just-published artifact's files in the deduplication index (FORMAT.md §10.1), so that later
    /// registrations of the same bytes link them instead of storing them again.
    ///
    /// Call it once the artifact is published (its files no longer move). Bytes the registry hashed as it wrote
    /// them are recorded as verified; files that share a user's inode (hard link, move) unverified, so they are
    /// hashed once before a first link; deduplicated files add themselves as holders of the inode they share.
    /// Failures are ignored: the index is a cache.
    public func recordPublished(_ staged: StagedArtifact) {
        let written = Set(staged.writtenByRegistry)
        let shared = Set(staged.deduplicated.map(\.path))
        let files = staged.manifest.files.filter { $0.size >= staged.deduplicationMinimumSize }.map { entry in
            (path: entry.path, digest: entry.digest, verified: written.contains(entry.path))
        }
        guard !files.isEmpty else { return }
        let index = BlobIndex(store: self, manifests: ManifestCache(store: self))
        index.record(staged.id, files: files.filter { written.contains($0.path) || shared.contains($0.path) })
        // Files that share a user's inode: recorded only when no stored copy holds those bytes yet.
        index.record(
            staged.id, files: files.filter { !written.contains($0.path) && !shared.contains($0.path) })
    }

    /// Drops a removed artifact from the deduplication index (FORMAT.md §10.1): each of its files stops being a
    /// holder of its digest, and an entry left without holders is deleted. Call it after the artifact's directory
    /// left `artifacts/`. Best effort: the index is a cache, and ``BlobIndex`` checks every holder before linking
    /// anyway, so an entry missed here is only a miss later, never a link to a file that is gone.
    package func forgetPublished(_ id: ArtifactID, manifest: Manifest) {
        let index = BlobIndex(store: self, manifests: ManifestCache(store: self))
        for digest in Set(manifest.files.map(\.digest)) { index.removeHolders(of: id, digest: digest) }
    }

    /// The registration of `directory` when nothing in it changed since it was registered: every source file's
    /// current status is in the source-digest cache (FORMAT.md §10.2), and the manifest those digests make (with
    /// `generated`) is already published. Nothing is read, staged or written. Nil when any of that does not hold,
    /// and always with `options.rehash` or in move mode (which must take the sources).
    package func unchangedRegistration(
        directory: URL, metadata: ArtifactMetadata, options: IngestOptions, generated: [GeneratedFile] = []
    ) -> Registration? {
        guard !options.rehash, options.mode != .move,
            let exclusions = try? Self.exclusionRules(for: directory, options: options),
            let listing = try? BundleScanner.scan(
                directory: directory, followSymlinks: options.followSymlinks, exclusions: exclusions)
        else { return nil }
        var registration = unchangedRegistration(
            files: listing.files, metadata: metadata, options: options, generated: generated)
        registration?.excluded = listing.excluded
        return registration
    }

    /// ``unchangedRegistration(directory:metadata:options:generated:)`` for an explicit file list.
    package func unchangedRegistration(
        files: [SourceFile], metadata: ArtifactMetadata, options: IngestOptions, generated: [GeneratedFile] = []
    ) -> Registration? {
        guard !options.rehash, options.mode != .move, !files.isEmpty,
            options.mediaTypes.keys.allSatisfy({ path in
                files.contains { $0.path == path } || generated.contains { $0.path == path }
            }),
            options.allowForeignParents || metadata.parents.allSatisfy({ (try? contains($0)) == true })
        else { return nil }
        let cache = SourceDigestCache(layout: layout, algorithm: hashAlgorithm.name)
        var entries: [Manifest.Entry] = []
        for file in files {
            let source = file.source.standardizedFileURL.path
            guard let status = try? FileSystem.status(source, followLinks: options.followSymlinks),
                let digest = cache.digest(forSource: source, status: status)
            else { return nil }
            entries.append(
                Manifest.Entry(
                    path: file.path, size: status.size, digest: digest, mediaType: options.mediaTypes[file.path]))
        }
        for file in generated {
            entries.append(
                Manifest.Entry(
                    path: file.path, size: Int64(file.contents.count), digest: hashAlgorithm.hash(file.contents),
                    mediaType: options.mediaTypes[file.path]))
        }
        guard let manifest = try? Manifest(hashAlgorithm: hashAlgorithm.name, metadata: metadata, files: entries)
        else { return nil }
        let id = ArtifactID(digest: hashAlgorithm.hash(manifest.canonicalBytes()))
        // Published, and durably so (the writer that renamed it may have crashed before its directory fsync).
        guard (try? contains(id)) == true, (try? FileSystem.syncDirectory(layout.artifactsPath)) != nil else {
            return nil
        }
        var registration = Registration(
            artifact: Artifact(
                id: id, manifest: manifest,
                directory: URL(fileURLWithPath: layout.artifactPath(id), isDirectory: true)),
            isNew: false, copiedInstead: [])
        registration.unread = files.map(\.path).sorted()
        return registration
    }
}
