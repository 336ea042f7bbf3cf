import Foundation
import RegistryCore

extension Registry {
    /// Restores a backup — a backup directory or a tar file written by `backup(to:options:)`, or a tar of a
    /// backup directory made by any `tar` — into a new registry, and checks everything before accepting it.
    ///
    /// The destination must be empty or absent. Every entry is checked on the way in (no `..`, no absolute path,
    /// no symbolic link, device or FIFO, hard links only to files already restored); the log must have exactly the
    /// length and last-line hash `backup.json` records (a truncated or extended log is refused); the index caches
    /// are rebuilt; and `fsck` at the `full` depth (every file re-hashed, the log's chain verified, every view
    /// compared with the log) must be clean. On any refusal everything the restore wrote is removed — the
    /// destination directory too when the restore created it — and the error names the file that was wrong.
    ///
    /// A backup directory an incremental backup is writing into, or was interrupted in (`backup.next.json`
    /// beside `backup.json`), restores to the snapshot `backup.json` describes: only its log prefix, the artifacts,
    /// signatures and checkpoints that log accounts for, without the bundle files of artifacts it evicted; the
    /// views are re-derived from that log (recovery), since the run may have replaced them already.
    ///
    /// ```swift
    /// let report = try Registry.restore(
    ///     from: URL(fileURLWithPath: "/backups/registry.tar"), to: URL(fileURLWithPath: "/data/registry"))
    /// ```
    ///
    /// - Parameters:
    ///   - source: the backup directory or tar file.
    ///   - destination: where the registry is restored: an empty or absent directory.
    ///   - configuration: how the restored registry is opened for its checks (trust for checkpoints, hashing).
    /// - Returns: what was restored and the clean `fsck` report.
    /// - Throws: `.alreadyExists` for a non-empty destination; `.notFound` for a missing source or one without
    ///   `backup.json`; `.invalidDocument` for an incomplete, truncated or damaged backup or a restored registry
    ///   `fsck` does not call clean; `.digestMismatch` when a file's bytes are not the ones its manifest records;
    ///   `.invalidPath`, `.symlinkRefused`, `.unsupportedOperation` for a tar entry that escapes the destination or
    ///   is not a file, directory or hard link; I/O errors naming the file.
    /// - Durability: the restored files are fsynced (one `syncfs` past 2,048 on Linux) before the checks run, and
    ///   `registry.json` is written last: a restore killed midway leaves a directory that is not a registry.
    /// - Complexity: copies and re-hashes every byte once.
    @discardableResult
    public static func restore(from source: URL, to destination: URL, configuration: Configuration = .init())
        throws -> RestoreReport
    {
        let sourcePath = source.standardizedFileURL.path
        let destinationPath = destination.standardizedFileURL.path
        if isSameOrInside(destinationPath, sourcePath) || isSameOrInside(sourcePath, destinationPath) {
            throw RegistryError(
                .invalidArgument,
                "the restore destination '\(destinationPath)' and the backup '\(sourcePath)' overlap; restore into "
                    + "a directory outside the backup",
                path: destinationPath)
        }
        let created: Bool
        if let status = try FileSystem.status(destinationPath, followLinks: true) {
            guard status.kind == .directory, try FileSystem.listDirectory(destinationPath).isEmpty else {
                throw RegistryError(
                    .alreadyExists,
                    "'\(destinationPath)' is not an empty directory; restore only into an empty or new directory",
                    path: destinationPath)
            }
            created = false
        } else {
            try FileSystem.makeDirectory(destinationPath, allowExisting: false)
            created = true
        }
        do {
            let marker: BackupMarker
            guard let sourceStatus = try FileSystem.status(sourcePath, followLinks: true) else {
                throw RegistryError(.notFound, "no backup at '\(sourcePath)'", path: sourcePath)
            }
            var restorer = BackupRestorer(destination: destinationPath)
            switch sourceStatus.kind {
            case .directory: marker = try restorer.copyDirectory(sourcePath)
            case .regular: marker = try restorer.extractTar(sourcePath)
            case .symbolicLink, .other:
                throw RegistryError(
                    .invalidPath, "'\(sourcePath)' is neither a backup directory nor a tar file", path: sourcePath)
            }
            try restorer.sync.finish()
            CrashPoint.hit("restore.afterCopy")
            try checkLog(of: destinationPath, against: marker)
            // The format marker last: until the copy is complete and its log checked, DEST is not a registry.
            guard let format = restorer.formatMarker else {
                throw RegistryError(
                    .invalidDocument, "the backup holds no \(RegistryLayout.formatFileName): it is not a registry's",
                    path: sourcePath)
            }
            try FileSystem.atomicReplace(
                destinationPath + "/" + RegistryLayout.formatFileName, contents: format, mode: 0o644)
            let registry = try Registry.open(at: URL(fileURLWithPath: destinationPath), configuration: configuration)
            if restorer.isInterruptedRun {
                // Views the interrupted run replaced, signatures and evicted files past the snapshot: back to what
                // the snapshot's log says. What recovery cannot resolve, the fsck below reports.
                _ = try registry.recover()
            }
            _ = try registry.rebuildIndexes()
            let integrity = try registry.fsck(depth: .full)
            guard integrity.isClean else {
                let first = integrity.findings.prefix(5).map(\.description).joined(separator: "; ")
                let digest = integrity.findings.contains { $0.kind.name.contains("digest") }
                throw RegistryError(
                    digest ? .digestMismatch : .invalidDocument,
                    "the restored registry is not clean (\(integrity.findings.count) finding(s)): \(first)",
                    path: integrity.findings.first.map { destinationPath + "/" + $0.path } ?? destinationPath)
            }
            return RestoreReport(
                destination: destination, artifacts: integrity.artifactCount, events: marker.events,
                head: marker.head, integrity: integrity)
        } catch let error as RegistryError {
            removeRestored(destinationPath, created: created)
            var refused = error
            refused.message +=
                created
                ? " (restore refused: '\(destinationPath)' was removed again)"
                : " (restore refused: '\(destinationPath)' was emptied again)"
            throw refused
        } catch {
            removeRestored(destinationPath, created: created)
            throw error
        }
    }

    /// Async twin of `restore(from:to:configuration:)`, run off the cooperative pool.
    @discardableResult
    public static func restore(from source: URL, to destination: URL, configuration: Configuration = .init())
        async throws -> RestoreReport
    {
        try Task.checkCancellation()
        return try await run { try restore(from: source, to: destination, configuration: configuration) }
    }

    /// The restored log must be exactly the one `backup.json` describes: the same files, lengths and last line.
    private static func checkLog(of root: String, against marker: BackupMarker) throws {
        let audit = root + "/audit"
        let present =
            try FileSystem.exists(audit)
            ? Set(try FileSystem.listDirectory(audit).compactMap(\.name).filter(AuditJournal.isJournalFileName)) : []
        for file in marker.log {
            let size = try FileSystem.status(audit + "/" + file.name)?.size
            guard size == file.size else {
                throw RegistryError(
                    .invalidDocument,
                    "audit/\(file.name) has \(size.map { "\($0) bytes" } ?? "gone missing"); \(BackupMarker.fileName) "
                        + "records \(file.size) bytes: the backup is truncated or damaged",
                    path: audit + "/" + file.name)
            }
        }
        if let extra = present.subtracting(marker.log.map(\.name)).sorted().first {
            throw RegistryError(
                .invalidDocument,
                "audit/\(extra) is not part of the log \(BackupMarker.fileName) records: the backup was changed",
                path: audit + "/" + extra)
        }
        guard let last = marker.log.last else { return }
        let event = try AuditJournal.event(
            endingAt: last.size, inFile: audit + "/" + last.name, source: "audit/" + last.name)
        guard let event, event.hash == marker.head, event.sequence == marker.events else {
            throw RegistryError(
                .invalidDocument,
                "the last line of audit/\(last.name) is not the event \(BackupMarker.fileName) records "
                    + "(sequence \(marker.events), \(marker.head)): the backup's log was changed",
                path: audit + "/" + last.name)
        }
    }

    private static func removeRestored(_ root: String, created: Bool) {
        if created {
            try? FileSystem.removeTree(root)
        } else if let entries = try? FileSystem.listDirectory(root) {
            for entry in entries {
                try? FileSystem.removeTree(root + "/" + String(decoding: entry.nameBytes, as: UTF8.self))
            }
        }
    }
}

/// Copies or extracts a backup's entries into an empty destination, checking each one (FORMAT.md §14.5).
struct BackupRestorer {
    let destination: String
    var sync: FileSystem.BulkSync
    /// Files restored so far (relative), the only valid hard-link targets.
    private var restored: Set<String> = []
    private var inodes: [[UInt64]: String] = [:]
    /// The bytes of `registry.json`, written only once everything else is in place.
    private(set) var formatMarker: [UInt8]?
    /// Whether the backup directory had an incremental run in progress (`backup.next.json`): the restore took the
    /// snapshot `backup.json` describes and the views are to be re-derived from its log.
    private(set) var isInterruptedRun = false
    /// For an interrupted run: the signature files the snapshot's log names, and the artifacts it evicted.
    private var snapshotSignatures: [ArtifactID: Set<String>] = [:]
    private var snapshotEvictions: Set<ArtifactID> = []

    init(destination: String) {
        self.destination = destination
        self.sync = FileSystem.BulkSync(root: destination)
    }

    /// Top-level entries a restore never writes: caches and work in progress are rebuilt or not needed.
    private static func isRestored(topLevel name: String) -> Bool {
        ![
            "indexes", "staging", "locks", BackupMarker.fileName, BackupMarker.partialFileName,
            BackupRunNote.fileName,
        ].contains(name)
            && !name.hasPrefix(FileSystem.temporaryPrefix) && !name.hasSuffix(".lock")
    }

    private static func refuseIncomplete(_ path: String) -> RegistryError {
        RegistryError(
            .invalidDocument,
            "'\(path)' is an incomplete backup (\(BackupMarker.partialFileName): a backup was interrupted or is "
                + "running); run the backup again to complete it",
            path: path)
    }

    mutating func copyDirectory(_ source: String) throws -> BackupMarker {
        guard let marker = try BackupMarker.read(source + "/" + BackupMarker.fileName, source: BackupMarker.fileName)
        else {
            if try FileSystem.exists(source + "/" + BackupMarker.partialFileName) {
                throw Self.refuseIncomplete(source)
            }
            throw RegistryError(
                .notFound, "'\(source)' holds no \(BackupMarker.fileName): it is not a backup", path: source)
        }
        // An incremental run in progress or interrupted: take only the snapshot the marker describes — its log
        // prefix, the artifacts that log registers, the checkpoints within it — and let recovery re-derive the
        // views, which the run may have replaced with the next snapshot's.
        var registered: Set<ArtifactID>?
        if try FileSystem.exists(source + "/" + BackupRunNote.fileName) {
            _ = try BackupRunNote.read(source + "/" + BackupRunNote.fileName)
            isInterruptedRun = true
            try makeDirectory("audit")
            var scan = LogScan(after: AuditEvent.genesisHash, events: 0, registrations: RegistrationReplay())
            for file in marker.log {
                try copyPrefix(source + "/audit/" + file.name, as: "audit/" + file.name, length: file.size)
                try scan.scan(
                    destination + "/audit/" + file.name, source: "audit/" + file.name, from: 0, to: file.size)
            }
            registered = scan.registrations?.ids ?? []
            snapshotSignatures = scan.signatures
            snapshotEvictions = scan.evicted
        }
        for entry in try FileSystem.listDirectory(source).sorted(by: {
            $0.nameBytes.lexicographicallyPrecedes($1.nameBytes)
        }) {
            guard let name = entry.name, Self.isRestored(topLevel: name) else { continue }
            if name == RegistryLayout.formatFileName {
                formatMarker = try FileSystem.readDocument(source + "/" + name, limit: 1 << 16)
            } else if name == "audit" {
                guard registered == nil else { continue }  // copied above
                try makeDirectory("audit")
                for file in marker.log {
                    try copyFile(source + "/audit/" + file.name, as: "audit/" + file.name)
                }
            } else if let registered, name == "artifacts" || name == "checkpoints",
                try FileSystem.status(source + "/" + name)?.kind == .directory
            {
                try makeDirectory(name)
                for child in try FileSystem.listDirectory(source + "/" + name) {
                    guard let childName = child.name else {
                        throw RegistryError(
                            .invalidPath, "'\(source)/\(name)' holds an entry whose name is not UTF-8",
                            path: source + "/" + name)
                    }
                    if childName.hasPrefix(FileSystem.temporaryPrefix) { continue }
                    // What the run added beyond the snapshot: an artifact its log does not register (or collected),
                    // a checkpoint of a longer log.
                    if let id = ArtifactID(childName), !registered.contains(id) { continue }
                    if name == "checkpoints", childName.hasSuffix(".note"),
                        let size = Int64(childName.dropLast(5)), size > marker.events
                    {
                        continue
                    }
                    let skipping = try ArtifactID(childName).map { try beyondSnapshot(of: $0, in: source) } ?? []
                    try copyTree(
                        source + "/" + name + "/" + childName, as: name + "/" + childName, skipping: skipping)
                }
            } else {
                try copyTree(source + "/" + name, as: name)
            }
        }
        return marker
    }

    /// The files of an artifact in an interrupted run's backup directory that the marker's snapshot does not
    /// hold (relative to the destination): signatures whose `signature_added` is past the snapshot's log, and the
    /// evictable bundle files of an artifact the snapshot's log evicted (the run deletes them only after its new
    /// marker).
    private func beyondSnapshot(of id: ArtifactID, in source: String) throws -> Set<String> {
        let base = "artifacts/\(id)/"
        var skipping = Set<String>()
        let signatures = source + "/" + base + "signatures"
        if try FileSystem.status(signatures)?.kind == .directory {
            let named = snapshotSignatures[id] ?? []
            for entry in try FileSystem.listDirectory(signatures) {
                guard let name = entry.name, !named.contains("signatures/" + name) else { continue }
                skipping.insert(base + "signatures/" + name)
            }
        }
        if snapshotEvictions.contains(id) {
            let path = source + "/" + base + "manifest.json"
            let manifest = try Manifest(
                parsing: FileSystem.readDocument(path, limit: 64 << 20), source: base + "manifest.json")
            for entry in FileArtifactStore.evictableFiles(of: manifest) { skipping.insert(base + entry.path) }
        }
        return skipping
    }

    /// Copies the first `length` bytes of the journal file `source` (the marker's extent of it).
    private mutating func copyPrefix(_ source: String, as relative: String, length: Int64) throws {
        guard let status = try FileSystem.status(source), status.kind == .regular, status.size >= length,
            let input = try FileSystem.openForReading(source)
        else {
            throw RegistryError(
                .invalidDocument,
                "'\(source)' is missing or shorter than the \(length) bytes \(BackupMarker.fileName) records: the "
                    + "backup is truncated or damaged",
                path: source)
        }
        let target = destination + "/" + relative
        try input.closeAfter { input in
            let output = try FileSystem.createForWriting(target, mode: Registry.restoredMode(status.permissions))
            let copied = try output.closeAfter { try FileSystem.copyBytes(from: input, to: $0, length: length) }
            guard copied == length else {
                throw RegistryError(.io, "'\(source)' became shorter while it was being restored", path: source)
            }
        }
        try FileSystem.setPermissions(target, mode: Registry.restoredMode(status.permissions))
        sync.record(target)
        restored.insert(relative)
    }

    /// Copies a tree, leaving out the files in `skipping` (relative) and directories that hold nothing else.
    private mutating func copyTree(_ source: String, as relative: String, skipping: Set<String> = []) throws {
        if skipping.contains(relative) { return }
        guard let status = try FileSystem.status(source) else {
            throw RegistryError(.notFound, "'\(source)' disappeared while it was being restored", path: source)
        }
        switch status.kind {
        case .regular:
            try copyFile(source, as: relative)
        case .directory:
            if !skipping.isEmpty, try !Self.holdsMore(than: skipping, source, relative) { return }
            try makeDirectory(relative)
            for entry in try FileSystem.listDirectory(source) {
                guard let name = entry.name else {
                    throw RegistryError(
                        .invalidPath, "'\(source)' holds an entry whose name is not UTF-8", path: source)
                }
                if relative == "artifacts" && name.hasPrefix(FileSystem.temporaryPrefix) { continue }
                try copyTree(source + "/" + name, as: relative + "/" + name, skipping: skipping)
            }
        case .symbolicLink:
            throw RegistryError(
                .symlinkRefused, "'\(source)' is a symbolic link; a backup holds none, so it is not restored",
                path: source)
        case .other:
            throw RegistryError(
                .unsupportedOperation, "'\(source)' is a device, FIFO or socket; a backup holds none", path: source)
        }
    }

    /// Whether the directory `source` (at `relative`) holds anything, at any depth, besides `skipping`'s files.
    private static func holdsMore(than skipping: Set<String>, _ source: String, _ relative: String) throws -> Bool {
        for entry in try FileSystem.listDirectory(source) {
            guard let name = entry.name else { return true }
            let child = relative + "/" + name
            if skipping.contains(child) { continue }
            guard try FileSystem.status(source + "/" + name)?.kind == .directory else { return true }
            if try holdsMore(than: skipping, source + "/" + name, child) { return true }
        }
        return false
    }

    private mutating func copyFile(_ source: String, as relative: String) throws {
        guard let status = try FileSystem.status(source), status.kind == .regular else {
            throw RegistryError(.notFound, "'\(source)' is missing from the backup or not a file", path: source)
        }
        let target = destination + "/" + relative
        sync.record(target)
        let key = [status.device, status.inode]
        if status.linkCount > 1, let first = inodes[key] {
            try FileSystem.hardLink(destination + "/" + first, to: target)
        } else {
            try FileSystem.copyFile(from: source, to: target, mode: Registry.restoredMode(status.permissions))
            if status.linkCount > 1 { inodes[key] = relative }
        }
        restored.insert(relative)
    }

    private mutating func makeDirectory(_ relative: String) throws {
        try FileSystem.makeDirectories(destination + "/" + relative, inside: destination)
        sync.record(destination + "/" + relative)
    }

    mutating func extractTar(_ source: String) throws -> BackupMarker {
        guard let file = try FileSystem.openForReading(source) else {
            throw RegistryError(.notFound, "no backup at '\(source)'", path: source)
        }
        let name = source.split(separator: "/").last.map(String.init) ?? source
        return try file.closeAfter { file in
            var reader = TarReader(input: file, source: name)
            var marker: BackupMarker?
            while let entry = try reader.next() {
                let top = String(entry.path.split(separator: "/").first ?? "")
                if entry.path == BackupMarker.partialFileName { throw Self.refuseIncomplete(source) }
                if entry.path == BackupMarker.fileName {
                    guard marker == nil, entry.kind == .file, entry.size <= 16 << 20 else {
                        throw RegistryError(
                            .invalidDocument, "\(name): \(BackupMarker.fileName) appears twice or is not a small file",
                            path: source)
                    }
                    let bytes = try file.read(at: reader.offset, count: Int(entry.size))
                    marker = try BackupMarker(bytes: bytes, source: "\(name): \(BackupMarker.fileName)")
                    continue
                }
                guard Self.isRestored(topLevel: top) else { continue }
                if entry.path == RegistryLayout.formatFileName && entry.kind == .file && entry.size <= 1 << 16 {
                    formatMarker = try file.read(at: reader.offset, count: Int(entry.size))
                    continue
                }
                switch entry.kind {
                case .directory:
                    try makeDirectory(entry.path)
                case .file:
                    try makeDirectory(FileSystem.parent(of: "./" + entry.path).dropFirst(2).description)
                    let target = destination + "/" + entry.path
                    let output = try FileSystem.createEntryFile(target, entry: entry.path, archive: name)
                    try output.closeAfter { output in
                        try reader.copyData(to: output)
                    }
                    try FileSystem.setPermissions(target, mode: Registry.restoredMode(entry.mode))
                    sync.record(target)
                    restored.insert(entry.path)
                case .hardLink:
                    guard let target = entry.linkTarget, restored.contains(target) else {
                        throw RegistryError(
                            .invalidPath,
                            "\(name): entry '\(entry.path)' is a hard link to '\(entry.linkTarget ?? "")', which is not "
                                + "a file restored before it",
                            path: source)
                    }
                    try makeDirectory(FileSystem.parent(of: "./" + entry.path).dropFirst(2).description)
                    try FileSystem.hardLink(destination + "/" + target, to: destination + "/" + entry.path)
                    restored.insert(entry.path)
                }
            }
            guard let marker else {
                throw RegistryError(
                    .invalidDocument,
                    "\(name) holds no \(BackupMarker.fileName): it is not a complete registry backup", path: source)
            }
            return marker
        }
    }
}

extension Registry {
    /// The mode a restored file gets: its permission bits only. A backup is input like any other, and a restore run
    /// as root must not create setuid, setgid or sticky files from one (FORMAT.md §14.5).
    static func restoredMode(_ mode: UInt32) -> mode_t { mode_t(mode & 0o777) }
}
