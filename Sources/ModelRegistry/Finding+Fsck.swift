/// The kinds of problem ``Registry/fsck(depth:)`` reports besides the verification, audit and index kinds. Paths
/// are relative to the registry root.
extension Finding.Kind {
    /// An alias, state, signature or policy file that does not parse (only a damaged disk or a person makes one).
    public static let damagedView: Self = "damaged_view"
    /// An alias, state, signature or policy file that says something else than its last event in the log.
    public static let viewDiffersFromLog: Self = "differs_from_log"
    /// A file the log says exists (an alias, a state, a signature, the policy) is missing.
    public static let viewMissing: Self = "missing_view"
    /// A file the log has no event for (an alias, a state, a signature, a policy nobody set).
    public static let viewNotInLog: Self = "not_in_log"
    /// An artifact directory without an `artifact_registered` event.
    public static let unregisteredArtifact: Self = "unregistered_artifact"
    /// An artifact the log registered, whose directory is missing.
    public static let missingArtifact: Self = "missing_artifact"
    /// An alias whose target is not in the registry.
    public static let danglingAlias: Self = "dangling_alias"
    /// An alias whose target was revoked.
    public static let aliasToRevoked: Self = "alias_to_revoked"
    /// An event of a known type whose payload is not the documented one (FORMAT.md §9.3).
    public static let badPayload: Self = "bad_payload"
    /// An artifact directory still in `artifacts/` although the log's last word on it is `artifact_collected`: a
    /// removal a crash interrupted (``Registry/recover(actor:)-7k7gj`` finishes it).
    public static let collectedArtifactPresent: Self = "collected_artifact_present"
    /// Something the garbage collector could not read while deciding; what it could have protected was kept.
    public static let undecidedCollection: Self = "undecided_collection"
    /// A private key stored inside the registry (keys belong outside it).
    public static let privateKeyInRegistry: Self = "private_key"
}

extension Finding.Kind {
    /// An artifact the log says is evicted whose bundle files (some or all) are still present: an eviction or a
    /// fetch a crash interrupted, which recovery finishes (FORMAT.md §14.4).
    public static let evictedFilesPresent: Self = "evicted_files_present"
}
