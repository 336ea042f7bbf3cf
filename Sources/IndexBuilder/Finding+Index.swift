import RegistryCore

/// The kinds of problem an index rebuild, scan or status check reports (``RegistryIndex/Report``,
/// ``RegistryIndex/Status``).
///
/// An index finding's `Finding.path` is the file concerned as the index opened it (the registry root path
/// joined with the file's registry-relative path), or `""` when the problem concerns no one file.
extension Finding.Kind {
    /// An artifact's `manifest.json` could not be read, did not parse, or did not hash to its directory name. The
    /// artifact is left out of the index.
    public static let unreadableManifest: Self = "unreadable_manifest"
    /// A bundle's `lineage.json` could not be read, did not match its manifest entry, or did not parse as
    /// `{"parents": [<artifact id>, …]}`. Its parents are ignored; the artifact is indexed.
    public static let malformedLineage: Self = "malformed_lineage"
    /// An audit line could not be read, or an event's payload was not usable. The event is ignored.
    public static let unusableAuditEvent: Self = "unusable_audit_event"
    /// A stored index file was missing, damaged or inconsistent (and, in a rebuild report, was replaced).
    public static let damagedIndex: Self = "damaged_index"
    /// The stored index does not describe the registry any more (see ``RegistryIndex/Stamp``), or none is stored.
    public static let staleIndex: Self = "stale_index"
}
