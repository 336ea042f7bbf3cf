import RegistryCore

/// Where a backup's entries go: a backup directory (incremental) or a tar file (whole). Paths are relative to
/// the registry root and use `/`.
protocol BackupSink {
    /// The artifacts an earlier run already copied (none for a tar).
    func existingArtifacts() throws -> Set<ArtifactID>
    /// Records that a run starts, before anything changes; `evicting` are artifacts evicted since an earlier run
    /// copied them. Returns those plus any an interrupted run handed on, to drop in ``cleanUp(removing:dropping:)``.
    mutating func begin(evicting: Set<ArtifactID>) throws -> Set<ArtifactID>
    /// Starts one artifact's entries.
    mutating func beginArtifact(_ id: ArtifactID) throws
    /// Ends them: the artifact is complete in the backup from here on. Into an earlier copy (an artifact fetched
    /// since) only the files it lacks are added.
    mutating func endArtifact(_ id: ArtifactID) throws
    /// A directory inside an artifact (or `audit`).
    mutating func addDirectory(_ path: String) throws
    /// A regular file copied from `source`, or a hard link to the earlier entry `linkTo`. Returns bytes written.
    mutating func addFile(_ path: String, source: String, size: Int64, mode: UInt32, linkTo: String?) throws -> Int64
    /// Whether the backup already holds a file at `path` (a signature an earlier run copied).
    func hasFile(_ path: String) throws -> Bool
    /// The size of the regular file an earlier run copied to `path`, or nil (always nil for a tar).
    func existingSize(_ path: String) throws -> Int64?
    /// Appends `[base, size)` of the live journal file `source` to the backup's copy of `path`.
    mutating func continueLog(_ path: String, source: String, from base: Int64, to size: Int64) throws -> Int64
    /// Writes the snapshot's views and drops views it no longer has.
    mutating func writeViews(_ snapshot: RegistrySnapshot) throws
    /// Makes everything durable, then writes `marker` last: only now does the backup count as complete.
    mutating func finish(marker: BackupMarker) throws
    /// After the marker is durable: removes artifacts the snapshot no longer has and the given bundle files of
    /// artifacts evicted since, then the record of the run.
    mutating func cleanUp(removing gone: [ArtifactID], dropping: [(id: ArtifactID, paths: [String])]) throws
    /// Called when the run failed: a tar's temporary file is removed; a directory stays marked incomplete.
    mutating func abandon()
}
