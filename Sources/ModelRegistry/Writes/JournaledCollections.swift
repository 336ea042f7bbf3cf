import RegistryCore

/// Removing an artifact on the write path (FORMAT.md §14.3): the `artifact_collected` event first — the log is the
/// authority — then the directory is renamed out of `artifacts/` into `staging/collected-…` in one atomic rename
/// and deleted there. A crash after the event leaves the directory for ``Registry/completeInterruptedChange()`` (the
/// next write) or ``Registry/recover(actor:)-7k7gj`` to finish removing; fsck reports it meanwhile.
///
/// Not a view store: what the log says about artifact directories is compared by ``JournaledArtifacts`` with the
/// help of ``RegistrationReplay``, which follows registrations and collections in log order.
struct JournaledCollections: JournaledStore {
    /// A requested removal.
    struct Change {
        var artifact: ArtifactID
        var reason: ArtifactCollected.Reason
        var force: Bool
        /// What holds the artifact, computed under the writer lock by the caller (the collector); nil makes
        /// ``check(_:in:)`` read it (`rm`).
        var holds: [ArtifactHold]?
    }

    let registry: Registry
    var name: String { "collect" }

    func check(_ change: Change, in transaction: Transaction) throws -> ArtifactCollected? {
        let id = change.artifact
        try registry.artifacts.requireContains(id)
        try registry.requireNoBackupRunning(toRemoveFilesOf: id)
        let inodes = try? registry.inodes(of: id)
        let holds =
            change.holds
            ?? registry.readProtections().holds(
                of: id, protectedStates: GarbageCollectionOptions.defaultProtectedStates,
                inodes: inodes.map { Set($0.map(\.inode)) })
        if !holds.isEmpty && !change.force {
            throw RegistryError(
                .inUse,
                "cannot remove \(id): still held by \(holds.map(\.description).joined(separator: ", ")); retire, "
                    + "roll back, unpin or change the state first, or remove it anyway with force (CLI: --force)",
                path: registry.layout.artifactPath(id))
        }
        let name = (try? registry.artifacts.artifact(id).manifest.metadata.name) ?? ""
        // The one file `check` writes: the mark that later tells this removal, if a crash interrupts it after its
        // event, from a directory someone put back (only a marked removal is ever finished).
        try FileSystem.makeDirectory(registry.layout.stagingPath)
        try FileSystem.atomicReplace(registry.layout.collectingMarkPath(of: id), contents: [], mode: 0o644)
        return ArtifactCollected(
            artifact: id, name: name, reason: change.reason, forced: change.force && !holds.isEmpty,
            holds: change.force ? holds.map(\.token) : [], bytesFreed: Registry.freedBytes(inodes ?? []))
    }

    func apply(_ change: Change, as event: ArtifactCollected, in transaction: Transaction) throws {
        try registry.finishRemoval(of: change.artifact)
    }

    func key(of event: ArtifactCollected) -> String { event.artifact.description }
    func discrepancies(lastEvents: [String: ArtifactCollected]) throws -> [Discrepancy] { [] }
    func restore(_ key: String, to event: ArtifactCollected?) throws -> Bool { false }
}

extension Registry {
    /// Refuses to remove an artifact's files while a backup holds its lease (FORMAT.md §14.5): the backup copies
    /// artifacts outside the writer lock and would fail on a file removed under it. The caller holds the writer
    /// lock, which a backup needs to start, so no backup can begin between this check and the removal. Not
    /// overridden by `force`: waiting costs a retry, a failed backup costs the backup.
    func requireNoBackupRunning(toRemoveFilesOf id: ArtifactID) throws {
        guard try BackupLease.isHeldByAnyone(at: layout.backupLeasePath) else { return }
        throw RegistryError(
            .inUse,
            "cannot remove the files of \(id) now: a backup is copying the registry (its lease "
                + "\(layout.relativePath(layout.backupLeasePath)) is held); try again when it has finished",
            path: layout.backupLeasePath)
    }

    /// One file of an artifact: its inode, size and link count.
    struct StoredFile: Hashable {
        var inode: Protections.Inode
        var size: Int64
        var linkCount: UInt64
    }

    /// Every regular file of an artifact directory.
    func inodes(of id: ArtifactID) throws -> [StoredFile] {
        var files: [StoredFile] = []
        try Self.forEachFile(under: layout.artifactPath(id)) { status in
            files.append(
                StoredFile(
                    inode: .init(device: status.device, inode: status.inode), size: status.size,
                    linkCount: status.linkCount))
        }
        return files
    }

    /// The bytes removing one artifact frees: inodes whose every link is inside it.
    static func freedBytes(_ files: [StoredFile]) -> Int64 {
        var seen: [Protections.Inode: (count: UInt64, file: StoredFile)] = [:]
        for file in files { seen[file.inode, default: (0, file)].count += 1 }
        return seen.values.reduce(Int64(0)) { $0 + ($1.count >= $1.file.linkCount ? $1.file.size : 0) }
    }

    /// Takes a collected artifact out of `artifacts/`: one atomic rename into `staging/collected-…`, a sync of
    /// `artifacts/`, then the deletion of the renamed tree and of the artifact's cache entries (deduplication
    /// index, verification stamps). Does nothing when the directory is already gone. The caller holds the writer
    /// lock.
    ///
    /// - Throws: when the rename or the sync fails (the directory is then still in `artifacts/`, or its removal
    ///   not yet durable). A failed deletion of the renamed tree is not an error: recovery deletes it.
    func finishRemoval(of id: ArtifactID) throws {
        let directory = layout.artifactPath(id)
        guard try FileSystem.linkStatus(directory) != nil else { return }
        let manifest = try? artifacts.artifact(id).manifest
        try FileSystem.makeDirectory(layout.stagingPath)
        let trash = layout.stagingPath + "/" + FileSystem.uniqueName(RegistryLayout.collectedPrefix)
        try FileSystem.rename(directory, to: trash)
        try FileSystem.syncDirectory(layout.artifactsPath)
        CrashPoint.hit("collect.afterRename")
        try? FileSystem.removeTree(trash)
        if let manifest { artifacts.forgetPublished(id, manifest: manifest) }
        try? FileSystem.removeFile(layout.stampsPath(of: id))
        try? FileSystem.removeFile(layout.collectingMarkPath(of: id))
    }

    /// Finishes the removal of `id` only when its collecting mark says it is the one in flight; a directory of a
    /// collected artifact without the mark was put back after its removal and stays (fsck and recovery report it).
    /// Returns whether it finished one.
    func finishMarkedRemoval(of id: ArtifactID) throws -> Bool {
        guard try FileSystem.exists(layout.collectingMarkPath(of: id)) else { return false }
        try finishRemoval(of: id)
        try? FileSystem.removeFile(layout.collectingMarkPath(of: id))  // also when the directory was already gone
        return true
    }

    /// The log's last registration or collection of `id` is a collection: the `artifact_collected` event, else nil.
    /// Reads the whole log (streamed); used on error paths and by `show`.
    func lastCollection(of id: ArtifactID) -> AuditEvent? {
        var last: AuditEvent?
        try? journal.forEachEvent(.init(types: [.artifactRegistered, .artifactCollected], artifact: id.description)) {
            last = $0.type == .artifactCollected ? $0 : nil
        }
        return last
    }
}
