import Foundation
import RegistryCore

extension FileArtifactStore {
    /// A bundle that has been copied and hashed into `staging/` but is not yet visible in `artifacts/`.
    ///
    /// Pass it to ``FileArtifactStore/publish(_:)`` or ``FileArtifactStore/discard(_:)``. Until then the process
    /// holds the staging directory's lock (FORMAT.md §6), which tells `recover` — in any PID namespace — that the
    /// registration is still running. A process that dies while holding one leaves an orphan directory in
    /// `staging/` whose lock nobody holds, never a reference to missing bytes.
    public struct StagedArtifact: Sendable {
        /// The id the artifact will have.
        public let id: ArtifactID
        /// Its manifest.
        public let manifest: Manifest
        /// The staging directory holding the files and `manifest.json`, all synced.
        public let stagingPath: String
        /// Bundle paths copied although another mode was asked for.
        public let copiedInstead: [String]
        /// Paths under the source directory left out by `IngestOptions.excludes` or the ignore file, relative to
        /// it, a directory with a trailing `/` (its contents are not listed); empty for an explicit file list.
        public internal(set) var excluded: [String] = []
        /// Bundle paths whose bytes the registry wrote itself while hashing them (copy mode, and copies made
        /// instead of links): their stamps can be recorded at publication without reading them again.
        public let writtenByRegistry: [String]
        /// Bundle paths stored as hard links to identical published files (see ``Registration/deduplicated``).
        public internal(set) var deduplicated: [DeduplicatedFile] = []
        /// Bundle paths whose source was not read at all (see ``Registration/unread``).
        public internal(set) var unread: [String] = []
        /// The smallest file size that was deduplicated, for the index update after publication.
        var deduplicationMinimumSize: Int64 = IngestOptions.defaultDeduplicationMinimumSize
        /// Sources to remove once the registration is complete (move mode).
        let sourcesToRemove: [String]
        /// Permission bits of hard-linked sources before they were made read-only, restored if the staged
        /// artifact is discarded (the user's file shares the inode).
        let linkedSourceModes: [String: UInt32]
        /// The lock on the staging directory, held until it is published or discarded.
        let lease: StagingLease
        /// The inode of every staged file (bundle files and `manifest.json`) by path, and the staged
        /// subdirectories: what publication confirms is still there.
        let stagedInodes: [String: UInt64]
        let stagedDirectories: [String]
    }

    /// A staged file that is a hard link to an identical file already published in another artifact.
    public struct DeduplicatedFile: Sendable {
        /// Its bundle path.
        public var path: String
        /// Its size in bytes: the bytes not stored again.
        public var size: Int64
        /// The shared inode's status just before the link (which changed its ctime), as verified.
        package var statusBeforeLink: FileStatus
        /// The published files that held the inode before: their verification stamps may be carried over.
        public var holders: [(artifact: ArtifactID, path: String)]
    }

    /// Registers every regular file under `directory` as one artifact, except what `options.excludes` and the
    /// ignore file leave out (FORMAT.md §5.8; by default `.git/`, `.hg/`, `.svn/` and `.DS_Store`).
    ///
    /// Registering identical content with identical metadata again returns the existing artifact and changes
    /// nothing (`isNew == false`); when the source-digest cache knows every file (FORMAT.md §10.2), without
    /// reading any (``Registration/unread``). Files already stored in another artifact are hard-linked to it
    /// instead of stored again (``Registration/deduplicated``).
    /// - Parameter progress: told how far staging has come (see ``RegistrationProgress``); nil reports nothing.
    /// - Throws: see ``stage(files:metadata:options:progress:)``.
    /// - Durability: when this returns, the artifact's files, manifest and directory entry are on stable storage.
    public func register(
        directory: URL, metadata: ArtifactMetadata, options: IngestOptions = .init(),
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil
    ) throws -> Registration {
        if let unchanged = unchangedRegistration(directory: directory, metadata: metadata, options: options) {
            return unchanged
        }
        let staged = try stage(directory: directory, metadata: metadata, options: options, progress: progress)
        let registration = try publish(staged)
        if registration.isNew { recordPublished(staged) }
        removeMovedSources(of: staged)
        return registration
    }

    /// Registers an explicit list of files as one artifact.
    /// - Parameter progress: told how far staging has come (see ``RegistrationProgress``); nil reports nothing.
    public func register(
        files: [SourceFile], metadata: ArtifactMetadata, options: IngestOptions = .init(),
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil
    ) throws -> Registration {
        if let unchanged = unchangedRegistration(files: files, metadata: metadata, options: options) {
            return unchanged
        }
        let staged = try stage(files: files, metadata: metadata, options: options, progress: progress)
        let registration = try publish(staged)
        if registration.isNew { recordPublished(staged) }
        removeMovedSources(of: staged)
        return registration
    }

    /// Copies (or links) and hashes every regular file under `directory` that is not excluded (see
    /// `IngestOptions.excludes`) into a new staging directory; ``StagedArtifact/excluded`` names what was left out.
    ///
    /// Takes no lock: this is the slow part and runs concurrently with other writers.
    /// - Parameter progress: told how far staging has come (see ``RegistrationProgress``); nil reports nothing.
    public func stage(
        directory: URL, metadata: ArtifactMetadata, options: IngestOptions = .init(),
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil
    ) throws -> StagedArtifact {
        try stage(
            directory: directory, metadata: metadata, options: options, context: directory.standardizedFileURL.path,
            progress: progress)
    }

    /// ``stage(directory:metadata:options:progress:)`` with `generated` files written from memory alongside the
    /// copied ones (see ``stage(files:metadata:options:context:generated:progress:)``).
    package func stage(
        directory: URL, metadata: ArtifactMetadata, options: IngestOptions, context: String,
        generated: [GeneratedFile] = [], progress: (@Sendable (RegistrationProgress) -> Void)?
    ) throws -> StagedArtifact {
        let exclusions = try Self.exclusionRules(for: directory, options: options)
        let listing = try BundleScanner.scan(
            directory: directory, followSymlinks: options.followSymlinks, exclusions: exclusions)
        var staged = try stage(
            files: listing.files, metadata: metadata, options: options, context: context, generated: generated,
            progress: progress)
        staged.excluded = listing.excluded
        return staged
    }

    /// The exclusion rules for a source directory: `options.excludes`, the ignore file's lines, and the ignore
    /// file itself.
    static func exclusionRules(for directory: URL, options: IngestOptions) throws -> ExclusionRules {
        var patterns = options.excludes.map { (text: $0, source: "exclude pattern") }
        if let name = options.ignoreFileName {
            let path = directory.standardizedFileURL.path + "/" + name
            if let status = try FileSystem.status(path, followLinks: true), status.kind == .regular {
                let text = String(decoding: try FileSystem.readDocument(path, limit: 1 << 20), as: UTF8.self)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where !line.hasPrefix("#") {
                    patterns.append((text: String(line), source: "\(path):\(number + 1)"))
                }
                patterns.append((text: "/" + name, source: path))
            }
        }
        return try ExclusionRules(patterns)
    }

    /// Copies (or links) and hashes the given files into a new staging directory and writes their manifest.
    ///
    /// Files are processed on all cores, largest first; each is hashed while it is copied, in one pass, with
    /// constant memory whatever its size.
    /// - Parameter progress: told how far staging has come: at the start, after each file, at most about every
    ///   100 ms in between, and when the manifest is written (phase `publishing`). Calls are serialised and
    ///   their counts never go down; keep the callback short, since ingest threads wait for it.
    /// - Throws: `.invalidPath` (escaping, absolute, reserved, duplicate or normalization-twin paths),
    ///   `.invalidName` (metadata), `.symlinkRefused`, `.notFound` (missing source), `.unsupportedOperation`
    ///   (hard link across file systems), `.invalidArgument` (hardlink or move of a source inside the registry,
    ///   however it is reached), `.fileChanged` (a source rewritten, truncated or replaced while it was copied or
    ///   hashed), `.io` (unreadable source, disk full …). On any failure the staging directory is removed and
    ///   nothing appears in `artifacts/`.
    public func stage(
        files: [SourceFile], metadata: ArtifactMetadata, options: IngestOptions = .init(),
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil
    ) throws -> StagedArtifact {
        try stage(files: files, metadata: metadata, options: options, context: "bundle", progress: progress)
    }

    /// A bundle file made from bytes in memory (a generated contract, card or lineage), written straight into
    /// staging instead of being copied from a source file.
    package struct GeneratedFile: Sendable {
        /// Its bundle path.
        package var path: String
        /// Its bytes.
        package var contents: [UInt8]

        package init(path: String, contents: [UInt8]) {
            self.path = path
            self.contents = contents
        }
    }

    /// ``stage(files:metadata:options:progress:)`` with error messages that name `context` (the directory the
    /// files came from) instead of "bundle", and with `generated` files written from memory alongside the
    /// copied ones. A generated path that is also a source path is refused (`.alreadyExists`).
    package func stage(
        files: [SourceFile], metadata: ArtifactMetadata, options: IngestOptions, context: String,
        generated: [GeneratedFile] = [], progress: (@Sendable (RegistrationProgress) -> Void)?
    ) throws -> StagedArtifact {
        try metadata.validate(context: context)
        if files.isEmpty && generated.isEmpty && !options.allowEmpty {
            throw RegistryError(
                .invalidArgument,
                "\(context): there are no files to register (pass allowEmpty to register an empty artifact)")
        }
        if !options.allowForeignParents {
            for parent in metadata.parents where try !contains(parent) {
                throw RegistryError(
                    .notFound,
                    "\(context) (parents): \(parent) is not an artifact of registry '\(layout.rootPath)' (pass "
                        + "allowForeignParents for a parent from another registry)")
            }
        }
        for file in files { try BundlePath.check(file.path, context: context) }
        for file in generated {
            try BundlePath.check(file.path, context: context)
            if let source = files.first(where: { $0.path == file.path }) {
                throw RegistryError(
                    .alreadyExists,
                    "\(context): '\(file.path)' is already in the bundle (\(source.source.path)), and the "
                        + "registration would generate it too; remove the file or do not pass the document",
                    path: source.source.path)
            }
        }
        try BundlePath.checkDistinct(files.map(\.path) + generated.map(\.path), context: context)
        for (path, mediaType) in options.mediaTypes
        where !files.contains(where: { $0.path == path }) && !generated.contains(where: { $0.path == path }) {
            throw RegistryError(
                .invalidArgument,
                "\(context): a media type '\(mediaType)' was given for '\(path)', which is not in the bundle")
        }

        var linkedModes: [String: UInt32] = [:]
        if options.mode == .hardlink || options.mode == .move {
            // Taking (or linking) a registry's own files would let a move delete a published artifact's bytes. The
            // registry is compared by identity, so a symbolic link, a bind mount or a second mount of it is seen.
            var containment = try DirectoryContainment(guarding: [layout.rootPath, layout.artifactsPath])
            for file in files {
                let source = file.source.standardizedFileURL.path
                var directories = [FileSystem.parent(of: source)]
                if try FileSystem.status(source)?.kind == .symbolicLink {
                    directories.append(
                        FileSystem.parent(of: URL(fileURLWithPath: source).resolvingSymlinksInPath().path))
                }
                for directory in directories {
                    if let inside = try containment.guardedAncestor(of: directory) {
                        throw RegistryError(
                            .invalidArgument,
                            "\(context): '\(source)' is inside the registry (its directory is '\(inside)', reached "
                                + "another way); register it in copy mode", path: source)
                    }
                }
                if let status = try FileSystem.status(source, followLinks: true) {
                    linkedModes[source] = status.permissions
                }
            }
        }
        try FileSystem.makeDirectory(layout.stagingPath)
        let lease = try StagingLease.create(in: layout.stagingPath, prefix: RegistryLayout.stagingPrefix)
        do {
            // Before any source is made read-only: recovery gives the modes back after a crash.
            try Self.recordSourceModes(linkedModes, of: lease.directory)
            let staged = try fill(
                lease: lease, files: files, generated: generated, metadata: metadata, options: options,
                linkedModes: linkedModes, progress: progress)
            CrashPoint.hit("artifact.afterStaging")
            return staged
        } catch {
            try? FileSystem.removeTree(lease.directory)
            lease.release()
            Self.restorePermissions(linkedModes)
            Self.removeSourceModesRecord(of: lease.directory)
            throw error
        }
    }

    /// Gives hard-linked sources back the permission bits they had before staging made them read-only — but only
    /// a source no other name links to any more: if a published artifact still shares the inode, it stays read-only.
    static func restorePermissions(_ modes: [String: UInt32]) {
        for (path, mode) in modes {
            guard let status = try? FileSystem.status(path, followLinks: true), status.linkCount == 1,
                status.permissions != mode
            else { continue }
            try? FileSystem.setPermissions(path, mode: mode_t(mode))
        }
    }

    private func fill(
        lease: StagingLease, files: [SourceFile], generated: [GeneratedFile], metadata: ArtifactMetadata,
        options: IngestOptions,
        linkedModes: [String: UInt32], progress: (@Sendable (RegistrationProgress) -> Void)?
    ) throws -> StagedArtifact {
        let staging = lease.directory
        // Directories first, serially, so that parallel file jobs never race to create them.
        var directories = Set<String>()
        for path in files.map(\.path) + generated.map(\.path) {
            var components = path.split(separator: "/").dropLast()
            while !components.isEmpty {
                directories.insert(components.joined(separator: "/"))
                components = components.dropLast()
            }
        }
        let orderedDirectories = directories.sorted { $0.utf8.count < $1.utf8.count }
        for directory in orderedDirectories {
            try FileSystem.makeDirectory(staging + "/" + directory, allowExisting: false, syncParent: false)
        }

        // Largest first keeps all cores busy until the end.
        let sizes = files.map {
            (try? FileSystem.status($0.source.path, followLinks: options.followSymlinks))??.size ?? 0
        }
        let order = files.indices.sorted { sizes[$0] > sizes[$1] }
        let method: FileTransfer.Method =
            switch options.mode {
            case .copy: .copy
            case .hardlink, .move: .hardlink
            case .reflink: .reflink
            }
        let algorithm = hashAlgorithm
        let meter = progress.map { callback in
            ProgressMeter(
                phase: method == .copy ? .copying : .hashing,
                bytesTotal: sizes.reduce(0, +) + generated.reduce(0) { $0 + Int64($1.contents.count) },
                filesTotal: files.count + generated.count, callback: callback)
        }
        let minimum = options.deduplicationMinimumSize
        let blobs = BlobIndex(store: self, manifests: ManifestCache(store: self))
        if sizes.contains(where: { $0 >= minimum }) { blobs.rebuildIfMissing(minimumSize: minimum) }
        let sources = SourceDigestCache(layout: layout, algorithm: algorithm.name)
        let outcomesBySlot = try ParallelWork.map(order.count, maxConcurrency: options.maxConcurrency) { slot in
            let file = files[order[slot]]
            let source = file.source.standardizedFileURL.path
            let destination = staging + "/" + file.path
            // Known bytes, already stored: link the stored inode without reading the source at all.
            if !options.rehash, options.verifiedSources[source] == nil,
                let status = try FileSystem.status(source, followLinks: options.followSymlinks),
                status.size >= minimum, let digest = sources.digest(forSource: source, status: status),
                let candidate = blobs.candidate(for: digest, size: status.size),
                FileTransfer.linkStored(candidate.path, at: destination, expecting: candidate.status) != nil
            {
                meter?.finishFile(uncountedBytes: status.size)
                return StagedFile(
                    transfer: .init(result: .init(size: status.size, digest: digest), copied: false),
                    deduplicated: DeduplicatedFile(
                        path: file.path, size: status.size, statusBeforeLink: candidate.status,
                        holders: candidate.holders.map { ($0.artifact, $0.path) }),
                    unread: true)
            }
            var counted: Int64 = 0
            let readStarted = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
            let outcome: FileTransfer.Outcome
            if let known = options.verifiedSources[source] {
                // Bytes the registry itself downloaded and hashed: linked, their digest taken as measured.
                outcome = try FileTransfer.adoptVerified(source, at: destination, known: known)
            } else {
                outcome = try FileTransfer.stage(
                    source, at: destination, method: method,
                    algorithm: algorithm, followSymlinks: options.followSymlinks,
                    fallBackToCopyAcrossDevices: options.mode == .move,
                    onBytes: meter.map { meter in
                        { count in
                            counted += count
                            meter.addBytes(count)
                        }
                    })
            }
            meter?.finishFile(uncountedBytes: outcome.result.size - counted)
            var sourceStatus = outcome.sourceStatus
            var deduplicated: DeduplicatedFile?
            if outcome.result.size >= minimum,
                let candidate = blobs.candidate(for: outcome.result.digest, size: outcome.result.size),
                let staged = try FileSystem.status(destination)
            {
                let shared = DeduplicatedFile(
                    path: file.path, size: outcome.result.size, statusBeforeLink: candidate.status,
                    holders: candidate.holders.map { ($0.artifact, $0.path) })
                if staged.device == candidate.status.device && staged.inode == candidate.status.inode {
                    deduplicated = shared  // a hard-linked source that is already the stored inode
                } else if FileTransfer.linkStored(candidate.path, at: destination, expecting: candidate.status) != nil {
                    deduplicated = shared
                    if let mode = linkedModes[source] {
                        // The source is no longer linked into staging: give it its permissions back, and take
                        // its stamp again for the cache (the chmod changed its ctime, not its bytes).
                        Self.restorePermissions([source: mode])
                        let now = try? FileSystem.status(source, followLinks: options.followSymlinks)
                        sourceStatus =
                            sourceStatus.flatMap { before in
                                now.flatMap { now in
                                    now.inode == before.inode && now.size == before.size
                                        && now.modified == before.modified ? now : nil
                                }
                            }
                    }
                }
            }
            if let sourceStatus {
                sources.record(
                    source: source, status: sourceStatus, digest: outcome.result.digest, readStarted: readStarted)
            }
            return StagedFile(transfer: outcome, deduplicated: deduplicated, unread: false)
        }
        sources.save()
        var outcomes = [StagedFile?](repeating: nil, count: files.count)
        for (slot, outcome) in outcomesBySlot.enumerated() { outcomes[order[slot]] = outcome }
        var entries: [Manifest.Entry] = []
        for file in generated {
            try FileSystem.createFile(staging + "/" + file.path, contents: file.contents)
            entries.append(
                Manifest.Entry(
                    path: file.path, size: Int64(file.contents.count), digest: algorithm.hash(file.contents),
                    mediaType: options.mediaTypes[file.path]))
            meter?.finishFile(uncountedBytes: Int64(file.contents.count))
        }

        // Make every new directory entry durable, deepest first, then the staging root.
        for directory in orderedDirectories.reversed() { try FileSystem.syncDirectory(staging + "/" + directory) }

        var copiedInstead: [String] = []
        var written = generated.map(\.path)  // written from memory, hashed as written
        var deduplicated: [DeduplicatedFile] = []
        var unread: [String] = []
        for (index, file) in files.enumerated() {
            guard let staged = outcomes[index] else {
                throw RegistryError(.io, "internal error: '\(file.path)' was not staged")
            }
            let outcome = staged.transfer
            if let shared = staged.deduplicated {
                deduplicated.append(shared)
            } else {
                if outcome.copied && options.mode != .copy { copiedInstead.append(file.path) }
                if outcome.copied { written.append(file.path) }
            }
            if staged.unread { unread.append(file.path) }
            entries.append(
                Manifest.Entry(
                    path: file.path, size: outcome.result.size, digest: outcome.result.digest,
                    mediaType: options.mediaTypes[file.path]))
        }
        let manifest = try Manifest(hashAlgorithm: algorithm.name, metadata: metadata, files: entries)
        meter?.startPublishing(bytes: manifest.totalSize)
        let bytes = manifest.canonicalBytes()
        try FileSystem.createFile(staging + "/" + Self.manifestFileName, contents: bytes)
        try FileSystem.syncDirectory(staging)
        var inodes: [String: UInt64] = [:]
        for path in entries.map(\.path) + [Self.manifestFileName] {
            guard let status = try FileSystem.status(staging + "/" + path), status.kind == .regular else {
                throw Self.stagedFileGone(path, staging: staging)
            }
            inodes[path] = status.inode
        }
        var staged = StagedArtifact(
            id: ArtifactID(digest: algorithm.hash(bytes)), manifest: manifest, stagingPath: staging,
            copiedInstead: copiedInstead.sorted(), writtenByRegistry: written.sorted(),
            sourcesToRemove: options.mode == .move ? files.map { $0.source.standardizedFileURL.path } : [],
            linkedSourceModes: linkedModes, lease: lease, stagedInodes: inodes, stagedDirectories: orderedDirectories)
        staged.deduplicated = deduplicated.sorted { $0.path < $1.path }
        staged.unread = unread.sorted()
        staged.deduplicationMinimumSize = minimum
        return staged
    }

    /// The staged artifact's manifest, at the root of its directory.
    private static let manifestFileName = "manifest.json"

    private static func stagedFileGone(_ path: String, staging: String) -> RegistryError {
        RegistryError(
            .fileChanged,
            "'\(path)': its staged copy in '\(staging)' was removed or replaced before publication (by a `recover` "
                + "that could not tell this registration was running?); nothing was published; register again",
            path: staging + "/" + path)
    }

    /// Confirms that the staging directory still holds exactly what staging put there: every staged file with the
    /// inode it was staged as, and nothing else. Something removing staged files meanwhile (an older `recover`
    /// that judged this writer dead) must fail the registration, never publish an incomplete artifact.
    ///
    /// - Throws: `.fileChanged` naming the first missing, replaced or unexpected path.
    public func confirmStaged(_ staged: StagedArtifact) throws {
        let staging = staged.stagingPath
        guard try FileSystem.status(staging)?.kind == .directory else {
            throw RegistryError(
                .fileChanged,
                "the staging directory '\(staging)' was removed before publication (by a `recover` that could not "
                    + "tell this registration was running?); nothing was published; register again", path: staging)
        }
        for (path, inode) in staged.stagedInodes.sorted(by: { $0.key < $1.key }) {
            guard let status = try FileSystem.status(staging + "/" + path), status.kind == .regular,
                status.inode == inode
            else { throw Self.stagedFileGone(path, staging: staging) }
        }
        var entries = 0
        for directory in [""] + staged.stagedDirectories {
            entries += try FileSystem.listDirectory(directory.isEmpty ? staging : staging + "/" + directory).count
        }
        guard entries == staged.stagedInodes.count + staged.stagedDirectories.count else {
            throw RegistryError(
                .fileChanged,
                "'\(staging)' holds \(entries) entries where staging left \(staged.stagedInodes.count) files and "
                    + "\(staged.stagedDirectories.count) directories; nothing was published; register again",
                path: staging)
        }
    }

    /// What staging one source file did.
    private struct StagedFile {
        /// How its bytes reached staging (for a deduplicated file: its size and digest only).
        var transfer: FileTransfer.Outcome
        /// Set when the staged file is a hard link to an identical published file.
        var deduplicated: DeduplicatedFile?
        /// True when the source was not read at all.
        var unread: Bool
    }

    /// Makes a staged artifact visible: one atomic rename of its directory to `artifacts/<id>`, then an fsync of
    /// `artifacts/`.
    ///
    /// If the id is already published, the staged copy is discarded and the existing artifact is returned with
    /// `isNew == false`. Move-mode sources are not removed here: call ``removeMovedSources(of:)`` once the whole
    /// registration (including its audit event) has succeeded, so a failure never costs the user their files.
    /// - Durability: a crash before the rename leaves only an orphan in `staging/`; after it, the artifact is complete.
    /// - Throws: `.fileChanged` when staged files were removed or replaced meanwhile (see ``confirmStaged(_:)``);
    ///   I/O errors.
    public func publish(_ staged: StagedArtifact) throws -> Registration {
        try publish(staged, confirmed: false)
    }

    /// ``publish(_:)``, skipping ``confirmStaged(_:)`` when the caller has just run it under the writer lock.
    package func publish(_ staged: StagedArtifact, confirmed: Bool) throws -> Registration {
        if !confirmed { try confirmStaged(staged) }
        try FileSystem.makeDirectory(layout.artifactsPath)
        let target = layout.artifactPath(staged.id)
        let outcome = try FileSystem.publishDirectory(staged.stagingPath, to: target)
        if outcome == .published {
            staged.lease.release()
        } else {
            try discard(staged)
        }
        return registration(of: staged, isNew: outcome == .published)
    }

    /// Whether the staged artifact's id is already published; if so, waits until that directory entry is durable
    /// (the writer that renamed it may have crashed before its own directory fsync).
    public func isPublished(_ staged: StagedArtifact) throws -> Bool {
        guard try contains(staged.id) else { return false }
        try FileSystem.syncDirectory(layout.artifactsPath)
        return true
    }

    /// The registration result for a staged artifact, as published at its id's directory.
    public func registration(of staged: StagedArtifact, isNew: Bool) -> Registration {
        let directory = URL(fileURLWithPath: layout.artifactPath(staged.id), isDirectory: true)
        var registration = Registration(
            artifact: Artifact(id: staged.id, manifest: staged.manifest, directory: directory), isNew: isNew,
            copiedInstead: staged.copiedInstead, excluded: staged.excluded)
        registration.unread = staged.unread
        if isNew {  // an artifact already registered stored nothing, linked or not
            registration.deduplicated = staged.deduplicated.map(\.path)
            registration.deduplicatedBytes = staged.deduplicated.reduce(0) { $0 + $1.size }
        }
        return registration
    }

    /// Leaves the publishing mark for `id` (see `RegistryLayout.publishingMarkPath(of:)`), synced. The caller holds
    /// the writer lock.
    public func markPublishing(_ id: ArtifactID) throws {
        try FileSystem.makeDirectory(layout.stagingPath)
        try FileSystem.atomicReplace(layout.publishingMarkPath(of: id), contents: [], mode: 0o644)
    }

    /// Removes the publishing mark for `id`, if any.
    public func clearPublishingMark(_ id: ArtifactID) throws {
        guard try FileSystem.exists(layout.publishingMarkPath(of: id)) else { return }
        try FileSystem.removeFile(layout.publishingMarkPath(of: id))
        try FileSystem.syncDirectory(layout.stagingPath)
    }

    /// The artifacts whose publishing mark is present: publications a crash may have interrupted.
    public func publishingMarks() throws -> [ArtifactID] {
        guard try FileSystem.exists(layout.stagingPath) else { return [] }
        return try FileSystem.listDirectory(layout.stagingPath).compactMap { entry in
            guard let name = entry.name, name.hasPrefix(RegistryLayout.publishingMarkPrefix) else { return nil }
            return ArtifactID(String(name.dropFirst(RegistryLayout.publishingMarkPrefix.count)))
        }
    }

    /// Takes a just-published artifact back out of `artifacts/` (its registration event could not be written):
    /// renames the directory into `staging/`, syncs, then deletes it. The caller holds the writer lock.
    ///
    /// - Durability: after the rename and the fsync of `artifacts/`, the artifact is gone; a crash before the
    ///   delete leaves only an orphan in `staging/`.
    public func unpublish(_ id: ArtifactID) throws {
        let parked = layout.stagingPath + "/" + FileSystem.uniqueName(RegistryLayout.stagingPrefix)
        try FileSystem.makeDirectory(layout.stagingPath)
        try FileSystem.rename(layout.artifactPath(id), to: parked)
        try FileSystem.syncDirectory(layout.artifactsPath)
        try FileSystem.removeTree(parked)
    }

    /// Removes a staged artifact that will not be published, and gives hard-linked sources their permission bits
    /// back. Published files are never touched.
    public func discard(_ staged: StagedArtifact) throws {
        // The lease goes whatever happens: a directory that could not be removed (a disk that failed) is then
        // abandoned, and recovery removes it and gives linked sources their modes back from the record, which
        // stays for it. Holding the lock until the staged value happened to be freed made recovery skip it.
        defer { staged.lease.release() }
        // A directory already published under its id is gone from staging; only the lock is left to release.
        try FileSystem.removeTree(staged.stagingPath)
        Self.restorePermissions(staged.linkedSourceModes)
        Self.removeSourceModesRecord(of: staged.stagingPath)
    }

    /// Move mode: removes the sources of a registration that has fully succeeded. A source that cannot be removed
    /// is left behind, never lost. In hard-link and move modes, also drops the record of the sources' modes that
    /// recovery would otherwise use (FORMAT.md §6). Does nothing in other modes.
    public func removeMovedSources(of staged: StagedArtifact) {
        for source in staged.sourcesToRemove { try? FileSystem.removeTree(source) }
        Self.removeSourceModesRecord(of: staged.stagingPath)
    }
}
