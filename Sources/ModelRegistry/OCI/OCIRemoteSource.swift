import ArtifactStore
import Foundation
import ModelPack
import RegistryCore

/// A repository of an OCI registry read as a remote (FORMAT.md §15.9): where an evicted artifact's bytes are
/// confirmed before eviction and fetched back from, over the Distribution API.
///
/// An artifact is found there by content, never by a tag that someone could move: its model manifest is the one
/// ``ModelPackMapping/makeModelImage(manifestBytes:source:)`` derives from its `manifest.json` (deterministic, as
/// `push` writes it), so the manifest's digest follows from the artifact id; every file is the blob of its digest,
/// and the `manifest.json` layer is the blob of the id's digest. Nothing the registry serves is trusted: each blob
/// is hashed as it arrives and compared with the local manifest.
struct OCIRemoteSource {
    let remote: RemoteRecord
    let client: DistributionClient
    /// The registry whose `staging/downloads/` a fetch downloads into (FORMAT.md §15.8), so that a fetch that dies
    /// or fails leaves what arrived for the next fetch or pull of the same blob to resume; nil downloads straight
    /// into the staging directory given to ``copy(_:into:)``.
    let partialDownloads: RegistryLayout?

    /// Opens the remote's repository (no request is sent yet).
    ///
    /// - Throws: `.invalidArgument` for a record whose URL is not an OCI repository; what the credentials lookup
    ///   throws.
    init(_ remote: RemoteRecord, options: OCITransferOptions = .init(), partialDownloads: RegistryLayout? = nil)
        throws
    {
        self.partialDownloads = partialDownloads
        guard remote.kind == .oci else {
            throw RegistryError(
                .invalidArgument, "remote '\(remote.name)' is of kind '\(remote.kind)', not an OCI repository")
        }
        let reference: OCIReference
        do {
            reference = try OCIReference(parsing: remote.url)
        } catch let error as RegistryError {
            throw RegistryError(
                .invalidArgument, "remote '\(remote.name)': '\(remote.url)' is not an OCI repository: \(error.message)",
                underlying: error)
        }
        self.remote = remote
        client = try DistributionClient(
            repository: reference, credentials: options.clientCredentials, settings: options.settings)
    }

    private var shown: String { "remote '\(remote.name)' (\(remote.url))" }

    /// The model manifest `push` writes for `artifact`, from its `manifest.json`.
    private func image(of artifact: Artifact) throws -> ModelPackMapping.ModelImage {
        let bytes = artifact.manifest.canonicalBytes()
        return try ModelPackMapping.makeModelImage(manifestBytes: bytes, source: "artifact \(artifact.id)")
    }

    /// Checks that the repository holds `artifact`: its model manifest by digest (so the registry keeps the blobs),
    /// and — `HEAD` of each — every evictable file's blob and the `manifest.json` blob with the listed size.
    ///
    /// - Throws: `.remoteUnavailable` naming the missing manifest or blob (and how to push it) or an unreachable
    ///   registry; `.unsupportedAlgorithm` for an artifact not hashed with SHA-256; `.unauthorized`.
    func checkHolds(_ artifact: Artifact) throws {
        let image = try image(of: artifact)
        let push = "push it first with 'modelreg push \(artifact.id) \(remote.url)'"
        do {
            guard try client.hasManifest(image.descriptor.digest) else {
                throw RegistryError(
                    .remoteUnavailable,
                    "\(shown) has no model manifest \(image.descriptor.digest) for artifact \(artifact.id); \(push)")
            }
            var blobs = FileArtifactStore.evictableFiles(of: artifact.manifest).map {
                (path: $0.path, descriptor: OCIDescriptor(mediaType: "", digest: $0.digest, size: $0.size))
            }
            if let manifestLayer = image.manifest.layers.last { blobs.append(("manifest.json", manifestLayer)) }
            for blob in blobs {
                guard try client.hasBlob(blob.descriptor) else {
                    throw RegistryError(
                        .remoteUnavailable,
                        "\(shown) lacks the blob \(blob.descriptor.digest) (\(blob.descriptor.size) bytes) of "
                            + "'\(blob.path)' of artifact \(artifact.id); \(push)")
                }
            }
        } catch let error as RegistryError where error.code == .notFound {
            throw RegistryError(
                .remoteUnavailable, "\(shown) does not hold artifact \(artifact.id): \(error.message)",
                underlying: error)
        }
    }

    /// Downloads every evictable bundle file of `artifact` into `staging` at its bundle path, in parallel, each
    /// hashed as it arrives and compared with the manifest, then synced and made read-only.
    ///
    /// As a pull does, each blob is downloaded into `staging/downloads/sha256-<hex>` (held with `flock`) and
    /// moved into `staging` once checked and synced: a fetch that is killed or fails leaves what arrived there, and
    /// the next fetch (or pull) of the same blob re-hashes it and asks only for the rest with a `Range` request.
    ///
    /// - Returns: the bytes taken from partial downloads an earlier fetch or pull left (re-hashed, not downloaded
    ///   again).
    /// - Throws: `.digestMismatch` for bytes that are not the listed ones; `.remoteUnavailable` for a blob the
    ///   registry lacks or a registry that cannot be reached; `.unauthorized`; I/O errors. What was downloaded
    ///   stays in `staging` for the caller to remove, and in `staging/downloads/` for the next fetch to resume.
    func copy(_ artifact: Artifact, into staging: String) throws -> Int64 {
        let entries = FileArtifactStore.evictableFiles(of: artifact.manifest)
        guard artifact.manifest.hashAlgorithm == "sha256" else {
            throw RegistryError(
                .unsupportedAlgorithm,
                "artifact \(artifact.id) is hashed with '\(artifact.manifest.hashAlgorithm)'; an OCI remote names "
                    + "blobs by SHA-256")
        }
        for entry in entries {
            let parent = FileSystem.parent(of: staging + "/" + entry.path)
            if parent != staging { try FileSystem.makeDirectories(parent, inside: staging) }
        }
        let client = client
        let shown = shown
        let partialDownloads = partialDownloads
        let totals = OCIDownloadTotals()
        try client.forEachConcurrently(entries) { entry in
            let path = staging + "/" + entry.path
            let descriptor = OCIDescriptor(mediaType: "", digest: entry.digest, size: entry.size)
            do {
                // Into `staging/downloads/` unless another fetch or pull is downloading the same blob right now.
                if let layout = partialDownloads,
                    let partial = try OCIPartialDownload.claim(entry.digest, layout: layout)
                {
                    defer { partial.release() }
                    totals.add(try client.downloadBlob(descriptor, to: partial.path))
                    try partial.move(to: path)
                } else {
                    totals.add(try client.downloadBlob(descriptor, to: path))
                }
            } catch let error as RegistryError where error.code == .notFound {
                throw RegistryError(
                    .remoteUnavailable,
                    "\(shown) lacks the blob \(entry.digest) of '\(entry.path)' of artifact \(artifact.id): "
                        + error.message, underlying: error)
            } catch let error as RegistryError where error.code == .digestMismatch {
                throw RegistryError(
                    .digestMismatch, "\(shown), '\(entry.path)' of artifact \(artifact.id): \(error.message)",
                    underlying: error)
            }
            try FileSystem.setPermissions(path, mode: FileSystem.readOnlyFileMode)
        }
        return totals.resumed
    }
}

/// What eviction and fetch need of a remote, whatever its kind (FORMAT.md §14.4, §15.9).
protocol EvictionRemoteSource {
    /// The remote's record.
    var remote: RemoteRecord { get }
    /// Holds the remote still while an eviction relies on it, where the remote can be held (a registry directory's
    /// backup lease); nil where it cannot.
    func holdForEviction() throws -> BackupLease?
    /// Throws unless the remote holds every byte of `artifact`.
    func confirmHolds(_ artifact: Artifact) throws
    /// Copies the evictable files of `artifact` into `staging`, verified; returns the bytes taken from partial
    /// downloads an earlier fetch or pull left in `staging/downloads/` (0 for a remote that is not downloaded).
    func copy(_ artifact: Artifact, into staging: String) throws -> Int64
}

extension RemoteRegistrySource: EvictionRemoteSource {
    func holdForEviction() throws -> BackupLease? { try BackupLease.acquireOnRemote(at: layout.backupLeasePath) }
    func confirmHolds(_ artifact: Artifact) throws { try checkHolds(artifact) }
    func copy(_ artifact: Artifact, into staging: String) throws -> Int64 {
        try copyFiles(of: artifact, into: staging)
        return 0
    }
}

extension OCIRemoteSource: EvictionRemoteSource {
    /// An OCI registry cannot be held: a `DELETE` by someone else after the check is not ours to prevent.
    func holdForEviction() throws -> BackupLease? { nil }
    func confirmHolds(_ artifact: Artifact) throws { try checkHolds(artifact) }
}

extension Registry {
    /// The source behind a remote record: a registry directory, or an OCI repository.
    ///
    /// - Throws: `.unsupportedOperation` for a kind this version cannot reach; what the sources' initialisers throw.
    func evictionSource(for remote: RemoteRecord) throws -> any EvictionRemoteSource {
        switch remote.kind {
        case .oci:
            return try OCIRemoteSource(
                remote, options: configuration.ociRemoteOptions, partialDownloads: isReadOnly ? nil : layout)
        default: return try RemoteRegistrySource(remote, local: artifacts)
        }
    }
}
