import Foundation

extension Registry {
    /// The fewest hex digits an id prefix may have: as in git, shorter prefixes collide too often to be useful.
    public static let minimumIDPrefixLength = 8

    /// The suffix that turns an artifact name into "its newest artifact": `document-classifier:latest`.
    public static let latestSuffix = ":latest"

    /// The artifact a reference typed by a person names: what every CLI argument that takes an artifact accepts.
    ///
    /// People copy ids from logs, type aliases, and — coming from W&B, Hugging Face or Docker — type
    /// `name:latest` first. One resolver keeps those spellings the same everywhere. A reference is tried in
    /// this order, and the first form that matches wins:
    ///
    /// 1. a full id, `sha256-<64 hex digits>`: that artifact, which must be registered;
    /// 2. `NAME:latest`: the most recently registered artifact named `NAME` (highest sequence number of its
    ///    `artifact_registered` event in the audit log, as the index orders "most recent"). Neither artifact
    ///    names nor aliases may contain `:`, so this form never collides with the others;
    /// 3. an alias name: the artifact the alias points at now (a revoked target is returned too; whoever
    ///    serves it checks the state);
    /// 4. a unique prefix of at least ``minimumIDPrefixLength`` hex digits of a registered id, with or without
    ///    `sha256-`. An alias whose name is also a prefix of some id wins, as a git branch wins over an
    ///    abbreviated commit.
    ///
    /// ```swift
    /// let id = try registry.artifactID(matching: "3f9a01c2")              // unique prefix
    /// let newest = try registry.artifactID(matching: "document-classifier:latest")
    /// let live = try registry.artifactID(matching: "document-classifier-champion")   // alias
    /// ```
    ///
    /// - Parameter reference: the text as typed.
    /// - Returns: the id of a registered artifact.
    /// - Throws: `.ambiguous` when a prefix matches several artifacts (the message lists them all);
    ///   `.invalidArgument` for a hex prefix shorter than ``minimumIDPrefixLength`` that is not an alias, or an
    ///   empty reference; `.notFound` when nothing matches (the message says which forms were tried); I/O errors.
    /// - Complexity: a full id or an alias costs a `stat` or two; `NAME:latest` is an index query; a prefix lists
    ///   `artifacts/` once.
    public func artifactID(matching reference: String) throws -> ArtifactID {
        if reference.isEmpty {
            throw RegistryError(.invalidArgument, "an empty artifact reference names nothing")
        }
        if let id = ArtifactID(reference) {
            guard try artifacts.contains(id) else {
                throw RegistryError(
                    .notFound, "no artifact \(id) in registry '\(layout.rootPath)'", path: layout.artifactPath(id))
            }
            return id
        }
        if reference.hasSuffix(Self.latestSuffix) {
            return try newestArtifact(named: String(reference.dropLast(Self.latestSuffix.count)), reference: reference)
        }
        if (try? AliasName.check(reference)) != nil, let record = try currentRecord(reference) {
            return record.artifact
        }
        return try artifactID(matchingPrefix: reference)
    }

    /// The newest artifact registered under `name`, for `NAME:latest`.
    private func newestArtifact(named name: String, reference: String) throws -> ArtifactID {
        try NameRules.checkArtifactName(name, context: "reference '\(reference)'")
        guard let newest = try query(IndexQuery(name: name, limit: 1)).first else {
            throw RegistryError(
                .notFound, "'\(reference)': no artifact named '\(name)' in registry '\(layout.rootPath)'")
        }
        return newest.id
    }

    /// The one registered id that starts with the hex digits of `reference` (optionally after `sha256-`).
    private func artifactID(matchingPrefix reference: String) throws -> ArtifactID {
        let algorithm = "sha256-"
        let hex = reference.hasPrefix(algorithm) ? String(reference.dropFirst(algorithm.count)) : reference
        let isHex =
            !hex.isEmpty && hex.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
        guard isHex else {
            throw RegistryError(
                .notFound,
                "'\(reference)' matches no alias in registry '\(layout.rootPath)' and is not an artifact id, an id "
                    + "prefix or NAME:latest")
        }
        guard hex.count >= Self.minimumIDPrefixLength else {
            throw RegistryError(
                .invalidArgument,
                "'\(reference)' is too short for an id prefix: give at least \(Self.minimumIDPrefixLength) hex "
                    + "digits (and it is no alias)")
        }
        let candidates = try listArtifacts().filter { $0.digest.algorithm == "sha256" && $0.digest.hex.hasPrefix(hex) }
        guard let first = candidates.first else {
            throw RegistryError(.notFound, "no artifact id in registry '\(layout.rootPath)' starts with '\(hex)'")
        }
        guard candidates.count == 1 else {
            throw RegistryError(
                .ambiguous,
                "id prefix '\(reference)' is ambiguous; it matches \(candidates.count) artifacts: "
                    + candidates.map(\.description).joined(separator: ", ") + "; give more digits")
        }
        return first
    }

    /// Async twin of the blocking `artifactID(matching:)` (same parameters and errors), run on the registry's queue.
    public func artifactID(matching reference: String) async throws -> ArtifactID {
        try await run { try self.artifactID(matching: reference) }
    }
}
