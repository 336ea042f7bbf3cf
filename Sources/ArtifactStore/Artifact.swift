import Foundation
import RegistryCore

/// A published, immutable artifact: its id, its manifest and where its files are.
///
/// Reading an artifact never takes a lock. Files are published read-only; open them for loading (or mmap
/// them) through ``fileURL(at:)`` (or ``url(for:)``, which returns nil instead of throwing).
public struct Artifact: Hashable, Sendable {
    /// The artifact's id.
    public let id: ArtifactID
    /// Its manifest.
    public let manifest: Manifest
    /// Its directory, `<registry>/artifacts/<id>/`.
    public let directory: URL

    /// Creates a value describing a published artifact.
    public init(id: ArtifactID, manifest: Manifest, directory: URL) {
        self.id = id
        self.manifest = manifest
        self.directory = directory
    }

    /// The URL of a bundle file, or nil when the manifest lists no such path.
    public func url(for path: String) -> URL? {
        guard manifest.entry(at: path) != nil else { return nil }
        return directory.appendingPathComponent(path, isDirectory: false)
    }

    /// The URL of a bundle file the caller expects to be there (`weights.safetensors`).
    ///
    /// - Throws: `.notFound` naming the artifact, the path and the files it does have, when the manifest lists no
    ///   such path.
    public func fileURL(at path: String) throws -> URL {
        guard let url = url(for: path) else {
            let present = manifest.files.prefix(8).map(\.path).joined(separator: ", ")
            let more = manifest.files.count > 8 ? " and \(manifest.files.count - 8) more" : ""
            throw RegistryError(
                .notFound, "artifact \(id) has no file '\(path)'; it has \(present)\(more)", path: directory.path)
        }
        return url
    }

    /// URLs of all bundle files, keyed by bundle path.
    public var fileURLs: [String: URL] {
        Dictionary(uniqueKeysWithValues: manifest.files.map { ($0.path, directory.appendingPathComponent($0.path)) })
    }
}

/// What a registration did.
public struct Registration: Sendable {
    /// The artifact, new or already present.
    public let artifact: Artifact
    /// False when identical content was already registered; registering it again changed nothing.
    public let isNew: Bool
    /// Bundle paths whose bytes were copied although another ingest mode was asked for (reflink unsupported,
    /// or a move across file systems).
    public let copiedInstead: [String]
    /// Paths under the source directory left out by `IngestOptions.excludes` or the ignore file (a directory
    /// with a trailing `/`), so a caller can say what did not enter the id.
    public internal(set) var excluded: [String] = []
    /// Bundle paths stored as hard links to identical files already published in other artifacts, instead of new
    /// copies (FORMAT.md §10.1).
    public internal(set) var deduplicated: [String] = []
    /// The bytes those files did not take up again: the sum of their sizes.
    public internal(set) var deduplicatedBytes: Int64 = 0
    /// Bundle paths whose source was not read at all: the source-digest cache knew its digest (FORMAT.md §10.2)
    /// and an identical published file was linked, or the whole artifact was already registered. Empty with
    /// `IngestOptions.rehash`.
    public internal(set) var unread: [String] = []
}
