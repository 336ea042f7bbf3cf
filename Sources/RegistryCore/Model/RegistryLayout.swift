import Foundation

/// Where everything lives inside a registry directory, and the format-version check that guards it.
///
/// ```
/// <root>/registry.json      format marker: {"format":"modelregistry","formatVersion":1}
/// <root>/artifacts/<id>/    immutable artifact directories
/// <root>/aliases/           alias records
/// <root>/evaluations/<id>/  detached evaluation records (FORMAT.md §12.10)
/// <root>/audit/             append-only audit log
/// <root>/indexes/           generated caches
/// <root>/locks/             the writer lock
/// <root>/staging/           in-progress writes; anything here may be deleted when no writer runs
/// <root>/remotes/           configured remotes (FORMAT.md §14.4), views of the log
/// <root>/evicted/           one record per evicted artifact (FORMAT.md §14.4), views of the log
/// ```
public struct RegistryLayout: Hashable, Sendable {
    /// The format version this library writes and the newest it reads.
    public static let formatVersion = 1
    /// The name of the format marker file at the root.
    public static let formatFileName = "registry.json"

    /// The registry's root directory.
    public let root: URL

    /// Creates a layout for `root` without touching the disk. Use ``create(at:allowNetworkFileSystem:)`` or ``open(at:forWriting:allowNetworkFileSystem:)``
    /// to get one that has been checked.
    public init(unchecked root: URL) {
        self.root = root.standardizedFileURL
    }

    /// The root as a file-system path.
    public var rootPath: String { root.path }
    /// `artifacts/`: one immutable directory per artifact.
    public var artifactsPath: String { rootPath + "/artifacts" }
    /// `aliases/`: one record per alias.
    public var aliasesPath: String { rootPath + "/aliases" }
    /// `audit/`: the append-only log.
    public var auditPath: String { rootPath + "/audit" }
    /// `indexes/`: generated caches, never authoritative.
    public var indexesPath: String { rootPath + "/indexes" }
    /// `locks/`: the writer lock file.
    public var locksPath: String { rootPath + "/locks" }
    /// `staging/`: in-progress writes.
    public var stagingPath: String { rootPath + "/staging" }
    /// `registry.json`: the format marker.
    public var formatFilePath: String { rootPath + "/" + Self.formatFileName }
    /// The writer lock file.
    public var writerLockPath: String { locksPath + "/writer.lock" }
    /// The backup lease: a shared `flock` held by every running backup, which collectors respect (FORMAT.md §14.5).
    public var backupLeasePath: String { locksPath + "/backup.lock" }
    /// Held (`flock`, never waited for) by the one process compacting the query index, so that two do not both
    /// re-encode it (FORMAT.md §13.3).
    public var indexCompactionLockPath: String { locksPath + "/index-compaction.lock" }

    /// `states/`: lifecycle state files.
    public var statesPath: String { rootPath + "/states" }
    /// `policy.json`: the promotion policy.
    public var policyPath: String { rootPath + "/policy.json" }
    /// `checkpoints/`: signed checkpoints of the audit log (FORMAT.md §9.6).
    public var checkpointsPath: String { rootPath + "/checkpoints" }
    /// The signed checkpoint of the log at `size` events: `checkpoints/<size>.note`.
    public func checkpointPath(size: Int64) -> String { checkpointsPath + "/\(size).note" }

    /// `remotes/`: one record per configured remote (FORMAT.md §14.4).
    public var remotesPath: String { rootPath + "/remotes" }
    /// The record of one remote: `remotes/<name>.json` (the name is not checked here).
    public func remotePath(_ name: String) -> String { remotesPath + "/" + name + ".json" }
    /// `evicted/`: one record per artifact whose bundle bytes were evicted (FORMAT.md §14.4).
    public var evictedPath: String { rootPath + "/evicted" }
    /// The eviction record of one artifact: `evicted/<artifact-id>.json`.
    public func evictionPath(of id: ArtifactID) -> String { evictedPath + "/" + id.description + ".json" }

    /// The directory of one artifact.
    public func artifactPath(_ id: ArtifactID) -> String { artifactsPath + "/" + id.description }
    /// The `manifest.json` of one artifact.
    public func manifestPath(of id: ArtifactID) -> String { artifactPath(id) + "/manifest.json" }
    /// The `signatures/` directory of one artifact.
    public func signaturesPath(of id: ArtifactID) -> String { artifactPath(id) + "/signatures" }
    /// One signature file of an artifact, by file name.
    public func signaturePath(of id: ArtifactID, name: String) -> String { signaturesPath(of: id) + "/" + name }
    /// `evaluations/`: detached evaluation records, one directory per artifact (FORMAT.md §12.10).
    public var evaluationsPath: String { rootPath + "/evaluations" }
    /// The evaluation records directory of one artifact: `evaluations/<id>/`.
    public func evaluationsPath(of id: ArtifactID) -> String { evaluationsPath + "/" + id.description }
    /// One evaluation record of an artifact, by file name.
    public func evaluationPath(of id: ArtifactID, name: String) -> String { evaluationsPath(of: id) + "/" + name }
    /// The file of one alias (the name is not checked here).
    public func aliasPath(_ alias: String) -> String { aliasesPath + "/" + alias + ".json" }
    /// The lifecycle state file of one artifact.
    public func statePath(of id: ArtifactID) -> String { statesPath + "/" + id.description + ".json" }
    /// `pins/`: one file per pinned artifact, a view of the audit log (FORMAT.md §14.1).
    public var pinsPath: String { rootPath + "/pins" }
    /// The pin file of one artifact: `pins/<artifact-id>.json`.
    public func pinPath(of id: ArtifactID) -> String { pinsPath + "/" + id.description + ".json" }
    /// The verification stamps of one artifact: `indexes/stamps/<artifact-id>.json` (a cache, FORMAT.md §10).
    public func stampsPath(of id: ArtifactID) -> String { indexesPath + "/stamps/" + id.description + ".json" }

    /// `path` relative to the root, for messages and for paths recorded in the log (which must not name a host's
    /// directories); paths outside the root are returned unchanged.
    public func relativePath(_ path: String) -> String {
        path.hasPrefix(rootPath + "/") ? String(path.dropFirst(rootPath.count + 1)) : path
    }

    /// The directories where writers leave uniquely named temporary files or directories, with the name prefix
    /// they use: what recovery may delete once the creating process is gone.
    package var scratchPlaces: [(directory: String, prefix: String)] {
        [
            (stagingPath, Self.stagingPrefix), (aliasesPath, FileSystem.temporaryPrefix),
            (rootPath, FileSystem.temporaryPrefix), (statesPath, FileSystem.temporaryPrefix),
            (checkpointsPath, FileSystem.temporaryPrefix), (stagingPath, FileSystem.temporaryPrefix),
            (indexesPath, FileSystem.temporaryPrefix), (indexesPath + "/stamps", FileSystem.temporaryPrefix),
            (remotesPath, FileSystem.temporaryPrefix), (evictedPath, FileSystem.temporaryPrefix),
            (pinsPath, FileSystem.temporaryPrefix), (stagingPath, Self.collectedPrefix),
        ]
    }

    /// The mark a writer leaves in `staging/` while it publishes `id`, from just before the rename into
    /// `artifacts/` until its `artifact_registered` event is durable: what tells recovery that an artifact
    /// without its event is the one change a crash interrupted, not one nobody registered.
    public func publishingMarkPath(of id: ArtifactID) -> String {
        stagingPath + "/" + Self.publishingMarkPrefix + id.description
    }

    /// The mark a fetch leaves in `staging/` while it moves an evicted artifact's fetched files into
    /// `artifacts/<id>/`, from before the first file moves until its `artifact_fetched` event is durable: what
    /// tells recovery that bytes of an evicted artifact are a fetch a crash interrupted (FORMAT.md §14.4).
    public func fetchingMarkPath(of id: ArtifactID) -> String {
        stagingPath + "/" + Self.fetchingMarkPrefix + id.description
    }

    /// The name prefix of fetching marks in `staging/`.
    package static let fetchingMarkPrefix = "fetching-"

    /// The mark a removal leaves in `staging/` from before its `artifact_collected` event until the directory is
    /// gone: what tells the next write and recovery that a collected artifact still in `artifacts/` is the removal a
    /// crash interrupted, rather than a directory someone put back (FORMAT.md §14.3).
    public func collectingMarkPath(of id: ArtifactID) -> String {
        stagingPath + "/" + Self.collectingMarkPrefix + id.description
    }

    /// The name prefix of collecting marks in `staging/`.
    package static let collectingMarkPrefix = "collecting-"

    /// The name prefix of publishing marks in `staging/`.
    package static let publishingMarkPrefix = "publishing-"

    /// The name prefix of the directories a removal renames an artifact to in `staging/` before deleting it
    /// (FORMAT.md §14.3): `staging/collected-<pid>-<random>`.
    package static let collectedPrefix = "collected-"

    /// The name prefix of artifact staging directories in `staging/`.
    package static let stagingPrefix = "ingest-"

    /// Creates a registry at `root` (and any missing parent directories), or checks and returns an existing one.
    ///
    /// **Durability:** creates the directories first and writes the format marker last (atomically, synced), so
    /// a crash part-way leaves a directory without a marker, which ``open(at:forWriting:allowNetworkFileSystem:)``
    /// refuses and `create` completes.
    /// - Throws: `.unsupportedFormatVersion` or `.invalidJSON` for an existing registry this library cannot read;
    ///   `.networkFileSystem` unless `allowNetworkFileSystem`; I/O errors.
    @discardableResult
    public static func create(at root: URL, allowNetworkFileSystem: Bool = false) throws -> RegistryLayout {
        let layout = RegistryLayout(unchecked: root)
        if try FileSystem.exists(layout.formatFilePath) {
            return try open(at: root, forWriting: true, allowNetworkFileSystem: allowNetworkFileSystem)
        }
        try FileSystem.makeDirectories(layout.rootPath)
        try layout.checkFileSystem(allowNetworkFileSystem: allowNetworkFileSystem)
        for path in [
            layout.artifactsPath, layout.aliasesPath, layout.auditPath, layout.indexesPath, layout.locksPath,
            layout.stagingPath,
        ] {
            try FileSystem.makeDirectory(path, syncParent: false)
        }
        try FileSystem.syncDirectory(layout.rootPath)
        let marker: JSONValue = .object([
            "format": .string("modelregistry"), "formatVersion": .number(JSONNumber(formatVersion)),
        ])
        try FileSystem.atomicReplace(layout.formatFilePath, contents: CanonicalJSON.encode(marker) + [0x0A])
        return layout
    }

    /// Opens an existing registry after checking its format marker.
    ///
    /// - Parameters:
    ///   - root: the registry directory.
    ///   - forWriting: whether the caller will write; writers are checked for network file systems.
    ///   - allowNetworkFileSystem: accept NFS, Lustre, GPFS, CIFS … where `flock` may silently not exclude.
    /// - Throws: `.notARegistry` when there is no marker; `.invalidJSON`/`.invalidDocument` for a damaged one
    ///   (including an unknown member, which the error names); `.unsupportedFormatVersion` for a newer format; `.networkFileSystem` for a writer on a network file system.
    public static func open(
        at root: URL, forWriting: Bool = false, allowNetworkFileSystem: Bool = false
    ) throws -> RegistryLayout {
        let layout = RegistryLayout(unchecked: root)
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(layout.formatFilePath, limit: 1 << 16)
        } catch RegistryError.Code.notFound {
            throw RegistryError(
                .notARegistry,
                "'\(layout.rootPath)' is not a model registry (no \(formatFileName)); create one with 'modelreg init'",
                path: layout.rootPath)
        }
        let marker = try JSONObjectReader(
            CanonicalJSON.parse(bytes, source: layout.formatFilePath), source: layout.formatFilePath)
        let format = try marker.string("format")
        guard format == "modelregistry" else {
            throw RegistryError(
                .notARegistry, "\(layout.formatFilePath): field 'format' is '\(format)', expected 'modelregistry'",
                path: layout.formatFilePath)
        }
        let version = try marker.integer("formatVersion")
        guard version == Int64(formatVersion) else {
            throw RegistryError(
                .unsupportedFormatVersion,
                "\(layout.formatFilePath): registry format version \(version) is not supported by this library "
                    + "(it reads version \(formatVersion)); upgrade ModelRegistry",
                path: layout.formatFilePath)
        }
        // After the version check, so that a newer format's extra members are reported as a newer format.
        try marker.rejectUnknownKeys(allowed: ["format", "formatVersion"])
        if forWriting { try layout.checkFileSystem(allowNetworkFileSystem: allowNetworkFileSystem) }
        return layout
    }

    private func checkFileSystem(allowNetworkFileSystem: Bool) throws {
        let kind = try FileSystem.kind(of: rootPath)
        if kind.isNetworked && !allowNetworkFileSystem {
            throw RegistryError(
                .networkFileSystem,
                "'\(rootPath)' is on a network file system (\(kind)) where file locks may silently not exclude "
                    + "other writers; open it with allowNetworkFileSystem (CLI: --allow-network-fs) if only one "
                    + "machine writes to it",
                path: rootPath)
        }
    }
}
