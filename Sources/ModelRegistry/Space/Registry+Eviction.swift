import Foundation

extension Registry {
    /// What `fetch(_:from:actor:)` did.
    public struct FetchReport: Sendable {
        /// The artifact.
        public var artifact: ArtifactID
        /// The remote its bytes came from; nil when nothing was fetched and no remote was named.
        public var remote: RemoteRecord?
        /// How many files were copied (0 when its bytes were already here).
        public var files: Int
        /// How many bytes were copied and verified.
        public var bytes: Int64
        /// The `artifact_fetched` event, or nil when the artifact was not evicted (nothing was fetched).
        public var event: AuditEvent?
        /// Bundle paths whose bytes another artifact already stored: hard links to its file, not second copies.
        public var deduplicated: [String] = []
        /// Bytes taken from partial downloads an earlier fetch or pull from an OCI remote left in
        /// `staging/downloads/` (re-hashed, not downloaded again); 0 for a registry directory remote.
        public var resumedBytes: Int64 = 0
    }

    /// The `evicted/` files (FORMAT.md §14.4).
    var evictionStore: FileEvictionStore { FileEvictionStore(layout: layout) }

    /// Whether an artifact's bytes were evicted, and from where they can be fetched: its eviction record, or nil
    /// when its bytes are here. One `stat` when it is not evicted; lock-free.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` for a damaged `evicted/<id>.json`.
    public func eviction(of id: ArtifactID) throws -> EvictionRecord? {
        try evictionStore.record(id)
    }

    /// The `.evicted` error for an artifact whose bytes are not here: names the remote and how to fetch it.
    func evictedError(_ record: EvictionRecord, _ what: String) -> RegistryError {
        let source =
            record.remote.map { "remote '\($0)' (\(record.url ?? "?"))" } ?? "no recorded remote (it was forced)"
        let how =
            isReadOnly
            ? "fetch it with 'modelreg fetch \(record.artifact)' (Registry.fetch), or open the registry for writing "
                + "to fetch it on demand"
            : "fetch it with 'modelreg fetch \(record.artifact)' (Registry.fetch)"
        return RegistryError(
            .evicted,
            "\(what): artifact \(record.artifact) was evicted (its bytes are not here; they can be fetched from "
                + "\(source)); \(how)",
            path: layout.evictionPath(of: record.artifact))
    }

    /// Drops an artifact's bundle bytes while its `manifest.json`, `signatures/`, lifecycle state and history stay
    /// (FORMAT.md §14.4), to free space for an artifact a remote also holds.
    ///
    /// Refused unless the remote — `remote`, or the only configured one, or the one named `default` — holds the
    /// same artifact: its `manifest.json` there hashes to the id and every listed file there hashes to its digest. With
    /// `force`, the remote is not checked (and may be absent). A deduplicated file shared with another artifact
    /// loses one link; the other artifact keeps its bytes. Evicting an evicted artifact changes nothing.
    ///
    /// - Returns: the eviction record (`evicted/<id>.json`).
    /// - Throws: `.notFound`; `.remoteUnavailable` when the remote does not hold the artifact, cannot be read or
    ///   none is configured; `.digestMismatch` when the remote's manifest is another one; `.symlinkRefused`;
    ///   `.invalidArgument` when several remotes are configured and none is named; `.lockTimeout`; I/O errors.
    /// - Durability: `artifact_evicted` (carrying the record) is appended and synced first; then the eviction file
    ///   is written atomically, then the files are unlinked and their directories synced. A crash between leaves
    ///   files the log says are gone: ``recover(actor:)-7k7gj`` (or the next write) removes them.
    @discardableResult
    public func evict(
        _ artifact: ArtifactID, remote: String? = nil, force: Bool = false, actor: String? = nil
    ) throws -> EvictionRecord {
        let opened = try artifacts.artifact(artifact)
        if let record = try evictionStore.record(artifact) { return record }
        var chosen: RemoteRecord?
        // Held on the remote from its check until the local files are gone: the remote's rm, collector and
        // evictions refuse meanwhile, so two registries evicting to each other cannot both drop the bytes.
        var remoteLease: BackupLease?
        defer { remoteLease?.release() }
        do {
            chosen = try chooseRemote(remote)
            if let chosen, !force {
                let source = try evictionSource(for: chosen)
                remoteLease = try source.holdForEviction()
                try source.confirmHolds(opened)
            }
        } catch let error as RegistryError where force && remote == nil && error.code == .remoteUnavailable {
            _ = error  // forced with no remote configured: recorded without one
            chosen = nil
        } catch let error as RegistryError {
            throw RegistryError(
                error.code,
                "artifact \(artifact) was not evicted: \(error.message)"
                    + (force ? "" : "; evict anyway with force (CLI: --force) if its bytes may be lost"),
                path: error.path, underlying: error.underlying)
        }
        let store = JournaledEvictions(store: evictionStore, artifacts: artifacts, direction: .evict)
        let committed = try commit(
            JournaledEvictions.Change.evict(artifact: opened, remote: chosen, forced: force), to: store, actor: actor)
        if let record = committed?.payload.eviction { return record }
        guard let record = try evictionStore.record(artifact) else {
            throw RegistryError(
                .notFound, "the eviction of \(artifact) was not recorded", path: layout.evictionPath(of: artifact))
        }
        return record
    }

    /// Copies an evicted artifact's bytes back from a remote, verifies them, and publishes them (FORMAT.md §14.4).
    ///
    /// The remote is `remote` when given, else the one the eviction recorded (its current URL when it is still
    /// configured, else the recorded one), else the only or `default` configured remote. Every file is copied
    /// into `staging/` without following links, hashed as it is copied and compared with the manifest (which
    /// hashes to the id); only then are the files moved into `artifacts/<id>/`. An artifact that is not evicted
    /// is left as it is. From an OCI remote, each blob is downloaded through `staging/downloads/` as a pull's
    /// (FORMAT.md §15.9): a fetch that dies or fails leaves what arrived, and the next one resumes it with a
    /// `Range` request (``FetchReport/resumedBytes``).
    ///
    /// - Returns: what was fetched, and from where.
    /// - Throws: `.notFound`; `.remoteUnavailable` (no remote, unreachable, or missing the artifact or a file);
    ///   `.digestMismatch` naming a remote file whose bytes differ; `.symlinkRefused` for a link in the remote's
    ///   artifact directory; `.unsupportedOperation` when the registry was opened read-only. On any error nothing
    ///   is published and nothing is left in `artifacts/`.
    /// - Durability: bytes first, under a fetching mark: the files are fsynced in staging, renamed into place and
    ///   their directories synced, then `artifact_fetched` is appended and synced, then the eviction file and the
    ///   mark are removed. Recovery registers a fetch a crash interrupted after its files were in place.
    @discardableResult
    public func fetch(_ artifact: ArtifactID, from remote: String? = nil, actor: String? = nil) throws -> FetchReport {
        guard !isReadOnly else {
            throw RegistryError(
                .unsupportedOperation,
                "registry '\(layout.rootPath)' was opened read-only (forWriting: false); open it for writing to "
                    + "fetch \(artifact)", path: layout.rootPath)
        }
        let opened = try artifacts.artifact(artifact)
        guard let record = try evictionStore.record(artifact) else {
            return FetchReport(
                artifact: artifact, remote: try remote.map { try chooseRemote($0) }, files: 0, bytes: 0, event: nil)
        }
        let source = try evictionSource(for: try remoteToFetch(from: remote, record: record))
        try FileSystem.makeDirectory(layout.stagingPath)
        let lease = try StagingLease.create(in: layout.stagingPath, prefix: RegistryLayout.stagingPrefix)
        defer {
            // When the staging directory cannot be removed, its lock file stays (unlocked once the lease is gone),
            // which tells recovery to remove it.
            if (try? FileSystem.removeTree(lease.directory)) != nil { lease.release() }
        }
        let resumed = try source.copy(opened, into: lease.directory)
        // Bytes another artifact already stores become links to its file, as in a registration (FORMAT.md §10.1).
        let linked = artifacts.linkFetchedDuplicates(of: opened, in: lease.directory)
        let store = JournaledEvictions(store: evictionStore, artifacts: artifacts, direction: .fetch)
        let committed = try commit(
            JournaledEvictions.Change.fetch(artifact: opened, staging: lease.directory, remote: source.remote),
            to: store, actor: actor)
        if committed != nil {
            artifacts.recordFetched(opened)
            verifier().recordWrittenStamps(
                artifact, paths: FileArtifactStore.evictableFiles(of: opened.manifest).map(\.path))
        }
        return FetchReport(
            artifact: artifact, remote: source.remote, files: Int(committed?.payload.files ?? 0),
            bytes: committed?.payload.size ?? 0, event: committed?.event,
            deduplicated: committed == nil ? [] : linked.sorted(), resumedBytes: resumed)
    }

    /// The remote a fetch of an evicted artifact reads from (see `fetch(_:from:actor:)`).
    private func remoteToFetch(from name: String?, record: EvictionRecord) throws -> RemoteRecord {
        if let name { return try chooseRemote(name) }
        if let recorded = record.remote {
            if let current = try remoteStore.record(recorded) { return current }
            if let fallback = record.recordedRemote { return fallback }
        }
        do {
            return try chooseRemote(nil)
        } catch let error as RegistryError {
            throw RegistryError(
                error.code, "cannot fetch \(record.artifact): its eviction recorded no remote, and \(error.message)",
                path: layout.evictionPath(of: record.artifact), underlying: error)
        }
    }
}
