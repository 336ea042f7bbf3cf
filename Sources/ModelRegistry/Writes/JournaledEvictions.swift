/// Eviction and fetch on the write path (FORMAT.md §14.4): `evicted/<id>.json` and the artifact's bundle files,
/// recorded as `artifact_evicted` and `artifact_fetched`.
///
/// One store, two orders. An eviction is written event first, like every view: the event is the commit point,
/// then the eviction file is written and the bundle files removed; a crash between leaves files the log says
/// are gone, which recovery (or the next write) removes. A fetch is written bytes first, like a registration,
/// because an event must never name bytes that are not there: the verified files move into the artifact
/// directory under a fetching mark, then `artifact_fetched` is appended and the eviction file removed.
struct JournaledEvictions: JournaledStore {
    /// Which of the two changes this store writes.
    enum Direction {
        case evict
        case fetch
    }

    /// A requested change.
    enum Change {
        /// Evict the artifact, recording `remote` (nil only when forced without a remote).
        case evict(artifact: Artifact, remote: RemoteRecord?, forced: Bool)
        /// Publish fetched files, verified in `staging` at their bundle paths, that came from `remote`.
        case fetch(artifact: Artifact, staging: String, remote: RemoteRecord)
    }

    let store: FileEvictionStore
    let artifacts: FileArtifactStore
    var direction: Direction = .evict

    var name: String { direction == .evict ? "evict" : "fetch" }
    var writesBytesFirst: Bool { direction == .fetch }

    func check(_ change: Change, in transaction: Transaction) throws -> ArtifactResidencyChanged? {
        switch change {
        case .evict(let artifact, let remote, let forced):
            guard try store.record(artifact.id) == nil else { return nil }  // already evicted
            try transaction.registry.requireNoBackupRunning(toRemoveFilesOf: artifact.id)
            let record = EvictionRecord(
                artifact: artifact.id, remote: remote, forced: forced, evictedAt: transaction.time,
                actor: transaction.actor)
            return ArtifactResidencyChanged(
                evicting: record, files: Int64(Self.evictable(artifact).count), size: Self.evictableSize(artifact))
        case .fetch(let artifact, _, let remote):
            guard try store.record(artifact.id) != nil else { return nil }  // its bytes are here already
            return ArtifactResidencyChanged(
                fetching: artifact.id, from: remote, files: Int64(Self.evictable(artifact).count),
                size: Self.evictableSize(artifact), recovered: false)
        }
    }

    func apply(_ change: Change, as event: ArtifactResidencyChanged, in transaction: Transaction) throws {
        switch change {
        case .evict(let artifact, _, _):
            guard let record = event.eviction else { return }
            try store.write(record)
            CrashPoint.hit("evict.afterRecord")
            try artifacts.removeBundleFiles(of: artifact) { CrashPoint.hit("evict.afterFirstFile") }
        case .fetch(let artifact, let staging, let remote):
            try FileSystem.makeDirectory(artifacts.layout.stagingPath)
            try FileSystem.atomicReplace(
                artifacts.layout.fetchingMarkPath(of: artifact.id), contents: remote.fileBytes())
            try artifacts.moveFetchedFiles(of: artifact, from: staging) { CrashPoint.hit("fetch.afterFirstFile") }
        }
    }

    func undo(_ change: Change, in transaction: Transaction) throws {
        guard case .fetch(let artifact, _, _) = change else { return }
        // The log still says evicted: take the moved files back out, so the files agree with it.
        try artifacts.removeBundleFiles(of: artifact)
        try? FileSystem.removeFile(artifacts.layout.fetchingMarkPath(of: artifact.id))
    }

    func finish(_ change: Change, in transaction: Transaction) {
        guard case .fetch(let artifact, _, _) = change else { return }
        // A failure here leaves an eviction file the log contradicts: the next write or recovery removes it.
        try? store.remove(artifact.id)
        try? FileSystem.removeFile(artifacts.layout.fetchingMarkPath(of: artifact.id))
    }

    func key(of event: ArtifactResidencyChanged) -> String { event.artifact.description }

    /// The files an eviction removes and a fetch brings back.
    static func evictable(_ artifact: Artifact) -> [Manifest.Entry] {
        FileArtifactStore.evictableFiles(of: artifact.manifest)
    }

    /// Their total size.
    static func evictableSize(_ artifact: Artifact) -> Int64 { evictable(artifact).reduce(0) { $0 + $1.size } }

    func isMaterialized(_ event: ArtifactResidencyChanged) throws -> Bool {
        guard let record = event.eviction else { return try !store.hasRecord(event.artifact) }
        guard (try? store.record(event.artifact)) == record else { return false }
        guard let artifact = try? artifacts.artifact(event.artifact) else { return true }  // fsck reports it
        // An eviction killed after its last unlink but before its rmdirs is not finished yet.
        return try artifacts.presentBundleFiles(of: artifact).isEmpty
            && artifacts.emptiedBundleDirectories(of: artifact).isEmpty
    }

    func restore(_ key: String, to event: ArtifactResidencyChanged?) throws -> Bool {
        try restore(key, to: event, isLogsLastEvent: false)
    }

    func restore(_ key: String, to event: ArtifactResidencyChanged?, isLogsLastEvent: Bool) throws -> Bool {
        guard let id = ArtifactID(key) else { return false }
        guard let record = event?.eviction else {
            try store.remove(id)
            return true
        }
        let present = (try? artifacts.artifact(id)).map { (try? artifacts.presentBundleFiles(of: $0)) ?? [] } ?? []
        // Files are deleted only to finish the eviction a crash interrupted: its event is the log's last, and no
        // fetch of the same artifact is in flight (its mark in staging/; recovery registers that fetch instead).
        // Files present for any other reason — put back by hand, or a fetch whose event came later than a damaged
        // line — are reported, never deleted on the log's word alone.
        if !present.isEmpty {
            guard isLogsLastEvent, try !FileSystem.exists(artifacts.layout.fetchingMarkPath(of: id)) else {
                return false
            }
        }
        try store.write(record)
        // Also when no file is left: the emptied directories go, as a finished eviction leaves none.
        if let artifact = try? artifacts.artifact(id) {
            try artifacts.removeBundleFiles(of: artifact)
        }
        return true
    }

    func discrepancies(lastEvents: [String: ArtifactResidencyChanged]) throws -> [Discrepancy] {
        var found = try artifactViewFileDiscrepancies(
            withFiles: try store.artifactsWithFiles(), loggedKeys: lastEvents.keys,
            relativePath: { store.layout.relativePath(store.path(of: $0)) },
            logged: { lastEvents[$0]?.eviction },
            file: { try store.record($0) }
        ) { key, mismatch in
            switch mismatch {
            case .notInLog:
                "says \(key) is evicted; the log "
                    + (lastEvents[key] == nil ? "never evicted it" : "says its bytes were fetched back")
            case .differs(let file, let logged):
                "says \(key) was evicted from \(file.remote ?? "no remote"); the log says "
                    + "\(logged.remote ?? "no remote") at \(logged.evictedAt)"
            case .missing: "is missing; the log says \(key) is evicted"
            }
        }
        // Evicted artifacts whose bytes are back (a fetch or an eviction cut short).
        for key in lastEvents.keys.sorted() {
            guard lastEvents[key]?.eviction != nil, let id = ArtifactID(key), let artifact = try? artifacts.artifact(id)
            else { continue }
            let present = try artifacts.presentBundleFiles(of: artifact)
            guard !present.isEmpty else { continue }
            let shown = present.prefix(3).joined(separator: ", ")
            found.append(
                Discrepancy(
                    key: key,
                    finding: Finding(
                        .evictedFilesPresent, path: store.layout.relativePath(store.layout.artifactPath(id)),
                        "\(present.count) file(s) of evicted artifact \(id) are present (\(shown)); 'modelreg "
                            + "recover' finishes the eviction or the fetch")))
        }
        return found
    }
}
