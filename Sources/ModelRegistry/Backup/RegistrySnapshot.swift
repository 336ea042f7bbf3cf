import Foundation
import RegistryCore

/// What a backup copies, fixed under the writer lock (FORMAT.md §14.5): the log's length, the artifact list, and
/// the bytes of every view file. Immutable artifact bytes and the log prefix are copied afterwards, outside the
/// lock, so writers wait only for a listing and a few small reads.
struct RegistrySnapshot {
    /// One small file outside `artifacts/` and `audit/`: a view of the log, the format marker, a checkpoint.
    struct ViewFile {
        /// Relative to the registry root.
        var path: String
        var bytes: [UInt8]
        var mode: UInt32
    }

    /// Every journal file and the length of its complete lines.
    var log: [AuditJournal.ExtentFile]
    /// Every published artifact, sorted.
    var artifacts: [ArtifactID]
    /// Every view file, parents before children.
    var views: [ViewFile]
    /// Every directory that holds view files, relative, parents first.
    var viewDirectories: [String]
    /// When it was taken.
    var takenAt: String

    /// Top-level entries a backup never copies: the artifacts and the log (copied separately), caches, work in
    /// progress and locks. Everything else — including directories later versions add — is a view and travels.
    static func isCopiedAsView(topLevel name: String) -> Bool {
        !notViews.contains(name) && !name.hasSuffix(".lock") && !name.hasPrefix(FileSystem.temporaryPrefix)
    }

    private static let notViews: Set<String> = [
        "artifacts", "audit", "indexes", "staging", "locks", BackupMarker.fileName, BackupMarker.partialFileName,
        BackupRunNote.fileName,
    ]

    /// Whether the artifact was evicted when the snapshot was taken (its eviction view, FORMAT.md §14.4): then
    /// only its manifest, signatures and kept documents are copied, whatever a fetch brings back meanwhile.
    func isEvicted(_ id: ArtifactID) -> Bool {
        views.contains { $0.path == Self.evictionView(of: id) }
    }

    /// The registry-relative path of an artifact's eviction view.
    static func evictionView(of id: ArtifactID) -> String { "evicted/\(id).json" }

    /// Takes the snapshot; the caller holds the writer lock.
    ///
    /// - Throws: `.symlinkRefused` for a symbolic link among the views (a registry writes none); `.invalidPath`
    ///   for an entry that is neither file nor directory, or whose name is not UTF-8; I/O errors naming the file.
    static func take(of registry: Registry) throws -> RegistrySnapshot {
        let layout = registry.layout
        var snapshot = RegistrySnapshot(
            log: try registry.journal.extent(), artifacts: try registry.artifacts.list(), views: [],
            viewDirectories: [], takenAt: Timestamp.format(registry.configuration.clock()) ?? "")
        for entry in try FileSystem.listDirectory(layout.rootPath).sorted(by: {
            $0.nameBytes.lexicographicallyPrecedes($1.nameBytes)
        }) {
            guard let name = entry.name else {
                throw RegistryError(
                    .invalidPath, "'\(layout.rootPath)' holds an entry whose name is not UTF-8; remove or rename it",
                    path: layout.rootPath)
            }
            guard isCopiedAsView(topLevel: name) else { continue }
            try snapshot.addView(name, root: layout.rootPath)
        }
        return snapshot
    }

    private mutating func addView(_ relative: String, root: String) throws {
        let path = root + "/" + relative
        guard let status = try FileSystem.status(path) else { return }  // removed meanwhile by a reader? none write
        switch status.kind {
        case .regular:
            views.append(ViewFile(path: relative, bytes: try FileSystem.readDocument(path), mode: status.permissions))
        case .directory:
            viewDirectories.append(relative)
            for entry in try FileSystem.listDirectory(path).sorted(by: {
                $0.nameBytes.lexicographicallyPrecedes($1.nameBytes)
            }) {
                guard let name = entry.name else {
                    throw RegistryError(
                        .invalidPath, "'\(path)' holds an entry whose name is not UTF-8; remove or rename it",
                        path: path)
                }
                if name.hasPrefix(FileSystem.temporaryPrefix) { continue }  // a writer's temporary file
                try addView(relative + "/" + name, root: root)
            }
        case .symbolicLink:
            throw RegistryError(
                .symlinkRefused,
                "'\(path)' is a symbolic link; a registry writes none, so a backup does not follow it. Replace it "
                    + "with what it points at, or remove it",
                path: path)
        case .other:
            throw RegistryError(.invalidPath, "'\(path)' is neither a file nor a directory", path: path)
        }
    }
}
