import Dispatch
import Foundation

/// One traversal of an ``AliasWatch``: the notification sources, the wake-up stream, and what was last delivered.
///
/// Wake-ups go through an `AsyncStream` that keeps only the newest element, so any number of notifications
/// between two reads collapse into one re-read. `@unchecked Sendable`: the iterator uses it from one task at a
/// time (the `AsyncIteratorProtocol` contract); the dispatch sources only touch the stream's continuation.
final class AliasWatchSession: @unchecked Sendable {
    /// What the alias looked like: its record (nil: no alias), and whether that target is revoked.
    struct Snapshot: Sendable {
        var record: AliasRecord?
        var isRevoked: Bool
    }

    private let registry: Registry
    private let alias: String
    private let pollInterval: Duration
    private let notification: AliasWatch.Notification
    private var delivered: Snapshot
    private var journalPosition: AuditJournal.Position?
    private var wakes: AsyncStream<Void>.Iterator?
    private var continuation: AsyncStream<Void>.Continuation?
    private var sources: WakeSources?
    private let queue = DispatchQueue(label: "modelregistry.watch")

    init(
        registry: Registry, alias: String, pollInterval: Duration, notification: AliasWatch.Notification,
        baseline: Snapshot, journalPosition: AuditJournal.Position?
    ) {
        self.registry = registry
        self.alias = alias
        self.pollInterval = pollInterval
        self.notification = notification
        self.delivered = baseline
        self.journalPosition = journalPosition
    }

    deinit {
        stop()
    }

    /// Reads the alias and its target's state; nil when either cannot be read right now (a damaged file, an I/O
    /// error), so that nothing is reported until it can be.
    static func snapshot(_ registry: Registry, alias: String) -> Snapshot? {
        do {
            guard let record = try registry.aliases.record(alias) else {
                return Snapshot(record: nil, isRevoked: false)
            }
            return Snapshot(record: record, isRevoked: try registry.states.state(of: record.artifact) == .revoked)
        } catch {
            return nil
        }
    }

    func next() async -> AliasWatch.Change? {
        start()
        while true {
            if Task.isCancelled {
                stop()
                return nil
            }
            if let change = check() { return change }
            guard await wakes?.next() != nil else {
                stop()
                return nil
            }
        }
    }

    /// Compares the alias now with what was last delivered; the change to deliver, if any.
    private func check() -> AliasWatch.Change? {
        sources?.monitor?.watch(registry.layout.aliasesPath)  // created after the watch started, or re-created
        sources?.monitor?.watch(registry.layout.statesPath)
        guard let now = Self.snapshot(registry, alias: alias) else { return nil }
        let before = delivered
        switch (before.record, now.record) {
        case (nil, nil):
            return nil
        case (let old?, nil):
            delivered = now
            advanceJournal()
            return .retired(previous: old.artifact)
        case (nil, let new?):
            delivered = Snapshot(record: new, isRevoked: false)  // a revocation is reported next
            advanceJournal()
            return .promoted(from: nil, to: new)
        case (let old?, let new?) where old.artifact != new.artifact:
            delivered = Snapshot(record: new, isRevoked: false)
            return lastMoveWasRollback()
                ? .rolledBack(from: old.artifact, to: new) : .promoted(from: old.artifact, to: new)
        case (_, let new?):
            delivered = now
            return now.isRevoked && !before.isRevoked ? .targetRevoked(new.artifact) : nil
        }
    }

    /// Whether the newest move of the alias logged since the last check was a rollback. The event is appended
    /// before the alias file is replaced (FORMAT.md §9.4), so the move just read from the file is in the log.
    private func lastMoveWasRollback() -> Bool {
        guard let (events, end) = try? registry.journal.events(after: journalPosition) else { return false }
        journalPosition = end
        var rollback = false
        for event in events where Registry.aliasEventTypes.contains(event.type) {
            guard let decoded = try? event.decode(AliasEvent.self), case .moved(let moved) = decoded,
                moved.record.alias == alias
            else { continue }
            rollback = moved.kind == .rollback
        }
        return rollback
    }

    /// Skips the log past events already accounted for, so the next read stays short.
    private func advanceJournal() {
        if let (_, end) = try? registry.journal.events(after: journalPosition) { journalPosition = end }
    }

    /// Creates the wake-up stream and its sources on first use.
    private func start() {
        guard wakes == nil else { return }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wakes = stream.makeAsyncIterator()
        self.continuation = continuation
        var monitor: DirectoryMonitor?
        if notification == .kernel {
            monitor = try? DirectoryMonitor(queue: queue, onChange: { continuation.yield() })
            monitor?.watch(registry.layout.rootPath)  // aliases/ or states/ appearing
            monitor?.watch(registry.layout.aliasesPath)
            monitor?.watch(registry.layout.statesPath)
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let nanoseconds =
            min(pollInterval.components.seconds, 86_400) * 1_000_000_000 + pollInterval.components.attoseconds
            / 1_000_000_000
        let interval = DispatchTimeInterval.nanoseconds(Int(nanoseconds))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { continuation.yield() }
        timer.resume()
        let sources = WakeSources(monitor: monitor, timer: timer)
        self.sources = sources
        continuation.onTermination = { _ in sources.cancel() }
    }

    /// Stops the sources and closes the descriptors. Idempotent.
    func stop() {
        sources?.cancel()
        sources = nil
        continuation?.finish()
        continuation = nil
    }
}

/// What wakes a session: the directory monitor (absent when polling) and the poll timer. Cancelled from the
/// session or from the stream's termination handler, whichever comes first; `@unchecked Sendable` because both
/// members are cancelled under the lock and never touched otherwise.
final class WakeSources: @unchecked Sendable {
    let monitor: DirectoryMonitor?
    private let timer: any DispatchSourceTimer
    private let lock = NSLock()
    private var isCancelled = false

    init(monitor: DirectoryMonitor?, timer: any DispatchSourceTimer) {
        self.monitor = monitor
        self.timer = timer
    }

    /// Stops both; the monitor closes its descriptors. Idempotent.
    func cancel() {
        lock.lock()
        defer { lock.unlock() }
        guard !isCancelled else { return }
        isCancelled = true
        monitor?.cancel()
        timer.cancel()
    }
}
