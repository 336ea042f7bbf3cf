import Dispatch
import Foundation

/// One registry directory, opened once per process: the entry point for training scripts, servers and tools.
///
/// ```swift
/// let registry = try Registry.create(at: URL(fileURLWithPath: "/data/registry"))
/// let registration = try registry.register(
///     directory: URL(fileURLWithPath: "out/model"),
///     metadata: ArtifactMetadata(name: "document-classifier", capabilities: ["text-classification"]))
/// let artifact = try registry.artifact(registration.artifact.id)
/// let weights = artifact.url(for: "weights.bin")
/// ```
///
/// Writers serialise on one cross-process lock, held only for the final rename (never while copying or
/// hashing). Readers never lock. Every method has an `async` twin with the same name that runs the same
/// blocking code on the registry's private queue, so a server's cooperative threads never wait on `fsync`.
public final class Registry: Sendable {
    /// How a registry is opened.
    public struct Configuration: Sendable {
        /// The hash algorithm for new artifacts. SHA-256 by default.
        public var hashAlgorithm: any HashAlgorithm
        /// Other algorithms that existing manifests may name.
        public var additionalHashAlgorithms: [any HashAlgorithm]
        /// Allow writing on NFS, Lustre, GPFS, CIFS …, where `flock` may silently not exclude other writers.
        /// Only safe when a single machine writes.
        public var allowNetworkFileSystem: Bool
        /// How long a writer waits for the lock before failing with `.lockTimeout`.
        public var lockTimeout: Duration
        /// Who is acting, recorded in alias records and audit events unless a call names someone else.
        /// Default: ``defaultActor``, `user@host`.
        public var actor: String
        /// The promotion policy: called under the writer lock, with the alias's current record freshly read,
        /// before an alias is promoted or rolled back. Throwing vetoes the change and nothing is written.
        public var promotionPolicy: (@Sendable (AliasChange) throws -> Void)?
        /// Where times come from (tests inject a fixed clock).
        public var clock: @Sendable () -> Date
        /// The keys this process trusts for signature checks and the policy's signature requirements. Kept
        /// outside the registry: the registry never writes them.
        public var trust: TrustStore
        /// A key that signs a checkpoint of the audit log after every write (FORMAT.md §9.6), so the log's tail
        /// is always anchored; nil (the default) writes checkpoints only on demand
        /// (``Registry/writeCheckpoint(signedBy:)-5wvse``). Keep the key outside the registry. After each automatic
        /// checkpoint, the note one event older is removed when this key alone signed it and the log still
        /// matches it (the newest anchors every event before it); any other note stays (FORMAT.md §9.6).
        public var checkpointKey: Ed25519PrivateKey?
        /// The per-user stamp cache (FORMAT.md §10): read alongside `indexes/stamps/`, and written instead of it by a
        /// registry opened read-only or when `indexes/stamps/` cannot be written, so a server without write access
        /// does not re-hash every model on every start. nil turns it off. Default:
        /// ``ArtifactVerifier/defaultUserStampCache``.
        public var userStampCache: URL? = ArtifactVerifier.defaultUserStampCache
        /// How evictions and fetches talk to `oci://` remotes (FORMAT.md §15.9): credentials (looked up in the
        /// environment and the Docker config by default) and transfer settings.
        public var ociRemoteOptions = OCITransferOptions()
        /// Where the query index is stored (``IndexBackendChoice``): ``IndexBackendChoice/files`` by default, or
        /// `.sqlite` from the optional `ModelRegistrySQLite` product (README, "Choosing the SQLite index").
        public var indexBackend: IndexBackendChoice = .files
        /// When the query index's incremental updates are folded into its base once they pass the backend's
        /// threshold (``IndexCompactionMode``): in the background after the write that passed it (the default),
        /// or only when asked. Never inside a write either way (FORMAT.md §13.3).
        public var indexCompaction: IndexCompactionMode = .background

        /// Creates a configuration.
        public init(
            hashAlgorithm: any HashAlgorithm = SHA256Algorithm(), additionalHashAlgorithms: [any HashAlgorithm] = [],
            allowNetworkFileSystem: Bool = false, lockTimeout: Duration = .seconds(30),
            actor: String = Configuration.defaultActor,
            promotionPolicy: (@Sendable (AliasChange) throws -> Void)? = nil,
            clock: @escaping @Sendable () -> Date = { Date() }, trust: TrustStore = TrustStore(),
            checkpointKey: Ed25519PrivateKey? = nil
        ) {
            self.trust = trust
            self.checkpointKey = checkpointKey
            self.hashAlgorithm = hashAlgorithm
            self.additionalHashAlgorithms = additionalHashAlgorithms
            self.allowNetworkFileSystem = allowNetworkFileSystem
            self.lockTimeout = lockTimeout
            self.actor = actor
            self.promotionPolicy = promotionPolicy
            self.clock = clock
        }

        /// `user@host` of this process, so every audit line names someone even when nobody set `$USER`.
        ///
        /// The user is `$USER`, else `$LOGNAME` (when set and not empty), else the account name of the effective
        /// user id from the password database (`getpwuid`: containers and CI jobs often have no `$USER`), else
        /// `uid<N>` for an id the password database does not list.
        public static var defaultActor: String {
            let info = ProcessInfo.processInfo
            return "\(accountName(environment: info.environment))@\(info.hostName)"
        }

        /// The user part of ``defaultActor`` for a given environment: `$USER`, `$LOGNAME`, the account name of
        /// the effective user id, or `uid<N>`.
        ///
        /// - Parameter environment: the variables to consult (the process's own in ``defaultActor``).
        /// - Returns: a non-empty name.
        public static func accountName(environment: [String: String]) -> String {
            for variable in ["USER", "LOGNAME"] {
                if let value = environment[variable], !value.isEmpty { return value }
            }
            return ProcessAccount.name() ?? "uid\(ProcessAccount.effectiveUserID)"
        }
    }

    /// Where the registry lives.
    public let layout: RegistryLayout
    /// The configuration it was opened with.
    public let configuration: Configuration
    /// The artifact store.
    public let artifacts: FileArtifactStore
    /// The alias files.
    public let aliases: FileAliasStore
    /// The audit log.
    public let journal: AuditJournal
    /// Lifecycle state files.
    public let states: FileStateStore
    /// Detached signature files.
    public let signatures: FileSignatureStore
    /// The promotion policy file.
    public let policies: FilePolicyStore
    /// Pin files (FORMAT.md §14.1).
    public let pins: FilePinStore

    /// Whether the registry was opened read-only (``open(at:configuration:forWriting:)-8vr95`` with `forWriting: false`):
    /// reads create no file, directory or lock in it, and writes fail with `.unsupportedOperation`.
    public let isReadOnly: Bool

    let writerLock: WriterLock
    let queue: DispatchQueue

    private init(layout: RegistryLayout, configuration: Configuration, isReadOnly: Bool = false) throws {
        self.isReadOnly = isReadOnly
        self.layout = layout
        self.configuration = configuration
        self.artifacts = FileArtifactStore(
            layout: layout, hashAlgorithm: configuration.hashAlgorithm,
            additionalAlgorithms: configuration.additionalHashAlgorithms)
        self.aliases = FileAliasStore(layout: layout)
        self.journal = AuditJournal(layout: layout, clock: configuration.clock)
        self.states = FileStateStore(layout: layout)
        self.signatures = FileSignatureStore(layout: layout)
        self.policies = FilePolicyStore(layout: layout)
        self.pins = FilePinStore(layout: layout)
        self.writerLock = try OpenRegistries.shared.writerLock(for: layout)
        self.queue = DispatchQueue(label: "modelregistry.registry", attributes: .concurrent)
    }

    /// Creates a registry at `root` (or opens the one already there) for reading and writing.
    ///
    /// - Throws: `.unsupportedFormatVersion` for a registry of a newer format, `.networkFileSystem` on a network
    ///   file system unless allowed, I/O errors.
    /// - Durability: the format marker is written last and synced; see `RegistryLayout.create(at:allowNetworkFileSystem:)`.
    public static func create(at root: URL, configuration: Configuration = .init()) throws -> Registry {
        let layout = try RegistryLayout.create(at: root, allowNetworkFileSystem: configuration.allowNetworkFileSystem)
        return try Registry(layout: layout, configuration: configuration)
    }

    /// Opens an existing registry.
    ///
    /// - Parameters:
    ///   - root: the registry directory.
    ///   - configuration: how to open it.
    ///   - forWriting: check that the file system is safe for writers (default `true`). Readers pass `false`:
    ///     the registry is then read-only (``isReadOnly``): it opens on network file systems and read-only mounts,
    ///     every read (resolve, artifacts, verification, ``openForLoading(alias:)-1ujxb``, history, queries, ``watch(_:pollInterval:polling:)``)
    ///     creates no file, directory or lock in it (verification stamps go to the per-user cache), and every write
    ///     fails with `.unsupportedOperation`.
    /// - Throws: `.notARegistry`, `.unsupportedFormatVersion`, `.networkFileSystem`, I/O errors.
    public static func open(at root: URL, configuration: Configuration = .init(), forWriting: Bool = true) throws
        -> Registry
    {
        let layout = try RegistryLayout.open(
            at: root, forWriting: forWriting, allowNetworkFileSystem: configuration.allowNetworkFileSystem)
        return try Registry(layout: layout, configuration: configuration, isReadOnly: !forWriting)
    }

    // MARK: Artifacts

    /// Publishes through the one write path: under the writer lock the staged directory is renamed into
    /// `artifacts/`, then `artifact_registered` is appended (bytes first, event after: a crash between the two
    /// leaves an artifact without its event, which ``recover(actor:)`` appends; a failed append takes the
    /// artifact back out, unless that fails too or the append's outcome is unknown, when recovery registers it).
    /// Identical content already published gets its event when the log has none (an earlier append that failed
    /// and could not be undone).
    func publish(_ staged: FileArtifactStore.StagedArtifact, actor: String?) throws -> Registration {
        do {
            let committed = try commit(staged, to: JournaledArtifacts(store: artifacts), actor: actor)
            var recorded = false
            if committed == nil {
                try artifacts.discard(staged)  // identical content was already published
                // … but perhaps without its event (an append that failed and could not be taken back): make sure
                // the log registers it.
                recorded = try commit(staged.id, to: JournaledAdoptions(registry: self), actor: actor) != nil
            }
            // Files the registry wrote itself were hashed as they were written: stamp them now, after the last
            // rename, so the first openForLoading (by any user) costs a stat per file instead of a re-hash.
            if committed != nil {
                verifier().recordWrittenStamps(staged.id, paths: staged.writtenByRegistry)
                // Deduplicated files changed the shared inodes' ctime: carry the holders' stamps over.
                verifier().carryStamps(to: staged.id, deduplicated: staged.deduplicated)
                artifacts.recordPublished(staged)
            }
            // Move mode takes the user's files only now that the registration, event included, has succeeded.
            artifacts.removeMovedSources(of: staged)
            return artifacts.registration(of: staged, isNew: committed != nil || recorded)
        } catch {
            try? artifacts.discard(staged)
            throw error
        }
    }

    /// Opens a published artifact (no lock). See `FileArtifactStore.artifact(_:)`.
    ///
    /// An evicted artifact (FORMAT.md §14.4) has no bundle files here, so its file URLs would name nothing: this
    /// throws `.evicted` naming the remote it can be fetched from instead. Its manifest stays readable through
    /// ``artifacts`` (`FileArtifactStore.artifact(_:)`), and `eviction(of:)` says where its bytes are.
    /// - Throws: `.notFound`, `.digestMismatch`, `.evicted`, and a damaged manifest's or eviction file's errors.
    public func artifact(_ id: ArtifactID) throws -> Artifact {
        let artifact = try artifacts.artifact(id)
        if let record = try evictionStore.record(id) { throw evictedError(record, "cannot open \(id)") }
        return artifact
    }

    /// The ids of all published artifacts, sorted (no lock).
    public func listArtifacts() throws -> [ArtifactID] {
        try artifacts.list()
    }

    /// Whether an artifact is published (no lock).
    public func contains(_ id: ArtifactID) throws -> Bool {
        try artifacts.contains(id)
    }
}
