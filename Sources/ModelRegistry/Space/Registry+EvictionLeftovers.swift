import ArtifactStore
import RegistryCore

extension Registry {
    /// Finishes an eviction a crash interrupted after its last file was gone but before it removed the bundle
    /// subdirectories those files emptied: its eviction file and the log already agree, so only the directories
    /// are left, which a finished eviction never leaves. Only the log's last event is considered — the one change a
    /// crash can have left half done (a later write finishes it before its own change).
    ///
    /// - Returns: the removed directories, relative to the registry root, for ``RecoveryReport/removedLeftovers``.
    /// - Durability: each directory whose entry was removed is fsynced.
    func removeDirectoriesEmptiedByAnInterruptedEviction(_ last: AuditEvent?) throws -> [String] {
        guard let last, let event = (try? last.decode(ArtifactResidencyChanged.self)) ?? nil, event.eviction != nil,
            let artifact = try? artifacts.artifact(event.artifact),
            try artifacts.presentBundleFiles(of: artifact).isEmpty
        else { return [] }
        let emptied = try artifacts.emptiedBundleDirectories(of: artifact)
        guard !emptied.isEmpty else { return [] }
        try artifacts.removeBundleFiles(of: artifact)
        return emptied.map { layout.relativePath($0) }
    }
}
