import Foundation

/// One kind of mutable state, seen from the registry's single write path: it alone knows its files, the change
/// a caller asks for, and the typed event that records it.
///
/// ``Registry/commit(_:to:actor:)`` drives every write through the same steps (FORMAT.md §9.4). For the views the
/// log can re-derive (aliases, states, signatures, the policy) the event comes first: lock → ``check(_:in:)`` →
/// append the event → ``apply(_:as:in:)`` → update the index cache. Artifacts keep bytes first
/// (``writesBytesFirst``): publish, append, ``undo(_:in:)`` if the append failed, ``finish(_:in:)``.
/// ``Registry/recover(actor:)`` and ``Registry/fsck(depth:)`` compare each store's files with the log through
/// ``discrepancies(lastEvents:)``, and recovery rewrites them from the log with ``restore(_:to:)``.
protocol JournaledStore {
    /// What a caller asks for (promote, set a state, sign …).
    associatedtype Change
    /// The typed payload written to the log for the change.
    associatedtype Event: AuditPayload

    /// The prefix of this store's crash points (`alias` gives `alias.afterEvent`, `alias.afterStateChange`).
    var name: String { get }
    /// Whether the file is written before the event (artifacts: an event must never name missing bytes).
    var writesBytesFirst: Bool { get }

    /// Validates a change against the current files (compare-and-swap, existence, policy) and returns the event
    /// that will record it, or nil when the change would change nothing. Writes nothing.
    func check(_ change: Change, in transaction: Transaction) throws -> Event?
    /// Makes the change on disk: the atomic write the event describes.
    func apply(_ change: Change, as event: Event, in transaction: Transaction) throws
    /// Bytes-first stores: reverses ``apply(_:as:in:)`` after the event could not be appended. Throws when the
    /// bytes could not be taken back out; they must then stay where recovery finds and records them.
    func undo(_ change: Change, in transaction: Transaction) throws
    /// Bytes-first stores: runs after the event is durable.
    func finish(_ change: Change, in transaction: Transaction)

    /// The thing an event is about (an alias name, an artifact id, a signature file), so a replay of the log can
    /// keep the last event per key.
    func key(of event: Event) -> String
    /// Every difference between the files and what the log's last event of each key says they hold, each with
    /// its key and a finding naming the file (registry-relative). Read-only.
    func discrepancies(lastEvents: [String: Event]) throws -> [Discrepancy]
    /// Rewrites the files of `key` to what `event` — the key's last event in the log, nil when it has none —
    /// says they hold. Returns false when the event does not carry what the file needs (events written before
    /// the payload carried it), leaving the file as it is.
    func restore(_ key: String, to event: Event?) throws -> Bool
    /// ``restore(_:to:)``, told whether `event` is the log's last event — the one change a crash can have left
    /// half done. A store whose restore would delete bytes (an eviction) does so only then: any other difference
    /// is damage or a hand's work, and bytes are never deleted on the log's word alone. The default ignores it.
    func restore(_ key: String, to event: Event?, isLogsLastEvent: Bool) throws -> Bool
    /// Whether the file `event` describes holds what it says (one read; false when the file is missing or
    /// damaged). Bytes-first stores answer true: their bytes come before the event.
    func isMaterialized(_ event: Event) throws -> Bool
    /// The artifact whose directory holds the file of `key`, for files that live inside it (signatures): an
    /// `artifact_collected` event removed them with it, so a replay forgets the key's earlier events. Nil (the
    /// default) for files outside artifact directories, which a removal leaves.
    func artifactDirectoryHolding(_ key: String) -> ArtifactID?
}

extension JournaledStore {
    var writesBytesFirst: Bool { false }
    func isMaterialized(_ event: Event) throws -> Bool { true }
    func undo(_ change: Change, in transaction: Transaction) throws {}
    func finish(_ change: Change, in transaction: Transaction) {}
    func restore(_ key: String, to event: Event?, isLogsLastEvent: Bool) throws -> Bool {
        try restore(key, to: event)
    }
    func artifactDirectoryHolding(_ key: String) -> ArtifactID? { nil }
}

/// A file that differs from what the log says, found by replaying the log.
struct Discrepancy {
    /// The store's key of the file (see ``JournaledStore/key(of:)``).
    var key: String
    /// What is wrong, naming the file.
    var finding: Finding
}

/// What one write sees while it holds the writer lock.
final class Transaction {
    /// The registry written to.
    let registry: Registry
    /// Who is acting.
    let actor: String
    /// The time of the change, RFC 3339 UTC with milliseconds (one reading of the configured clock).
    let time: String

    init(registry: Registry, actor: String) throws {
        let now = registry.configuration.clock()
        guard let time = Timestamp.format(now) else {
            throw RegistryError(
                .invalidArgument, "the clock reads \(now), outside the years 0000-9999 a registry can record")
        }
        self.registry = registry
        self.actor = actor
        self.time = time
    }
}

/// A change that was made: its typed payload and the audit event that records it.
struct Committed<Event: AuditPayload> {
    var payload: Event
    var event: AuditEvent
}

extension Registry {
    /// The one write path (FORMAT.md §9.4).
    ///
    /// - Returns: the change and its event, or nil when the store found nothing to change.
    /// - Throws: what `check` throws (nothing was written); `.lockTimeout`; `.reentrantWrite` when called from
    ///   inside another write; I/O errors. For a view, a failure after the event was appended means the change
    ///   is recorded (the log is the authority) and its file not yet written: the error says so, and
    ///   ``recover(actor:)`` writes the file. For an artifact, a failed append takes the artifact back out.
    /// - Durability: each step is synced before the next.
    func commit<Store: JournaledStore>(
        _ change: Store.Change, to store: Store, actor: String?
    ) throws -> Committed<Store.Event>? {
        try withWriterLock { try commitHoldingLock(change, to: store, actor: actor) }
    }

    /// ``commit(_:to:actor:)`` for a caller that already holds the writer lock (the garbage collector, which
    /// plans and removes under one lock hold).
    func commitHoldingLock<Store: JournaledStore>(
        _ change: Store.Change, to store: Store, actor: String?
    ) throws -> Committed<Store.Event>? {
        do {
            let transaction = try Transaction(registry: self, actor: actor ?? configuration.actor)
            try completeInterruptedChange()
            guard let payload = try store.check(change, in: transaction) else { return nil }
            let event: AuditEvent
            if store.writesBytesFirst {
                // A failure before the event — of the write itself (a rename that happened but whose directory
                // could not be synced) or of the append — takes the bytes back out, so that nothing changed.
                func undo(after error: any Error) -> any Error {
                    do {
                        try store.undo(change, in: transaction)
                        return error
                    } catch let undoError {
                        let failed = error as? RegistryError
                        return RegistryError(
                            failed?.code ?? .io,
                            "\(failed?.message ?? "\(error)"); its bytes may still be published, because taking them "
                                + "back out failed too (\(undoError)): 'modelreg recover' (Registry.recover) settles "
                                + "it, registering them if they are",
                            path: failed?.path, underlying: error)
                    }
                }
                do {
                    try store.apply(change, as: payload, in: transaction)
                } catch {
                    throw undo(after: error)
                }
                CrashPoint.hit("\(store.name).afterStateChange")
                do {
                    event = try journal.append(payload, actor: transaction.actor)
                } catch {
                    // When the event may be in the log, the bytes it names stay: recovery settles it (the
                    // publishing mark is still there, so an artifact without its event is registered).
                    if AppendOutcomeUnknown.isCause(of: error) { throw error }
                    throw undo(after: error)
                }
                CrashPoint.hit("\(store.name).afterEvent")
                store.finish(change, in: transaction)
            } else {
                event = try journal.append(payload, actor: transaction.actor)
                CrashPoint.hit("\(store.name).afterEvent")
                do {
                    try store.apply(change, as: payload, in: transaction)
                } catch {
                    let code = (error as? RegistryError)?.code ?? .io
                    throw RegistryError(
                        code,
                        "the change was recorded as audit event #\(event.sequence) (\(event.type)), but its file "
                            + "could not be written: \(error); resolving reads the change from the log, and 'modelreg "
                            + "recover' (or the next write) writes its file from the log",
                        path: (error as? RegistryError)?.path, underlying: error)
                }
                CrashPoint.hit("\(store.name).afterStateChange")
            }
            updateIndexesAfterWrite()  // a cache: never fails the write
            writeAutomaticCheckpoint()
            return Committed(payload: payload, event: event)
        }
    }

    /// A writer that died between its event and its file left the file behind the log: write it from the log's
    /// last event before anything reads it for the next change (compare-and-swap, `previousState`). The caller
    /// holds the writer lock. Costs reading the log's last line and one file.
    func completeInterruptedChange() throws {
        guard let last = try journal.lastEvent() else { return }
        if let collected = (try? last.decode(ArtifactCollected.self)) ?? nil {
            _ = try finishMarkedRemoval(of: collected.artifact)  // a removal whose directory is still there
            return
        }
        for view in viewStores() where try view.completeIfInterrupted(last) { return }
    }

    /// Runs `body` holding the cross-process writer lock; once the lock is released, starts a compaction of the
    /// query index in the background when the write left one due (never inside the write).
    func withWriterLock<R>(_ body: () throws -> R) throws -> R {
        try requireWritable()
        defer { compactIndexInBackgroundIfDue() }
        return try writerLock.withLock(timeout: configuration.lockTimeout, body)
    }

    /// Fails with `.unsupportedOperation` on a registry opened read-only.
    func requireWritable() throws {
        guard !isReadOnly else {
            throw RegistryError(
                .unsupportedOperation,
                "registry '\(layout.rootPath)' was opened read-only (forWriting: false); open it for writing to change it",
                path: layout.rootPath)
        }
    }
}

/// One store's side of a single pass over the log: keeps the last event per key, then compares (fsck) or
/// restores (recovery) the store's files.
struct LogReplay {
    /// Takes the next event of the log: true when it is one of this store's (and decoded), false when it is not;
    /// throws the decoding error of one of this store's events whose payload is not the documented one.
    let take: (AuditEvent) throws -> Bool
    let discrepancies: () throws -> [Finding]
    /// Takes the next event of the log, ignoring one whose payload does not decode (fsck reports those).
    func observe(_ event: AuditEvent) { _ = try? take(event) }

    /// Notes that the next line of the log is damaged (not an event): any key whose last readable event comes
    /// before it may have had a later change there, so ``restore`` reports its file instead of rewriting it.
    let noteDamagedLine: () -> Void

    /// Restores every file that differs from the log. `lastEvent` is the log's last event: the one change a
    /// crash can have left half done, which is completed rather than reported as damage.
    let restore: (_ lastEvent: AuditEvent?, _ report: inout Registry.RecoveryReport) throws -> Void

    /// Replays every key of `store`; or, with `key`, only that key, whose last event is `last`.
    init<Store: JournaledStore>(_ store: Store, only key: String? = nil, last event: Store.Event? = nil) {
        let last = Box<[String: Store.Event]>([:])
        // What the key of this store's newest event held before that event: a file still holding it is the
        // change a crash interrupted.
        let beforeNewest = Box<(key: String, event: Store.Event?)?>(nil)
        // The keys whose last readable event comes before the log's last damaged line; nil while no line is
        // damaged, so an intact log (fsck of a million events) pays nothing for it.
        let unsettled = Box<Set<String>?>(nil)
        if let key, let event { last.value[key] = event }
        // Keys of files inside artifact directories, by artifact: a removal forgets them (see
        // `artifactDirectoryHolding`). Filled only for stores whose files live there.
        let keysInside = Box<[ArtifactID: [String]]>([:])
        take = { event in
            if key == nil, event.type == .artifactCollected,
                let removed = (try? event.decode(ArtifactCollected.self)) ?? nil,
                let keys = keysInside.value.removeValue(forKey: removed.artifact)
            {
                for gone in keys { last.value[gone] = nil }
                return false
            }
            // A payload that does not decode says nothing about the files; fsck reports it.
            guard key == nil, let payload = try event.decode(Store.Event.self) else { return false }
            let eventKey = store.key(of: payload)
            if let holder = store.artifactDirectoryHolding(eventKey) {
                keysInside.value[holder, default: []].append(eventKey)
            }
            beforeNewest.value = (eventKey, last.value[eventKey])
            last.value[eventKey] = payload
            unsettled.value?.remove(eventKey)
            return true
        }
        noteDamagedLine = { unsettled.value = Set(last.value.keys) }
        let differences = { try store.discrepancies(lastEvents: last.value).filter { key == nil || $0.key == key } }
        discrepancies = { try differences().map(\.finding) }
        restore = { lastEvent, report in
            let found = try differences()
            // The log's newest event is this store's, and its file still holds what it held before: the one
            // change a crash can have left half done (the event is written first).
            var inFlight: String?
            if let newest = (try? lastEvent?.decode(Store.Event.self)) ?? nil, let before = beforeNewest.value,
                before.key == store.key(of: newest), found.contains(where: { $0.key == before.key })
            {
                var previous = last.value
                previous[before.key] = before.event
                let stillBefore = try !store.discrepancies(lastEvents: previous).contains { $0.key == before.key }
                if stillBefore { inFlight = before.key }
            }
            for discrepancy in found {
                if unsettled.value?.contains(discrepancy.key) == true {
                    // The log cannot say what this file must hold: a damaged line after its last readable change
                    // may have been a later one. Reported, never rewritten from the readable part.
                    var finding = discrepancy.finding
                    finding.message +=
                        "; not restored: a damaged audit line after the last readable change of this file may "
                        + "record a later change (see fsck)"
                    report.unresolved.append(finding)
                    continue
                }
                let newestKey = ((try? lastEvent?.decode(Store.Event.self)) ?? nil).map(store.key(of:))
                guard
                    try store.restore(
                        discrepancy.key, to: last.value[discrepancy.key], isLogsLastEvent: newestKey == discrepancy.key)
                else {
                    report.unresolved.append(discrepancy.finding)
                    continue
                }
                if discrepancy.key == inFlight {
                    report.completed.append(discrepancy.finding)
                } else {
                    report.repaired.append(discrepancy.finding)
                }
            }
        }
    }
}

/// A mutable value shared by the closures of a ``LogReplay`` (used on one thread).
private final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// One view store, type-erased for ``Registry/completeInterruptedChange()``.
struct ViewStore {
    /// Writes the file of `event` when the event is this store's and its file does not hold it yet; returns
    /// whether the event was this store's.
    let completeIfInterrupted: (AuditEvent) throws -> Bool

    init<Store: JournaledStore>(_ store: Store) {
        completeIfInterrupted = { event in
            guard let payload = try? event.decode(Store.Event.self) else { return false }
            if try !store.isMaterialized(payload) {
                _ = try store.restore(store.key(of: payload), to: payload, isLogsLastEvent: true)
            }
            return true
        }
    }
}
