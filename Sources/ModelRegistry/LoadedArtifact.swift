/// An artifact opened for loading: what an inference server gets from ``Registry/openForLoading(alias:)-1ujxb``.
///
/// It names exactly what was loaded — the alias record read once, the artifact it pointed at, and how that
/// artifact was verified — so a server can log which model it serves and why a start was slow. `Sendable`.
public struct LoadedArtifact: Sendable {
    /// The alias record that was resolved, or nil when the artifact was opened by id.
    public let alias: AliasRecord?
    /// The verified artifact: its manifest and read-only file URLs, ready to mmap.
    public let artifact: Artifact
    /// The load-time verification: quick checks plus a stamp comparison. Always clean here (an unclean one throws).
    public let verification: VerificationReport
    /// The on-demand fetch that brought an evicted artifact's bytes back before it was loaded (FORMAT.md §14.4),
    /// or nil when its bytes were here.
    public let fetched: Registry.FetchReport?

    /// The files that had to be re-hashed, and why (``VerificationReport/Rehash/Reason``): empty when every stamp
    /// matched, which is the normal case after a copy-mode registration or `modelreg verify --deep`.
    public var rehashed: [VerificationReport.Rehash] { verification.rehashed }
    /// Bytes re-hashed to verify the artifact (0 when every stamp matched).
    public var bytesHashed: Int64 { verification.bytesHashed }

    /// Creates a result; the registry makes these.
    public init(
        alias: AliasRecord?, artifact: Artifact, verification: VerificationReport, fetched: Registry.FetchReport? = nil
    ) {
        self.alias = alias
        self.artifact = artifact
        self.verification = verification
        self.fetched = fetched
    }
}
