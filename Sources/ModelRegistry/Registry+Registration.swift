import Foundation

extension Registry {
    /// Registers a training run's output directory as one artifact, together with the documents that describe it:
    /// its parents (by id or alias), its contract, its evaluation card and its lineage.
    ///
    /// The documents are written into the artifact at their bundle paths — `contract.json`,
    /// `evaluation-card.json`, `lineage.json` (FORMAT.md §5.7) — so the id covers them like every other file.
    /// `directory` is never modified: the documents are generated into staging, not into it. Parents given as
    /// aliases are resolved to their current targets when the registration starts; the manifest records the ids
    /// (after `metadata.parents`), and the lineage, when given, records the same ids plus the alias each was
    /// given as.
    ///
    /// ```swift
    /// let registration = try registry.register(
    ///     directory: output, metadata: ArtifactMetadata(name: "document-classifier"),
    ///     parents: [.alias("base-champion")], contract: contract, card: card, lineage: lineage,
    ///     progress: { print("\($0.phase) \($0.bytesCompleted)/\($0.bytesTotal) bytes") })
    /// ```
    ///
    /// Copies and hashes without the writer lock, then takes the lock only to publish. Registering identical
    /// content and metadata twice returns the existing artifact (`isNew == false`) — without reading a byte when
    /// the source-digest cache knows every file (FORMAT.md §10.2; `options.rehash` reads them all). A file whose
    /// bytes another artifact already stores becomes a hard link to that file (`Registration.deduplicated`).
    ///
    /// - Parameters:
    ///   - directory: the output directory; every regular file under it is registered, except what
    ///     `options.excludes` and the ignore file `.modelregignore` leave out (by default `.git/`, `.hg/`, `.svn/`
    ///     and `.DS_Store`; FORMAT.md §5.8). `Registration.excluded` names them.
    ///   - metadata: name, capabilities, parents by id, labels.
    ///   - parents: more parents, by id or alias, appended to `metadata.parents`.
    ///   - contract: written as `contract.json` when given.
    ///   - card: written as `evaluation-card.json` when given.
    ///   - lineage: written as `lineage.json` when given; its `parents` must be empty or equal the manifest's
    ///     (the registry fills them), and its `parentAliases` are replaced by the aliases in `parents`.
    ///   - options: how files are brought in (copy, hard link, move, reflink …).
    ///   - progress: told how far the registration has come (see ``RegistrationProgress``); nil reports nothing.
    ///   - actor: who registers, for the audit event; the configuration's actor by default.
    /// - Returns: the artifact and whether it is new.
    /// - Throws: `.alreadyExists` when `directory` already holds a file the registration would generate (naming
    ///   it); `.notFound` for a parent alias that does not exist or a parent id not in the registry (unless
    ///   `options.allowForeignParents`); `.revoked` for an alias pointing at a revoked artifact; `.invalidArgument` for a parent listed twice or lineage parents that disagree with the
    ///   manifest's; `.invalidDocument` naming the document and field that cannot be written; everything
    ///   `FileArtifactStore.stage(files:metadata:options:progress:)` throws; `.lockTimeout`.
    /// - Durability: everything is on stable storage when this returns.
    public func register(
        directory: URL, metadata: ArtifactMetadata, parents: [ArtifactReference] = [],
        contract: ModelContract? = nil, card: EvaluationCard? = nil, lineage: Lineage? = nil,
        options: FileArtifactStore.IngestOptions = .init(),
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil, actor: String? = nil
    ) throws -> Registration {
        let context = directory.standardizedFileURL.path
        var metadata = metadata
        var aliases: [ArtifactID: String] = [:]
        for reference in parents {
            // An id is checked with the metadata's parents when staging starts (or not, with allowForeignParents).
            let id: ArtifactID
            switch reference {
            case .id(let given): id = given
            case .alias(let name): id = try resolve(name).artifact
            }
            guard !metadata.parents.contains(id) else {
                throw RegistryError(
                    .invalidArgument,
                    "\(context) (parents): \(reference) is \(id), which is already a parent; list each parent once")
            }
            metadata.parents.append(id)
            if case .alias(let name) = reference { aliases[id] = name }
        }
        var generated: [FileArtifactStore.GeneratedFile] = []
        if let contract {
            generated.append(.init(path: ModelContract.fileName, contents: try contract.fileBytes()))
        }
        if let card {
            generated.append(.init(path: EvaluationCard.fileName, contents: try card.fileBytes()))
        }
        if var lineage {
            guard lineage.parents.isEmpty || lineage.parents == metadata.parents else {
                throw RegistryError(
                    .invalidArgument,
                    "\(context) (lineage.parents): \(lineage.parents.map(\.description)) differs from the manifest's "
                        + "parents \(metadata.parents.map(\.description)); leave lineage.parents empty and give "
                        + "parents in the metadata or as references: the registry copies them into the lineage")
            }
            lineage.parents = metadata.parents
            lineage.parentAliases = aliases
            generated.append(.init(path: Lineage.fileName, contents: try lineage.fileBytes()))
        }
        if !isReadOnly,
            let unchanged = artifacts.unchangedRegistration(
                directory: directory, metadata: metadata, options: options, generated: generated)
        {
            return unchanged  // nothing changed since it was registered: nothing to read, stage or record
        }
        let staged = try artifacts.stage(
            directory: directory, metadata: metadata, options: options, context: context, generated: generated,
            progress: progress)
        return try publish(staged, actor: actor)
    }

    /// Registers an explicit list of files as one artifact. See
    /// ``register(directory:metadata:parents:contract:card:lineage:options:progress:actor:)-75nnw``.
    ///
    /// - Parameters:
    ///   - files: the source files and their bundle paths.
    ///   - metadata: name, capabilities, parents, labels.
    ///   - options: how files are brought in.
    ///   - progress: told how far the registration has come; nil reports nothing.
    ///   - actor: who registers, for the audit event; the configuration's actor by default.
    /// - Throws: see `FileArtifactStore.stage(files:metadata:options:progress:)`; `.lockTimeout`.
    /// - Durability: everything is on stable storage when this returns.
    public func register(
        files: [FileArtifactStore.SourceFile], metadata: ArtifactMetadata,
        options: FileArtifactStore.IngestOptions = .init(),
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil, actor: String? = nil
    ) throws -> Registration {
        if !isReadOnly,
            let unchanged = artifacts.unchangedRegistration(files: files, metadata: metadata, options: options)
        {
            return unchanged
        }
        return try publish(
            artifacts.stage(files: files, metadata: metadata, options: options, progress: progress), actor: actor)
    }
}
