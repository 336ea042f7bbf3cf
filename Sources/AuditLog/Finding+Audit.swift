import RegistryCore

/// The kinds of problem audit log verification reports (``AuditJournal/Verification``).
///
/// An audit finding's `Finding.path` is the day file relative to the registry root
/// (`audit/2026-11-23.jsonl`) and its `Finding.line` is the line in that file, from 1.
extension Finding.Kind {
    /// The line is not an event: not canonical JSON, a missing or extra member, a member of the wrong type, an
    /// empty line, or a line over ``AuditJournal/maximumLineLength``.
    public static let malformedLine: Self = "malformed_line"
    /// The line was changed after it was written: its hash no longer matches the `previousHash` the next line
    /// recorded, its own `previousHash` was changed, or its sequence number was changed while its link to the
    /// line before still holds.
    public static let editedLine: Self = "edited_line"
    /// Sequence numbers jump forward here: events were removed.
    public static let missingLines: Self = "missing_lines"
    /// A sequence number that the chain has already passed, with no matching gap: a line was inserted or
    /// duplicated.
    public static let insertedLine: Self = "inserted_line"
    /// Lines are in the wrong order: an event appears after a gap that it belongs in.
    public static let reorderedLines: Self = "reordered_lines"
    /// The `time` member is not a valid RFC 3339 time.
    public static let invalidTime: Self = "invalid_time"
    /// The event's UTC day is later than its file's day, which a writer never does: the line was moved or its
    /// time edited.
    public static let misplacedEvent: Self = "misplaced_event"
    /// The newest file ends with an incomplete line (no final newline) or a final line that is not an event: the
    /// mark of a crash during an append. ``AuditJournal/repairTornTail(actor:)`` repairs it.
    public static let tornTail: Self = "torn_tail"
}
