import RegistryCore

/// A backup directory laid out like a registry, continued in place run after run (FORMAT.md §14.5).
///
/// An incremental run never changes what `backup.json` describes until the new marker is durable: it first writes
/// `backup.next.json`, then appends the log after the recorded extent, assembles each new artifact under
/// `artifacts/.tmp-…` and renames it into place, adds the files an artifact fetched since lacks (beside, then
/// renamed in), adds signatures and replaces views; then it flushes the file system and writes `backup.json`. Only
/// then are artifacts the snapshot no longer has, and bundle files of artifacts evicted since, deleted, and the
/// note removed. A restore at any instant gets the old snapshot or the new one. A first backup is marked
/// `backup.partial.json` until its marker is written, and restore refuses it.
struct DirectoryBackupSink: BackupSink {
    let root: String
    /// The marker the run continues from.
    let base: BackupMarker
    private var sync: FileSystem.BulkSync
    /// The artifact being assembled and its temporary directory.
    private var current: (id: ArtifactID, directory: String)?

    init(root: String, base: BackupMarker) {
        self.root = root
        self.base = base
        self.sync = FileSystem.BulkSync(root: root)
    }

    /// The marker to continue from, creating the directory or taking an empty one as a first backup.
    ///
    /// - Returns: the extent to continue from, and whether it came from an earlier run.
    /// - Throws: `.alreadyExists` when the destination is a non-empty directory without a marker, or not a
    ///   directory; `.invalidJSON`/`.invalidDocument` for a damaged marker; I/O errors naming the path.
    static func base(at root: String) throws -> (marker: BackupMarker, isIncremental: Bool) {
        guard let status = try FileSystem.status(root, followLinks: true) else {
            try FileSystem.makeDirectory(root, allowExisting: false)
            return (.empty, false)
        }
        guard status.kind == .directory else {
            throw RegistryError(
                .alreadyExists, "'\(root)' exists and is not a directory; give a directory for a backup (or --tar)",
                path: root)
        }
        if let marker = try BackupMarker.read(root + "/" + BackupMarker.fileName, source: BackupMarker.fileName) {
            return (marker, true)
        }
        let partial = root + "/" + BackupMarker.partialFileName
        if let marker = try BackupMarker.read(partial, source: BackupMarker.partialFileName) {
            return (marker, marker.log.isEmpty ? false : true)
        }
        // A first run killed while it wrote its `backup.partial.json` leaves only that mark's temporary file:
        // small `.tmp-` files and nothing else are taken for such leftovers, removed, and the directory is empty.
        let entries = try FileSystem.listDirectory(root)
        if !entries.isEmpty, try entries.allSatisfy({ try isInterruptedMark($0.name, in: root) }) {
            for entry in entries { try FileSystem.removeFile(root + "/" + (entry.name ?? "")) }
            try FileSystem.syncDirectory(root)
        }
        guard try FileSystem.listDirectory(root).isEmpty else {
            throw RegistryError(
                .alreadyExists,
                "'\(root)' is not empty and holds no \(BackupMarker.fileName): it is not a backup directory. Give an "
                    + "empty or new directory",
                path: root)
        }
        return (.empty, false)
    }

    /// Whether `name` in a directory without markers is the temporary file of an interrupted first run's mark: a
    /// regular `.tmp-` file no larger than a marker can be.
    private static func isInterruptedMark(_ name: String?, in root: String) throws -> Bool {
        guard let name, name.hasPrefix(FileSystem.temporaryPrefix),
            let status = try FileSystem.status(root + "/" + name), status.kind == .regular
        else { return false }
        return status.size <= 1_048_576
    }

    /// Records the run before anything in the directory changes: beside a complete `backup.json` (which stays),
    /// `backup.next.json` with the artifacts to drop bundle files of — merged with those an interrupted run
    /// handed on; for a first backup, `backup.partial.json`. Then removes half-assembled artifacts.
    mutating func begin(evicting: Set<ArtifactID>) throws -> Set<ArtifactID> {
        var pending = evicting
        let interrupted: Bool
        if try FileSystem.exists(root + "/" + BackupMarker.fileName) {
            let note = root + "/" + BackupRunNote.fileName
            let earlier = try BackupRunNote.read(note)
            interrupted = earlier != nil
            if let earlier { pending.formUnion(earlier.evicting) }
            try FileSystem.atomicReplace(note, contents: BackupRunNote(evicting: pending).bytes, mode: 0o644)
        } else if try FileSystem.exists(root + "/" + BackupMarker.partialFileName) {
            interrupted = true
        } else {
            interrupted = false
            try FileSystem.atomicReplace(
                root + "/" + BackupMarker.partialFileName, contents: base.bytes, mode: 0o644)
        }
        CrashPoint.hit("backup.afterMarkIncomplete")
        // What an interrupted run wrote and this one keeps (artifacts, views equal to the snapshot's) may never have
        // been flushed: all of it is flushed with this run's files, before the new marker vouches for it.
        if interrupted { try recordTree("") }
        // Leftovers of an interrupted run: half-assembled artifacts.
        try FileSystem.makeDirectory(root + "/artifacts", syncParent: true)
        for entry in try FileSystem.listDirectory(root + "/artifacts") {
            guard let name = entry.name, name.hasPrefix(FileSystem.temporaryPrefix) else { continue }
            try FileSystem.removeTree(root + "/artifacts/" + name)
        }
        return pending
    }

    /// Records every file and directory under `relative` (the whole backup for `""`) for the flush, leaving out
    /// temporary entries.
    private mutating func recordTree(_ relative: String) throws {
        let directory = relative.isEmpty ? root : root + "/" + relative
        sync.record(directory)
        for entry in try FileSystem.listDirectory(directory) {
            guard let name = entry.name, !name.hasPrefix(FileSystem.temporaryPrefix) else { continue }
            let child = relative.isEmpty ? name : relative + "/" + name
            switch try FileSystem.status(root + "/" + child)?.kind {
            case .directory?: try recordTree(child)
            case .regular?: sync.record(root + "/" + child)
            default: continue
            }
        }
    }

    func existingArtifacts() throws -> Set<ArtifactID> {
        guard try FileSystem.exists(root + "/artifacts") else { return [] }
        return Set(try FileSystem.listDirectory(root + "/artifacts").compactMap { $0.name.flatMap(ArtifactID.init) })
    }

    mutating func beginArtifact(_ id: ArtifactID) throws {
        let directory = root + "/artifacts/" + FileSystem.uniqueName(FileSystem.temporaryPrefix)
        try FileSystem.makeDirectory(directory, allowExisting: false, syncParent: false)
        current = (id, directory)
    }

    mutating func endArtifact(_ id: ArtifactID) throws {
        guard let current, current.id == id else { return }
        let target = root + "/artifacts/" + id.description
        if try FileSystem.status(target)?.kind == .directory {
            // Fetched since the earlier run: only the files that copy lacks move in, each by one rename.
            try merge(current.directory, into: target)
            try FileSystem.removeTree(current.directory)
        } else {
            try FileSystem.rename(current.directory, to: target)
            sync.record(target)
        }
        sync.record(root + "/artifacts")
        self.current = nil
    }

    /// Renames every entry of `source` that `target` lacks into it; entries both hold are left as they are (an
    /// artifact's files never change, so the earlier copy is the same).
    private mutating func merge(_ source: String, into target: String) throws {
        for entry in try FileSystem.listDirectory(source) {
            guard let name = entry.name, let status = try FileSystem.status(source + "/" + name) else { continue }
            let existing = try FileSystem.status(target + "/" + name)
            if status.kind == .directory, existing?.kind == .directory {
                try merge(source + "/" + name, into: target + "/" + name)
            } else if existing == nil {
                try FileSystem.rename(source + "/" + name, to: target + "/" + name)
                sync.record(target + "/" + name)
                sync.record(target)
            }
        }
    }

    /// The real path of a backup entry: inside the temporary directory while its artifact is assembled.
    private func resolve(_ path: String) -> String {
        if let current {
            let prefix = "artifacts/" + current.id.description
            if path == prefix { return current.directory }
            if path.hasPrefix(prefix + "/") { return current.directory + path.dropFirst(prefix.count) }
        }
        return root + "/" + path
    }

    mutating func addDirectory(_ path: String) throws {
        try FileSystem.makeDirectory(resolve(path), syncParent: false)
        sync.record(root + "/" + path)  // its final path: an artifact's is renamed into place before the flush
    }

    mutating func addFile(_ path: String, source: String, size: Int64, mode: UInt32, linkTo: String?) throws
        -> Int64
    {
        let target = resolve(path)
        sync.record(root + "/" + path)
        sync.record(FileSystem.parent(of: root + "/" + path))
        if let linkTo {
            try FileSystem.hardLink(resolve(linkTo), to: target)
            return 0
        }
        return try FileSystem.copyFile(from: source, to: target, mode: .init(mode))
    }

    func hasFile(_ path: String) throws -> Bool {
        try FileSystem.exists(resolve(path))
    }

    func existingSize(_ path: String) throws -> Int64? {
        guard let status = try FileSystem.status(resolve(path)), status.kind == .regular else { return nil }
        return status.size
    }

    mutating func continueLog(_ path: String, source: String, from base: Int64, to size: Int64) throws -> Int64 {
        let target = root + "/" + path
        guard let input = try FileSystem.openForReading(source) else {
            throw RegistryError(.notFound, "'\(source)' disappeared while it was being backed up", path: source)
        }
        sync.record(target)
        return try input.closeAfter { input in
            try FileSystem.seek(input, to: base)
            let output = try FileSystem.openForContinuing(target, at: base)
            let copied = try output.closeAfter { try FileSystem.copyBytes(from: input, to: $0, length: size - base) }
            guard copied == size - base else {
                throw RegistryError(
                    .io, "'\(source)' became shorter while it was being backed up", path: source)
            }
            return copied
        }
    }

    mutating func writeViews(_ snapshot: RegistrySnapshot) throws {
        for directory in snapshot.viewDirectories {
            try FileSystem.makeDirectory(root + "/" + directory, syncParent: true)
        }
        for view in snapshot.views {
            let target = root + "/" + view.path
            if let status = try FileSystem.status(target), status.kind == .regular,
                status.permissions == view.mode, try FileSystem.readDocument(target) == view.bytes
            {
                continue
            }
            if let status = try FileSystem.status(target), status.kind == .directory {
                try FileSystem.removeTree(target)
            }
            try FileSystem.atomicReplace(target, contents: view.bytes, mode: .init(view.mode))
        }
        // Views the registry no longer has (a retired alias, a removed pin) go from the backup too.
        let files = Set(snapshot.views.map(\.path))
        let directories = Set(snapshot.viewDirectories)
        for entry in try FileSystem.listDirectory(root) {
            guard let name = entry.name, RegistrySnapshot.isCopiedAsView(topLevel: name) else { continue }
            try removeStale(name, files: files, directories: directories)
        }
    }

    private mutating func removeStale(_ path: String, files: Set<String>, directories: Set<String>) throws {
        let full = root + "/" + path
        guard let status = try FileSystem.status(full) else { return }
        if status.kind == .directory && directories.contains(path) {
            for entry in try FileSystem.listDirectory(full) {
                guard let name = entry.name else { continue }
                try removeStale(path + "/" + name, files: files, directories: directories)
            }
        } else if !(status.kind == .regular && files.contains(path)) {
            try FileSystem.removeTree(full)
            sync.record(FileSystem.parent(of: full))
        }
    }

    mutating func finish(marker: BackupMarker) throws {
        CrashPoint.hit("backup.beforeSync")
        try sync.finish()
        CrashPoint.hit("backup.beforeMarker")
        try FileSystem.atomicReplace(root + "/" + BackupMarker.fileName, contents: marker.bytes, mode: 0o644)
        if try FileSystem.exists(root + "/" + BackupMarker.partialFileName) {
            try FileSystem.removeFile(root + "/" + BackupMarker.partialFileName)
            try FileSystem.syncDirectory(root)
        }
        CrashPoint.hit("backup.afterMarker")
    }

    mutating func cleanUp(removing gone: [ArtifactID], dropping: [(id: ArtifactID, paths: [String])]) throws {
        for id in gone {
            // Out of the way first (one rename), then deleted: a crash never leaves a half-deleted artifact in place.
            let doomed = root + "/artifacts/" + FileSystem.uniqueName(FileSystem.temporaryPrefix)
            try FileSystem.rename(root + "/artifacts/" + id.description, to: doomed)
            try FileSystem.removeTree(doomed)
            sync.record(root + "/artifacts")
            CrashPoint.hit("backup.afterCleanupStep")
        }
        for (id, paths) in dropping {
            for path in paths {
                let file = root + "/artifacts/\(id)/" + path
                guard try FileSystem.status(file) != nil else { continue }
                try FileSystem.removeTree(file)
                sync.record(FileSystem.parent(of: file))
            }
            CrashPoint.hit("backup.afterCleanupStep")
        }
        // The deletions are durable before the note goes: without it a restore takes the directory as it is.
        try sync.finish()
        let note = root + "/" + BackupRunNote.fileName
        if try FileSystem.exists(note) {
            try FileSystem.removeFile(note)
            try FileSystem.syncDirectory(root)
        }
    }

    mutating func abandon() {
        if let current { try? FileSystem.removeTree(current.directory) }
        current = nil
    }
}
