/// The kinds of problem ``Registry/fsck(depth:)`` and ``Registry/checkLog(against:)`` report about signed
/// checkpoints of the audit log (FORMAT.md §9.6). Paths are relative to the registry root.
extension Finding.Kind {
    /// A trusted checkpoint whose head hash differs from the hash of the log's event at its size, or whose origin
    /// names another log: the log was edited, truncated and re-grown, or re-chained after the checkpoint was signed.
    public static let checkpointMismatch: Self = "checkpoint_mismatch"
    /// A trusted checkpoint of more events than the log holds: events it covers were dropped.
    public static let logShorterThanCheckpoint: Self = "log_shorter_than_checkpoint"
    /// A checkpoint that no trusted key signed; it anchors nothing.
    public static let untrustedCheckpoint: Self = "untrusted_checkpoint"
    /// A checkpoint file that is not a well-formed signed note, is named for another size, or carries a signature
    /// by a trusted key that does not verify (the note was altered after it was signed).
    public static let damagedCheckpoint: Self = "damaged_checkpoint"
}
