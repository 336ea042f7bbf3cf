import Foundation
import RegistryCore

/// Content-addressed, immutable artifact directories under `<registry>/artifacts/`.
///
/// ```swift
/// let store = FileArtifactStore(layout: try RegistryLayout.open(at: root, forWriting: true))
/// let registration = try store.register(
///     directory: URL(fileURLWithPath: "out/model"),
///     metadata: ArtifactMetadata(name: "document-classifier", capabilities: ["text-classification"]))
/// print(registration.artifact.id)   // sha256-…
/// ```
///
/// Registration is two steps so that a caller holding the registry's writer lock (the umbrella `Registry`)
/// keeps the lock only for the cheap part: ``stage(directory:metadata:options:progress:)`` copies and hashes
/// without any lock, ``publish(_:)`` renames the finished directory into place. ``register(directory:metadata:options:progress:)``
/// does both. Reads never lock.
///
/// `FileArtifactStore` is `Sendable`: its configuration is immutable and every operation works on the file
/// system only.
public final class FileArtifactStore: Sendable {
    /// The registry this store works in.
    public let layout: RegistryLayout
    /// The algorithm new manifests are written with.
    public let hashAlgorithm: any HashAlgorithm
    /// Every algorithm this store can read, by name (always includes ``hashAlgorithm``).
    public let knownAlgorithms: [String: any HashAlgorithm]

    /// Creates a store over a registry layout.
    ///
    /// - Parameters:
    ///   - layout: an opened registry (see `RegistryLayout.open(at:forWriting:allowNetworkFileSystem:)`).
    ///   - hashAlgorithm: the algorithm for new artifacts; SHA-256 by default.
    ///   - additionalAlgorithms: other algorithms existing manifests may name.
    public init(
        layout: RegistryLayout, hashAlgorithm: any HashAlgorithm = SHA256Algorithm(),
        additionalAlgorithms: [any HashAlgorithm] = []
    ) {
        self.layout = layout
        self.hashAlgorithm = hashAlgorithm
        var known: [String: any HashAlgorithm] = [:]
        for algorithm in additionalAlgorithms + [hashAlgorithm] { known[algorithm.name] = algorithm }
        self.knownAlgorithms = known
    }

    // MARK: Reading

    /// Whether an artifact with this id is published.
    public func contains(_ id: ArtifactID) throws -> Bool {
        try FileSystem.status(layout.manifestPath(of: id)) != nil
    }

    /// Throws `.notFound` naming the registry when the artifact is not published (one `stat`).
    public func requireContains(_ id: ArtifactID) throws {
        guard try contains(id) else {
            throw RegistryError(
                .notFound, "no artifact '\(id)' in registry '\(layout.rootPath)'", path: layout.artifactPath(id))
        }
    }

    /// Opens a published artifact: reads its manifest and checks that the manifest's digest is the id.
    ///
    /// This does not re-hash the files; use the verifier for that.
    /// - Throws: `.notFound` when no such artifact exists; `.digestMismatch` when `manifest.json` does not hash to
    ///   the id; `.invalidJSON` / `.invalidDocument` for a damaged manifest.
    public func artifact(_ id: ArtifactID) throws -> Artifact {
        let directory = layout.artifactPath(id)
        let manifestPath = directory + "/manifest.json"
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(manifestPath)
        } catch RegistryError.Code.notFound {
            throw RegistryError(.notFound, "no artifact '\(id)' in registry '\(layout.rootPath)'", path: directory)
        }
        let manifest = try Manifest(parsing: bytes, source: manifestPath)
        let derived = try Self.deriveID(of: manifest, bytes: bytes, source: manifestPath, algorithms: knownAlgorithms)
        guard derived == id else {
            throw RegistryError(
                .digestMismatch, "\(manifestPath): manifest hashes to '\(derived)', not to its directory name '\(id)'",
                path: manifestPath)
        }
        return Artifact(id: id, manifest: manifest, directory: URL(fileURLWithPath: directory, isDirectory: true))
    }

    /// The ids of every published artifact, sorted. Entries of `artifacts/` that are not ids are skipped.
    ///
    /// - Complexity: O(n log n) in the number of artifacts; reads one directory.
    public func list() throws -> [ArtifactID] {
        try FileSystem.listDirectory(layout.artifactsPath).compactMap { $0.name.flatMap(ArtifactID.init) }.sorted()
    }

    /// Derives the id of an artifact directory from its own `manifest.json`, wherever the directory is.
    ///
    /// A directory copied out of a registry (or received from elsewhere) describes itself: its manifest's digest
    /// is its id. With `verifyFiles`, every listed file is re-hashed and compared, and unlisted files are reported.
    /// - Throws: `.digestMismatch` naming the first file whose size or digest differs; `.invalidDocument` for an
    ///   unlisted file; manifest errors as in ``artifact(_:)``.
    public func identify(directory: URL, verifyFiles: Bool) throws -> ArtifactID {
        let root = directory.standardizedFileURL.path
        let manifestPath = root + "/manifest.json"
        let bytes = try FileSystem.readDocument(manifestPath)
        let manifest = try Manifest(parsing: bytes, source: manifestPath)
        let id = try Self.deriveID(of: manifest, bytes: bytes, source: manifestPath, algorithms: knownAlgorithms)
        if verifyFiles {
            guard let algorithm = knownAlgorithms[manifest.hashAlgorithm] else {
                throw unsupported(manifest.hashAlgorithm, source: manifestPath)
            }
            try Self.checkFiles(of: manifest, in: root, algorithm: algorithm)
        }
        return id
    }

    static func deriveID(
        of manifest: Manifest, bytes: [UInt8], source: String, algorithms: [String: any HashAlgorithm]
    ) throws -> ArtifactID {
        guard let algorithm = algorithms[manifest.hashAlgorithm] else {
            throw RegistryError(
                .unsupportedAlgorithm,
                "\(source): hash algorithm '\(manifest.hashAlgorithm)' is not available; configure it to read this artifact",
                path: source)
        }
        for entry in manifest.files where entry.digest.bytes.count != algorithm.digestByteCount {
            throw RegistryError(
                .invalidDocument,
                "\(source): file '\(entry.path)' has a digest of \(entry.digest.bytes.count) bytes; "
                    + "\(algorithm.name) digests have \(algorithm.digestByteCount) bytes",
                path: source)
        }
        return ArtifactID(digest: algorithm.hash(bytes))
    }

    private func unsupported(_ name: String, source: String) -> RegistryError {
        RegistryError(.unsupportedAlgorithm, "\(source): hash algorithm '\(name)' is not available", path: source)
    }

    private static func checkFiles(of manifest: Manifest, in root: String, algorithm: any HashAlgorithm) throws {
        let entries = manifest.files
        try ParallelWork.forEach(entries.count) { index in
            let entry = entries[index]
            let path = root + "/" + entry.path
            let result = try StreamingHasher.hashFile(path, algorithm: algorithm)
            guard result.size == entry.size, result.digest == entry.digest else {
                throw RegistryError(
                    .digestMismatch,
                    "'\(path)' has \(result.size) bytes hashing to \(result.digest); the manifest says \(entry.size) bytes, \(entry.digest)",
                    path: path)
            }
        }
        let listed = Set(entries.map(\.path))
        let present = try BundleScanner.scan(
            directory: URL(fileURLWithPath: root), followSymlinks: false, skipReserved: true)
        if let extra = present.first(where: { !listed.contains($0.path) }) {
            throw RegistryError(
                .invalidDocument, "'\(root)/\(extra.path)' is not listed in the artifact's manifest",
                path: root + "/" + extra.path)
        }
    }
}
