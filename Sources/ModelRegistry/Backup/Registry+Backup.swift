import Foundation
import RegistryCore

extension Registry {
    /// Writes a consistent snapshot of this registry — artifacts, aliases, the audit log, states, signatures,
    /// policy, evaluations, checkpoints, `registry.json` and every other view directory, but not the index caches
    /// — to a backup directory or one tar file, while other processes keep writing (FORMAT.md §14.5).
    ///
    /// The writer lock is held only to record the log's length and the artifact list and to read the small view
    /// files; immutable artifact bytes and the log prefix are copied outside it. A backup lease
    /// (`locks/backup.lock`, shared) tells collectors not to remove artifacts until the copy is done. Signature
    /// files are copied only when their `signature_added` event is inside the snapshot's log, so a signature added
    /// during the copy does not reach the backup without its event.
    ///
    /// Into a directory that already holds a backup, the run is **incremental**: it checks that the backup's log
    /// is a prefix of this registry's (same hash chain), then copies only artifacts the backup lacks and the log's
    /// new bytes, replaces changed views, and — only once the new `backup.json` is durable — removes artifacts and
    /// bundle files the registry no longer has. Killed or failing at any instant, the directory restores to the
    /// previous snapshot or the new one (`backup.next.json` marks a run in progress). Files that
    /// share an inode in the registry (deduplicated) are hard links in the backup (tar hard links in a tar).
    ///
    /// ```swift
    /// let report = try registry.backup(to: URL(fileURLWithPath: "/backups/registry"))
    /// print(report.artifactsCopied, report.logBytesCopied)
    /// ```
    ///
    /// - Parameters:
    ///   - destination: a new or empty directory, an earlier backup directory, or (``BackupOptions/Format/tar``) a
    ///     file path, replaced when it exists.
    ///   - options: the format and a progress callback.
    /// - Returns: what was copied.
    /// - Throws: `.alreadyExists` for a destination that is neither empty nor a backup; `.conflict` when an
    ///   earlier backup's log is not a prefix of this registry's; `.notFound` when an artifact disappeared while it
    ///   was copied (a collector that ignored the lease); `.unsupportedOperation` on a registry opened read-only;
    ///   `.lockTimeout`; I/O errors naming the file.
    /// - Durability: every file and directory written is fsynced (one `syncfs` instead past 2,048 paths on Linux)
    ///   before the marker `backup.json` is written (a tar is fsynced before its rename). A crash during an
    ///   incremental run leaves a directory that restores to the previous snapshot (or, once the new marker is
    ///   written, the new one) and that the next backup completes; a crash during a first backup leaves it marked
    ///   incomplete (`backup.partial.json`), which restore refuses.
    /// - Complexity: a full backup copies every byte once; an incremental one lists `artifacts/` and otherwise
    ///   costs in proportion to what is new.
    @discardableResult
    public func backup(to destination: URL, options: BackupOptions = .init()) throws -> BackupReport {
        let path = destination.standardizedFileURL.path
        if Self.isSameOrInside(path, layout.rootPath) {
            throw RegistryError(
                .invalidArgument,
                "the backup destination '\(path)' is inside the registry '\(layout.rootPath)'; a backup must live "
                    + "outside what it copies",
                path: path)
        }
        let lease = try withWriterLock { try BackupLease.acquire(at: layout.backupLeasePath) }
        defer { lease.release() }
        switch options.format {
        case .directory:
            let (base, isIncremental) = try DirectoryBackupSink.base(at: path)
            var sink = DirectoryBackupSink(root: path, base: base)
            let snapshot = try takeSnapshot()
            try checkPrefix(base, backupLog: path + "/audit", snapshot: snapshot)
            return try copy(
                snapshot, from: base, into: &sink, destination: destination, format: .directory,
                isIncremental: isIncremental, options: options)
        case .tar:
            let snapshot = try takeSnapshot()
            let seconds = Int64((Timestamp.parse(snapshot.takenAt) ?? Date()).timeIntervalSince1970)
            var sink = try TarBackupSink(destination: path, modified: max(0, seconds))
            return try copy(
                snapshot, from: .empty, into: &sink, destination: destination, format: .tar, isIncremental: false,
                options: options)
        }
    }

    /// Async twin of `backup(to:options:)`, run off the cooperative pool.
    @discardableResult
    public func backup(to destination: URL, options: BackupOptions = .init()) async throws -> BackupReport {
        try await run { try self.backup(to: destination, options: options) }
    }

    /// Whether `path` is `root` or lies inside it, after resolving symbolic links in both (for a path that does
    /// not exist yet, in its parent).
    static func isSameOrInside(_ path: String, _ root: String) -> Bool {
        func resolved(_ path: String) -> String {
            let url = URL(fileURLWithPath: path)
            if (try? FileSystem.exists(path)) == true { return url.resolvingSymlinksInPath().path }
            return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(
                url.lastPathComponent
            )
            .path
        }
        let target = resolved(path)
        let base = resolved(root)
        return target == base || target.hasPrefix(base.hasSuffix("/") ? base : base + "/")
    }

    /// The snapshot, under the writer lock; a change a crash left half done is completed first (as the next write
    /// would), so the views agree with the log.
    private func takeSnapshot() throws -> RegistrySnapshot {
        try withWriterLock {
            try completeInterruptedChange()
            let snapshot = try RegistrySnapshot.take(of: self)
            CrashPoint.hit("backup.afterSnapshot")
            return snapshot
        }
    }

    /// Refuses to continue a backup whose log is not a prefix of the snapshot's, or whose own copy is damaged.
    private func checkPrefix(_ base: BackupMarker, backupLog: String, snapshot: RegistrySnapshot) throws {
        guard let last = base.log.last else { return }
        let live = Dictionary(uniqueKeysWithValues: snapshot.log.map { ($0.name, $0.size) })
        let refusal =
            "this registry's log is not a continuation of the backup's (it was re-written, repaired past the "
            + "backup's end, or is another registry's); back up into a new, empty destination"
        for file in base.log {
            guard let size = live[file.name], file.name == last.name ? size >= file.size : size == file.size else {
                throw RegistryError(
                    .conflict, "audit/\(file.name) differs in length from the backup's copy: " + refusal,
                    path: layout.auditPath + "/" + file.name)
            }
        }
        let source = "audit/" + last.name
        let liveEvent = try AuditJournal.event(
            endingAt: last.size, inFile: layout.auditPath + "/" + last.name, source: source)
        guard let liveEvent, liveEvent.hash == base.head, liveEvent.sequence == base.events else {
            throw RegistryError(
                .conflict, "the event at the backup's end (\(source), byte \(last.size)) differs: " + refusal,
                path: layout.auditPath + "/" + last.name)
        }
        let copied = try? AuditJournal.event(
            endingAt: last.size, inFile: backupLog + "/" + last.name, source: BackupMarker.fileName)
        guard copied?.hash == base.head else {
            throw RegistryError(
                .invalidDocument,
                "the backup's own copy of \(source) does not end with the event its \(BackupMarker.fileName) "
                    + "records: the backup is damaged. Back up into a new, empty destination",
                path: backupLog + "/" + last.name)
        }
    }

    private func copy(
        _ snapshot: RegistrySnapshot, from base: BackupMarker, into sink: inout some BackupSink,
        destination: URL, format: BackupOptions.Format, isIncremental: Bool, options: BackupOptions
    ) throws -> BackupReport {
        var report = BackupReport(
            destination: destination, format: format, isIncremental: isIncremental,
            artifacts: snapshot.artifacts.count, artifactsCopied: 0, artifactsRemoved: 0, filesCopied: 0,
            filesLinked: 0, bytesWritten: 0, logBytesCopied: 0, events: base.events, head: base.head)
        do {
            // 0. What changed since the earlier run, recorded before anything in the backup changes.
            let existing = try sink.existingArtifacts()
            let wanted = Set(snapshot.artifacts)
            var fetchedSince = Set<ArtifactID>()
            var evictedSince = Set<ArtifactID>()
            for id in existing.intersection(wanted) {
                let copyIsEvicted = try sink.hasFile(RegistrySnapshot.evictionView(of: id))
                if copyIsEvicted && !snapshot.isEvicted(id) { fetchedSince.insert(id) }
                if !copyIsEvicted && snapshot.isEvicted(id) { evictedSince.insert(id) }
            }
            let evicting = try sink.begin(evicting: evictedSince)

            // 1. The log's new lines, checked to continue the backup's chain; they name the signatures to copy.
            var scan = LogScan(after: base.head, events: base.events)
            let baseSizes = Dictionary(uniqueKeysWithValues: base.log.map { ($0.name, $0.size) })
            try sink.addDirectory("audit")
            for file in snapshot.log {
                let start = baseSizes[file.name] ?? 0
                let source = layout.auditPath + "/" + file.name
                try scan.scan(source, source: "audit/" + file.name, from: start, to: file.size)
                // Every file, even one that did not grow: an interrupted run may have left bytes past the extent
                // the marker records, which the backup's copy must lose again.
                let copied = try sink.continueLog("audit/" + file.name, source: source, from: start, to: file.size)
                report.logBytesCopied += copied
                report.bytesWritten += copied
            }
            report.events = scan.events
            report.head = scan.head
            CrashPoint.hit("backup.afterLog")

            // 2. Artifacts: the new ones whole; into one fetched since, the files its copy lacks. Nothing the
            //    earlier snapshot holds is deleted before the new marker is durable (step 5).
            let missing = snapshot.artifacts.filter { !existing.contains($0) || fetchedSince.contains($0) }
            var copier = ArtifactCopier(store: artifacts, existing: existing)
            for (index, id) in missing.enumerated() {
                try copier.copy(id, from: layout, evicted: snapshot.isEvicted(id), into: &sink, report: &report)
                report.artifactsCopied += 1
                options.progress?(
                    BackupProgress(
                        artifactsCopied: index + 1, artifactsToCopy: missing.count, bytesWritten: report.bytesWritten))
                CrashPoint.hit("backup.afterArtifact")
            }

            // 3. Signatures whose events the new lines hold.
            for (id, files) in scan.signatures where wanted.contains(id) {
                for file in files.sorted() {
                    let path = "artifacts/\(id)/\(file)"
                    let source = layout.artifactPath(id) + "/" + file
                    guard try !sink.hasFile(path), let status = try FileSystem.status(source),
                        status.kind == .regular
                    else { continue }
                    try sink.addDirectory("artifacts/\(id)/signatures")
                    report.bytesWritten += try sink.addFile(
                        path, source: source, size: status.size, mode: status.permissions, linkTo: nil)
                    report.filesCopied += 1
                }
            }

            // 4. Views, then the marker.
            try sink.writeViews(snapshot)
            CrashPoint.hit("backup.afterViews")
            try sink.finish(
                marker: BackupMarker(
                    artifacts: snapshot.artifacts.count, createdAt: snapshot.takenAt, events: scan.events,
                    head: scan.head, log: snapshot.log))

            // 5. Only now, deletions: artifacts the snapshot no longer has, bundle files of those evicted since.
            let gone = existing.subtracting(wanted).sorted { $0.description < $1.description }
            var dropping: [(id: ArtifactID, paths: [String])] = []
            for id in evicting.sorted(by: { $0.description < $1.description })
            where wanted.contains(id) && snapshot.isEvicted(id) {
                let manifest = try artifacts.artifact(id).manifest
                dropping.append((id, FileArtifactStore.evictableFiles(of: manifest).map(\.path)))
            }
            try sink.cleanUp(removing: gone, dropping: dropping)
            report.artifactsRemoved = gone.count
            return report
        } catch {
            sink.abandon()
            throw error
        }
    }
}

/// Copies artifact directories into a sink, turning files that share an inode in the registry into hard links to
/// the first copy (deduplicated files stay deduplicated in the backup): within one run by inode, and across runs
/// through the deduplication index, whose holder is used only when it still shares the inode in the registry.
struct ArtifactCopier {
    private struct Inode: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    let store: FileArtifactStore
    /// Artifacts an earlier run copied.
    let existing: Set<ArtifactID>
    private var copies: [Inode: String] = [:]
    /// Bundle paths of the artifact being copied that the snapshot does not hold (evicted).
    private var skipped: Set<String> = []
    private var manifest: (id: ArtifactID, manifest: Manifest?)?

    init(store: FileArtifactStore, existing: Set<ArtifactID>) {
        self.store = store
        self.existing = existing
    }

    mutating func copy(
        _ id: ArtifactID, from layout: RegistryLayout, evicted: Bool, into sink: inout some BackupSink,
        report: inout Registry.BackupReport
    ) throws {
        let directory = layout.artifactPath(id)
        // Evicted in the snapshot: its bundle files are not part of it, even if a fetch is bringing them back.
        skipped = evicted ? Set(FileArtifactStore.evictableFiles(of: try store.artifact(id).manifest).map(\.path)) : []
        guard try FileSystem.status(directory)?.kind == .directory else {
            throw RegistryError(
                .notFound,
                "artifact \(id) was removed while the backup was copying it (a collector that does not respect the "
                    + "backup lease, or a manual deletion); run the backup again",
                path: directory)
        }
        try sink.beginArtifact(id)
        try copyTree(directory, id: id, bundlePath: "", into: &sink, report: &report)
        try sink.endArtifact(id)
    }

    private mutating func copyTree(
        _ directory: String, id: ArtifactID, bundlePath: String, into sink: inout some BackupSink,
        report: inout Registry.BackupReport
    ) throws {
        let entries = try FileSystem.listDirectory(directory).sorted {
            $0.nameBytes.lexicographicallyPrecedes($1.nameBytes)
        }
        for entry in entries {
            guard let name = entry.name else {
                throw RegistryError(
                    .invalidPath, "'\(directory)' holds an entry whose name is not UTF-8; `fsck` reports it",
                    path: directory)
            }
            // Signatures travel with their events (step 3), so one added during the copy never arrives without it.
            if bundlePath.isEmpty && name == "signatures" { continue }
            let source = directory + "/" + name
            let inBundle = bundlePath.isEmpty ? name : bundlePath + "/" + name
            let path = "artifacts/\(id)/" + inBundle
            guard let status = try FileSystem.status(source) else {
                throw RegistryError(
                    .notFound, "'\(source)' was removed while the backup was copying it; run the backup again",
                    path: source)
            }
            switch status.kind {
            case .directory:
                try sink.addDirectory(path)
                try copyTree(source, id: id, bundlePath: inBundle, into: &sink, report: &report)
            case .regular:
                if skipped.contains(inBundle) { continue }
                let key = Inode(device: status.device, inode: status.inode)
                var linkTo = status.linkCount > 1 ? copies[key] : nil
                if linkTo == nil && status.linkCount > 1 && !existing.isEmpty {
                    linkTo = try earlierCopy(of: inBundle, in: id, status: status, sink: sink)
                }
                report.bytesWritten += try sink.addFile(
                    path, source: source, size: status.size, mode: status.permissions, linkTo: linkTo)
                if linkTo == nil {
                    report.filesCopied += 1
                } else {
                    report.filesLinked += 1
                }
                if status.linkCount > 1 && copies[key] == nil { copies[key] = linkTo ?? path }
            case .symbolicLink, .other:
                throw RegistryError(
                    .invalidPath,
                    "'\(source)' is not a regular file or directory; an artifact holds none (`fsck` reports it)",
                    path: source)
            }
        }
    }

    /// A copy an earlier run made of the same inode: a holder the deduplication index names, in an artifact the
    /// backup already has, that still shares this file's inode in the registry and has its size in the backup.
    private mutating func earlierCopy(
        of bundlePath: String, in id: ArtifactID, status: FileStatus, sink: some BackupSink
    ) throws -> String? {
        if manifest?.id != id { manifest = (id, try? store.artifact(id).manifest) }
        guard let entry = manifest?.manifest?.entry(at: bundlePath) else { return nil }
        for holder in store.recordedHolders(of: entry.digest)
        where holder.artifact != id && existing.contains(holder.artifact) && Self.isPlainRelative(holder.path) {
            let live = store.layout.artifactPath(holder.artifact) + "/" + holder.path
            guard let other = try? FileSystem.status(live), other.device == status.device,
                other.inode == status.inode
            else { continue }
            let candidate = "artifacts/\(holder.artifact)/\(holder.path)"
            if try sink.existingSize(candidate) == status.size { return candidate }
        }
        return nil
    }

    /// A relative path with no empty, `.` or `..` component: an index entry cannot point a link outside.
    private static func isPlainRelative(_ path: String) -> Bool {
        !path.hasPrefix("/")
            && path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
                !$0.isEmpty && $0 != "." && $0 != ".."
            }
    }
}
