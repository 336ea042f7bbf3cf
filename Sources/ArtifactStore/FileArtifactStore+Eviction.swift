import RegistryCore

/// The bundle files of an artifact leaving for a remote and coming back (FORMAT.md §14.4). `manifest.json` and
/// `signatures/` never move, nor do the small documents the registry itself reads (``documentsKeptOnEviction``);
/// every other file the manifest lists does. The caller holds the writer lock.
extension FileArtifactStore {
    /// The bundle documents an eviction leaves in place when they are at most 16 MiB: the registry reads them to
    /// build its indexes (lineage, card metrics) and to check promotion policies, so they must stay readable.
    public static let documentsKeptOnEviction: Set<String> = ["contract.json", "evaluation-card.json", "lineage.json"]

    /// The manifest entries an eviction removes and a fetch brings back: every file but the kept documents.
    public static func evictableFiles(of manifest: Manifest) -> [Manifest.Entry] {
        manifest.files.filter { !documentsKeptOnEviction.contains($0.path) || $0.size > 16 << 20 }
    }

    /// The manifest entries an eviction leaves in place (see ``documentsKeptOnEviction``).
    public static func keptFiles(of manifest: Manifest) -> [Manifest.Entry] {
        let evictable = Set(evictableFiles(of: manifest).map(\.path))
        return manifest.files.filter { !evictable.contains($0.path) }
    }

    /// The evictable bundle paths of `artifact` that are present in its directory (anything at the path, even a
    /// link).
    ///
    /// - Complexity: one `lstat` per evictable file.
    package func presentBundleFiles(of artifact: Artifact) throws -> [String] {
        let directory = layout.artifactPath(artifact.id)
        return try Self.evictableFiles(of: artifact.manifest).map(\.path).filter {
            try FileSystem.status(directory + "/" + $0) != nil
        }
    }

    /// The directories the evictable bundle paths of `artifact` name that are still there and empty: an eviction
    /// killed after its last file went but before it removed them leaves them, and finishing it removes them.
    ///
    /// - Complexity: one `lstat` and, for a directory, one listing per directory the bundle paths name.
    package func emptiedBundleDirectories(of artifact: Artifact) throws -> [String] {
        let directory = layout.artifactPath(artifact.id)
        return try Self.bundleDirectories(of: artifact, in: directory).filter { path in
            try FileSystem.status(path)?.kind == .directory && FileSystem.listDirectory(path).isEmpty
        }
    }

    /// The directories below `directory` that the evictable bundle paths name, deepest first.
    private static func bundleDirectories(of artifact: Artifact, in directory: String) -> [String] {
        var directories = Set<String>()
        for entry in evictableFiles(of: artifact.manifest) {
            var parent = FileSystem.parent(of: directory + "/" + entry.path)
            while parent.count > directory.count {
                directories.insert(parent)
                parent = FileSystem.parent(of: parent)
            }
        }
        return directories.sorted { $0.count > $1.count }
    }

    /// Removes every evictable bundle file of `artifact` that is present, then the directories that held only them, and
    /// syncs each directory changed. A file another artifact shares (a deduplicated inode) loses one link.
    ///
    /// - Parameter afterFirstFile: called once the first file is gone (a crash point for tests).
    /// - Durability: each changed directory is fsynced after its entries are removed.
    package func removeBundleFiles(of artifact: Artifact, afterFirstFile: () -> Void = {}) throws {
        let directory = layout.artifactPath(artifact.id)
        var changed = Set<String>()
        var first = true
        let evictable = Self.evictableFiles(of: artifact.manifest)
        for entry in evictable {
            let path = directory + "/" + entry.path
            guard try FileSystem.status(path) != nil else { continue }
            try FileSystem.removeFile(path)
            changed.insert(FileSystem.parent(of: path))
            if first {
                first = false
                afterFirstFile()
            }
        }
        // The directories the bundle paths name, deepest first: removed when nothing else is left in them.
        for path in Self.bundleDirectories(of: artifact, in: directory) {
            guard try FileSystem.status(path)?.kind == .directory, try FileSystem.listDirectory(path).isEmpty else {
                continue
            }
            try FileSystem.removeTree(path)
            changed.remove(path)
            changed.insert(FileSystem.parent(of: path))
        }
        for path in changed.sorted(by: { $0.count > $1.count }) where try FileSystem.status(path) != nil {
            try FileSystem.syncDirectory(path)
        }
    }

    /// Moves fetched files (the evictable ones), verified in `staging` at their bundle paths, into the artifact's directory (a
    /// `rename` each: `staging/` is inside the registry), creating the directories the paths name.
    ///
    /// - Parameter afterFirstFile: called once the first file is in place (a crash point for tests).
    /// - Durability: every directory a file entered is fsynced before this returns.
    package func moveFetchedFiles(of artifact: Artifact, from staging: String, afterFirstFile: () -> Void = {}) throws {
        let directory = layout.artifactPath(artifact.id)
        var changed = Set<String>()
        var first = true
        for entry in Self.evictableFiles(of: artifact.manifest) {
            let target = directory + "/" + entry.path
            let parent = FileSystem.parent(of: target)
            if parent != directory { try FileSystem.makeDirectories(parent, inside: directory) }
            try FileSystem.rename(staging + "/" + entry.path, to: target)
            changed.insert(parent)
            if first {
                first = false
                afterFirstFile()
            }
        }
        for path in changed.sorted(by: { $0.count > $1.count }) { try FileSystem.syncDirectory(path) }
    }
}
