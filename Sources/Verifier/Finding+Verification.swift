import RegistryCore

/// The kinds of problem artifact verification reports (``VerificationReport``).
///
/// A verification finding's `Finding.path` is relative to the artifact directory (`""` for the artifact as a
/// whole).
extension Finding.Kind {
    /// `manifest.json` is missing, unreadable, not strict canonical JSON, or invalid.
    public static let badManifest: Self = "bad_manifest"
    /// The manifest does not hash to the artifact's id.
    public static let idMismatch: Self = "id_mismatch"
    /// A listed file is missing.
    public static let missingFile: Self = "missing_file"
    /// A listed file is a link, directory or device instead of a regular file.
    public static let notARegularFile: Self = "not_a_regular_file"
    /// A listed file has another size than the manifest says.
    public static let sizeMismatch: Self = "size_mismatch"
    /// A listed file's bytes do not hash to the manifest's digest.
    public static let digestMismatch: Self = "digest_mismatch"
    /// A file that the manifest does not list.
    public static let unlistedFile: Self = "unlisted_file"
    /// A published file is writable (published files are read-only).
    public static let writableFile: Self = "writable_file"
    /// A file changed since it was last verified (stamp differs) and must be re-hashed.
    public static let stampChanged: Self = "stamp_changed"
    /// A signature file is malformed, made by an unknown key, or does not verify.
    public static let badSignature: Self = "bad_signature"
    /// Fewer valid signatures from trusted keys than required.
    public static let missingSignature: Self = "missing_signature"
    /// `contract.json` or `evaluation-card.json` is invalid.
    public static let badDocument: Self = "bad_document"
    /// The artifact's lifecycle state file (`states/<id>.json`, the finding's path, relative to the registry root)
    /// cannot be read: damaged, or naming a state that does not exist. `recover()` rewrites it from the log.
    public static let badStateFile: Self = "bad_state_file"
    /// The artifact's bundle bytes were evicted (FORMAT.md §14.4): only its manifest (and signatures) could be
    /// checked. The message names the remote it can be fetched from. `fsck` leaves this out: there an eviction is
    /// checked against the log instead.
    public static let evicted: Self = "evicted"
}
