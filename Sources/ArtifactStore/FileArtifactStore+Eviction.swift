import RegistryCore

/// The bundle files of an artifact leaving for a remote and coming back (FORMAT.md §14.4). `manifest.json` and
/// `signatures/` never move; only the files the manifest lists do. The caller holds the writer lock.
extension FileArtifactStore {
    /// The bundle paths of `artifact` that are present in its directory (anything at the path, even a link).
    ///
    /// - Complexity: one `lstat` per listed file.
    package func presentBundleFiles(of artifact: Artifact) throws -> [String] {
        let directory = layout.artifactPath(artifact.id)
        return try artifact.manifest.files.map(\.path).filter { try FileSystem.status(directory + "/" + $0) != nil }
    }

    /// Removes every bundle file of `artifact` that is present, then the directories that held only them, and
    /// syncs each directory changed. A file another artifact shares (a deduplicated inode) loses one link.
    ///
    /// - Parameter afterFirstFile: called once the first file is gone (a crash point for tests).
    /// - Durability: each changed directory is fsynced after its entries are removed.
    package func removeBundleFiles(of artifact: Artifact, afterFirstFile: () -> Void = {}) throws {
        let directory = layout.artifactPath(artifact.id)
        var changed = Set<String>()
        var first = true
        for entry in artifact.manifest.files {
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
        var directories = Set<String>()
        for entry in artifact.manifest.files {
            var parent = FileSystem.parent(of: directory + "/" + entry.path)
            while parent.count > directory.count {
                directories.insert(parent)
                parent = FileSystem.parent(of: parent)
            }
        }
        for path in directories.sorted(by: { $0.count > $1.count }) {
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

    /// Moves fetched files, verified in `staging` at their bundle paths, into the artifact's directory (a
    /// `rename` each: `staging/` is inside the registry), creating the directories the paths name.
    ///
    /// - Parameter afterFirstFile: called once the first file is in place (a crash point for tests).
    /// - Durability: every directory a file entered is fsynced before this returns.
    package func moveFetchedFiles(of artifact: Artifact, from staging: String, afterFirstFile: () -> Void = {}) throws {
        let directory = layout.artifactPath(artifact.id)
        var changed = Set<String>()
        var first = true
        for entry in artifact.manifest.files {
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
