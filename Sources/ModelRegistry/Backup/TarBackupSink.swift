import RegistryCore

/// A backup as one tar file: streamed into a temporary file next to the destination, synced, and renamed over
/// it, so the destination is always the previous tar or the complete new one (FORMAT.md §14.5). `backup.json` is
/// the last entry.
struct TarBackupSink: BackupSink {
    let destination: String
    let temporary: String
    private var writer: TarWriter
    private var file: OpenFile?
    private var directories: Set<String> = []

    /// Creates the temporary file next to `destination`.
    ///
    /// - Throws: `.alreadyExists` when `destination` is a directory; I/O errors naming the path.
    init(destination: String, modified: Int64) throws {
        if let status = try FileSystem.status(destination, followLinks: true), status.kind != .regular {
            throw RegistryError(
                .alreadyExists, "'\(destination)' exists and is not a file; a tar backup replaces only a file",
                path: destination)
        }
        let parent = FileSystem.parent(of: destination)
        guard try FileSystem.status(parent, followLinks: true)?.kind == .directory else {
            throw RegistryError(
                .notFound, "the directory '\(parent)' for the tar backup '\(destination)' does not exist",
                path: destination)
        }
        let name = destination.split(separator: "/").last.map(String.init) ?? "backup"
        let prefix = ".\(name).tmp-"
        // Temporary files of earlier tar backups to this destination whose process is gone (killed midway).
        for entry in try FileSystem.listDirectory(parent) {
            guard let leftover = entry.name,
                let pid = FileSystem.creatorProcess(ofUniqueName: leftover, prefix: prefix),
                !FileSystem.isProcessAlive(pid)
            else { continue }
            try? FileSystem.removeFile(parent + "/" + leftover)
        }
        temporary = parent + "/" + FileSystem.uniqueName(prefix)
        self.destination = destination
        let file = try FileSystem.createForWriting(temporary, mode: 0o644)
        self.file = file
        writer = TarWriter(output: file, modified: modified)
    }

    func existingArtifacts() throws -> Set<ArtifactID> { [] }

    mutating func begin(evicting: Set<ArtifactID>) throws -> Set<ArtifactID> { [] }

    mutating func cleanUp(removing gone: [ArtifactID], dropping: [(id: ArtifactID, paths: [String])]) throws {}

    mutating func beginArtifact(_ id: ArtifactID) throws {
        try addDirectory("artifacts/" + id.description)
    }

    mutating func endArtifact(_ id: ArtifactID) throws {}

    mutating func addDirectory(_ path: String) throws {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + component
            if directories.insert(prefix).inserted { try writer.addDirectory(prefix) }
        }
    }

    mutating func addFile(_ path: String, source: String, size: Int64, mode: UInt32, linkTo: String?) throws
        -> Int64
    {
        if let linkTo {
            try writer.addHardLink(path, to: linkTo, mode: mode)
            return 0
        }
        guard let input = try FileSystem.openForReading(source) else {
            throw RegistryError(.notFound, "'\(source)' disappeared while it was being backed up", path: source)
        }
        return try input.closeAfter { input in
            try writer.addFile(path, from: input, size: size, mode: mode)
            return size
        }
    }

    func hasFile(_ path: String) throws -> Bool { false }

    func existingSize(_ path: String) throws -> Int64? { nil }

    mutating func continueLog(_ path: String, source: String, from base: Int64, to size: Int64) throws -> Int64 {
        precondition(base == 0, "a tar backup is always whole")
        try addDirectory("audit")
        return try addFile(path, source: source, size: size, mode: 0o644, linkTo: nil)
    }

    mutating func writeViews(_ snapshot: RegistrySnapshot) throws {
        for directory in snapshot.viewDirectories { try addDirectory(directory) }
        for view in snapshot.views { try writer.addBytes(view.path, view.bytes, mode: view.mode) }
    }

    mutating func finish(marker: BackupMarker) throws {
        guard let file else { return }
        try writer.addBytes(BackupMarker.fileName, marker.bytes, mode: 0o644)
        try writer.finish()
        CrashPoint.hit("backup.beforeSync")
        do {
            try file.sync()
        } catch {
            throw RegistryError.systemCall(error, "flush", path: temporary)
        }
        try file.closeAfter { _ in }
        self.file = nil
        CrashPoint.hit("backup.beforeMarker")
        try FileSystem.rename(temporary, to: destination)
        try FileSystem.syncDirectory(FileSystem.parent(of: destination))
    }

    mutating func abandon() {
        if let file { try? file.close() }
        file = nil
        try? FileSystem.removeFile(temporary)
    }
}
