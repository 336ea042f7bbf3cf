import Foundation

/// The changes of one alias, as an `AsyncSequence`: what an inference server listens to for hot-swapping.
///
/// ```swift
/// let changes = try registry.watch("document-classifier-champion")   // start watching first …
/// var model = try registry.openForLoading(alias: "document-classifier-champion")  // … then load
/// for await change in changes {
///     switch change {
///     case .promoted(_, let record), .rolledBack(_, let record):
///         guard record.artifact != model.artifact.id else { continue }
///         if let next = try? registry.openForLoading(alias: record.alias) { model = next }  // else keep the old one
///     case .retired: continue                          // keep serving what is loaded
///     case .targetRevoked(let id): stopServing(id)     // revoked: stop, or roll back and reload
///     }
/// }
/// ```
///
/// The sequence reports *state* changes relative to what it last delivered (the first time: the alias as it was
/// when ``Registry/watch(_:pollInterval:polling:)`` was called), so bursts coalesce: when a consumer is slow, or
/// three promotions land within a millisecond, the next element goes straight from the last delivered target to
/// the newest one, and the final state is never lost. A change that ends where it started (promote then roll
/// back) yields nothing. Retiring an alias and creating it again is seen as ``Change/retired(previous:)`` followed
/// by ``Change/promoted(from:to:)`` from nil.
///
/// What wakes it: inotify on `aliases/` and `states/` on Linux, kqueue on Darwin, plus a re-check every poll
/// interval; on network file systems (NFS, Lustre, CIFS …, where other machines' changes raise no notification)
/// or with `polling: true`, only the poll. Reading never locks and never writes.
///
/// Cancelling the consuming task (or dropping the iterator) stops the watcher and closes its descriptors. Iterate
/// it once, from one task; `Sendable`. The sequence never throws: an alias file that cannot be read (damaged,
/// or removed between two reads) is read again at the next wake-up, and nothing is reported until it can be.
public struct AliasWatch: AsyncSequence, Sendable {
    /// One change of the watched alias.
    public enum Change: Sendable, Hashable, CustomStringConvertible {
        /// The alias was pointed at a new target (`from` is nil when it did not exist: created, or re-created
        /// after a retirement). Load the new target, swap when the load succeeded, keep the old one otherwise.
        case promoted(from: ArtifactID?, to: AliasRecord)
        /// The alias was rolled back (`alias_rolled_back` in the audit log) from `from` to the record's target.
        /// Swap like a promotion — this is usually an emergency, so do it promptly.
        case rolledBack(from: ArtifactID, to: AliasRecord)
        /// The alias was removed. Nothing replaces the model: keep serving what is loaded (or drain and stop).
        case retired(previous: ArtifactID)
        /// The artifact the alias points at was revoked (lifecycle state `revoked`, FORMAT.md §12.4): it must not
        /// be served any more. Stop serving it; a rollback or promotion will follow as a separate change.
        case targetRevoked(ArtifactID)

        /// The artifact the alias points at after this change (nil after a retirement).
        public var target: ArtifactID? {
            switch self {
            case .promoted(_, let record), .rolledBack(_, let record): record.artifact
            case .retired: nil
            case .targetRevoked(let id): id
            }
        }

        /// `promoted sha256-… -> sha256-…`, `rolled back …`, `retired …`, `target revoked …`.
        public var description: String {
            switch self {
            case .promoted(let from, let record):
                "promoted \(from?.description ?? "(none)") -> \(record.artifact)"
            case .rolledBack(let from, let record): "rolled back \(from) -> \(record.artifact)"
            case .retired(let previous): "retired (was \(previous))"
            case .targetRevoked(let id): "target revoked \(id)"
            }
        }
    }

    /// How the watcher learns about changes.
    public enum Notification: Sendable, Hashable {
        /// File-system notifications (inotify, kqueue) plus a re-check every poll interval.
        case kernel
        /// Only a re-check every poll interval: network file systems, or because the caller asked.
        case polling
    }

    /// The watched alias.
    public let alias: String
    /// How often the state is re-read without a notification.
    public let pollInterval: Duration
    /// Whether kernel notifications drive it, or only polling. `.kernel` falls back to polling by itself when the
    /// kernel refuses a watcher (the inotify instance limit, `fs.inotify.max_user_instances`).
    public let notification: Notification
    let registry: Registry
    let baseline: AliasWatchSession.Snapshot
    let journalPosition: AuditJournal.Position?

    /// Starts the watcher's resources (descriptors, timers) for one traversal.
    public func makeAsyncIterator() -> Iterator {
        Iterator(
            session: AliasWatchSession(
                registry: registry, alias: alias, pollInterval: pollInterval, notification: notification,
                baseline: baseline, journalPosition: journalPosition))
    }

    /// The iterator of ``AliasWatch``: waits for the next change. Use it from one task at a time.
    public struct Iterator: AsyncIteratorProtocol {
        let session: AliasWatchSession

        /// The next change, or nil once the consuming task is cancelled (the watcher is then stopped).
        public mutating func next() async -> Change? {
            await session.next()
        }
    }
}
