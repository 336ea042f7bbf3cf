import Foundation

/// Another registry directory read as a remote (FORMAT.md §14.4): where an evicted artifact's bytes are checked
/// before eviction and fetched back from. Only read: it may be a read-only mount, and nothing is locked or written
/// there.
///
/// Nothing it serves is trusted: the manifest must hash to the id, every file is read without following links
/// (no path component under the remote's artifact directory may be a symbolic link), and every file is hashed as
/// it is copied and compared with the local manifest.
struct RemoteRegistrySource {
    let remote: RemoteRecord
    let layout: RegistryLayout
    /// The hash algorithms the local registry reads, by name.
    let algorithms: [String: any HashAlgorithm]

    /// Opens the remote's registry for reading.
    ///
    /// - Throws: `.unsupportedOperation` for a kind this version cannot reach; `.remoteUnavailable` when the
    ///   directory is missing or not a registry; `.invalidArgument` when it is `local` itself.
    init(_ remote: RemoteRecord, local: FileArtifactStore) throws {
        algorithms = local.knownAlgorithms
        guard remote.kind == .registry else {
            throw RegistryError(
                .unsupportedOperation,
                "remote '\(remote.name)' is of kind '\(remote.kind)', which this version cannot reach")
        }
        guard let directory = remote.directory else {
            throw RegistryError(
                .remoteUnavailable, "remote '\(remote.name)': '\(remote.url)' is not a file:// URL of an absolute path")
        }
        do {
            layout = try RegistryLayout.open(at: directory, forWriting: false)
        } catch let error as RegistryError {
            throw RegistryError(
                .remoteUnavailable, "remote '\(remote.name)' (\(remote.url)) cannot be read: \(error.message)",
                path: directory.path, underlying: error)
        }
        self.remote = remote
        if let mine = try FileSystem.status(local.layout.rootPath, followLinks: true),
            let theirs = try FileSystem.status(layout.rootPath, followLinks: true),
            mine.device == theirs.device, mine.inode == theirs.inode
        {
            throw RegistryError(
                .invalidArgument,
                "remote '\(remote.name)' (\(remote.url)) is this registry itself; a remote must be another copy")
        }
    }

    private func unavailable(_ id: ArtifactID, _ problem: String, path: String? = nil) -> RegistryError {
        RegistryError(
            .remoteUnavailable, "remote '\(remote.name)' (\(remote.url)): \(problem) for artifact \(id)",
            path: path ?? layout.artifactPath(id))
    }

    /// Refuses a symbolic link (or anything but a directory) at the remote's `artifacts/`, at its artifact
    /// directory and at every directory between it and `relative` (a bundle path; its last component is opened
    /// with `O_NOFOLLOW`).
    private func checkDirectories(_ id: ArtifactID, leadingTo relative: String?) throws {
        var path = layout.artifactsPath
        var components = [id.description]
        if let relative { components += relative.split(separator: "/").dropLast().map(String.init) }
        var checked = [path]
        for component in components {
            path += "/" + component
            checked.append(path)
        }
        for directory in checked {
            guard let status = try FileSystem.status(directory) else {
                throw unavailable(id, "'\(directory)' is missing", path: directory)
            }
            if status.kind == .symbolicLink {
                throw RegistryError(
                    .symlinkRefused,
                    "remote '\(remote.name)': '\(directory)' is a symbolic link; a remote's artifact files are read "
                        + "only from real directories inside it", path: directory)
            }
            guard status.kind == .directory else {
                throw unavailable(id, "'\(directory)' is not a directory", path: directory)
            }
        }
    }

    /// Checks that the remote holds `artifact`: its `manifest.json` there hashes to the id, it is not evicted
    /// there, and every listed file is a regular file of the listed size whose bytes hash to the listed digest
    /// (`readingBytes`; a fetch, which hashes what it copies, checks sizes only).
    ///
    /// - Throws: `.remoteUnavailable` naming what is missing; `.digestMismatch` naming a remote file whose bytes
    ///   differ; `.symlinkRefused`.
    /// - Complexity: reads every listed file of the remote's copy once.
    func checkHolds(_ artifact: Artifact, readingBytes: Bool = true) throws {
        let id = artifact.id
        try checkDirectories(id, leadingTo: nil)
        let manifestPath = layout.manifestPath(of: id)
        guard try FileSystem.status(manifestPath)?.kind == .regular else {
            throw unavailable(id, "no manifest.json (it does not hold the artifact)", path: manifestPath)
        }
        let bytes = try FileSystem.readDocument(manifestPath)
        guard let algorithm = algorithms[id.digest.algorithm] else {
            throw RegistryError(
                .unsupportedAlgorithm, "artifact \(id): hash algorithm '\(id.digest.algorithm)' is not configured")
        }
        let digest = algorithm.hash(bytes)
        guard digest == id.digest else {
            throw RegistryError(
                .digestMismatch,
                "remote '\(remote.name)': '\(manifestPath)' hashes to \(digest), not to the artifact id \(id); the "
                    + "remote's copy is not this artifact", path: manifestPath)
        }
        if try FileSystem.status(layout.evictionPath(of: id)) != nil {
            throw unavailable(id, "the artifact is evicted there too (\(layout.evictionPath(of: id)))")
        }
        for entry in artifact.manifest.files {
            try checkDirectories(id, leadingTo: entry.path)
            let path = layout.artifactPath(id) + "/" + entry.path
            guard let status = try FileSystem.status(path), status.kind == .regular, status.size == entry.size else {
                throw unavailable(
                    id, "file '\(entry.path)' is missing, not a regular file or not \(entry.size) bytes", path: path)
            }
            // The remote's copy becomes the only one once the local files are gone: read it, rather than trust a
            // size (a damaged or edited remote file keeps its size).
            guard readingBytes else { continue }
            let read = try algorithm.hash(fileAt: URL(fileURLWithPath: path))
            guard read.size == entry.size, read.digest == entry.digest else {
                throw RegistryError(
                    .digestMismatch,
                    "remote '\(remote.name)': '\(path)' hashes to \(read.digest), not to \(entry.digest) as the "
                        + "manifest of \(id) lists; the remote's copy of '\(entry.path)' is damaged, so the local one "
                        + "must stay", path: path)
            }
        }
    }

    /// Copies every evictable bundle file of `artifact` from the remote into `staging` at its bundle path, hashing the bytes
    /// as they are copied, and compares each with the manifest.
    ///
    /// - Throws: `.digestMismatch` naming the remote file whose size or digest differs; `.symlinkRefused`;
    ///   `.remoteUnavailable` for a missing file; I/O errors. What was copied stays in `staging` for the caller
    ///   to remove.
    func copyFiles(of artifact: Artifact, into staging: String) throws {
        try checkHolds(artifact, readingBytes: false)  // the copy below hashes every byte it takes
        guard let algorithm = algorithms[artifact.manifest.hashAlgorithm] else {
            throw RegistryError(
                .unsupportedAlgorithm,
                "artifact \(artifact.id): hash algorithm '\(artifact.manifest.hashAlgorithm)' is not configured")
        }
        for entry in FileArtifactStore.evictableFiles(of: artifact.manifest) {
            try checkDirectories(artifact.id, leadingTo: entry.path)
            let source = layout.artifactPath(artifact.id) + "/" + entry.path
            let destination = staging + "/" + entry.path
            let parent = FileSystem.parent(of: destination)
            if parent != staging { try FileSystem.makeDirectories(parent, inside: staging) }
            let outcome: FileTransfer.Outcome
            do {
                outcome = try FileTransfer.stage(
                    source, at: destination, method: .copy, algorithm: algorithm, followSymlinks: false)
            } catch RegistryError.Code.notFound {
                throw unavailable(artifact.id, "file '\(entry.path)' is missing", path: source)
            }
            guard outcome.result.size == entry.size, outcome.result.digest == entry.digest else {
                throw RegistryError(
                    .digestMismatch,
                    "remote '\(remote.name)': '\(source)' has \(outcome.result.size) bytes hashing to "
                        + "\(outcome.result.digest); the manifest lists \(entry.size) bytes, \(entry.digest); nothing "
                        + "was published", path: source)
            }
        }
    }
}
