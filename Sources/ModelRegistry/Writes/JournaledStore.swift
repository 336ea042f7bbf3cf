import Foundation

/// One kind of mutable state, seen from the registry's single write path: it alone knows its files, the change
/// a caller asks for, and the typed event that records it.
///
/// ``Registry/commit(_:to:actor:)`` drives every write through the same steps: lock → ``check(_:in:)`` →
/// ``apply(_:as:in:)`` → append the event → ``undo(_:in:)`` if the append failed → update the index cache.
/// ``Registry/recover(actor:)`` is a loop over the stores' ``reconcile(lastEvents:in:)``.
protocol JournaledStore {
    /// What a caller asks for (promote, set a state, sign …).
    associatedtype Change
    /// The typed payload written to the log for the change.
    associatedtype Event: AuditPayload
    /// What ``apply(_:as:in:)`` hands back so the change can be reversed (the previous record, file or bytes).
    associatedtype Undo

    /// The prefix of this store's crash points (`alias` gives `alias.afterStateChange`, `alias.afterEvent`).
    var name: String { get }

    /// Validates a change against the current files (compare-and-swap, existence, policy) and returns the event
    /// that will record it, or nil when the change would change nothing. Writes nothing.
    func check(_ change: Change, in transaction: Transaction) throws -> Event?
    /// Makes the change on disk (the atomic write the event describes) and returns how to reverse it.
    func apply(_ change: Change, as event: Event, in transaction: Transaction) throws -> Undo
    /// Reverses ``apply(_:as:in:)`` after the event could not be appended, so files and log agree. Best effort:
    /// a failure here leaves a difference that ``reconcile(lastEvents:in:)`` repairs.
    func undo(_ undo: Undo, in transaction: Transaction)

    /// The thing an event is about (an alias name, an artifact id, a signature file), so recovery can keep the
    /// last event per key.
    func key(of event: Event) -> String
    /// Compares the files with the last logged event of each key and returns the events a crash kept out of the
    /// log; files a crash cannot produce (damaged ones) are repaired from the log and noted in `report`.
    func reconcile(lastEvents: [String: Event], in transaction: Transaction) throws -> [Recovered<Event>]
    /// Every difference between the files and what the log's last event of each key says they hold, as findings
    /// naming the file (registry-relative). Read-only: what ``Registry/fsck(depth:)`` reports.
    func discrepancies(lastEvents: [String: Event]) throws -> [Finding]
}

/// An event recovery appends, and who it names as actor (nil: the one running recovery).
struct Recovered<Event: AuditPayload> {
    var event: Event
    var actor: String?
}

/// What one write sees while it holds the writer lock.
final class Transaction {
    /// The registry written to.
    let registry: Registry
    /// Who is acting.
    let actor: String
    /// The time of the change, RFC 3339 UTC with milliseconds (one reading of the configured clock).
    let time: String
    /// Notes recovery collects besides appended events (restored files, removed leftovers).
    var report = Registry.RecoveryReport()

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
    /// The one write path: takes the writer lock, checks the change, applies it, appends its event, undoes the
    /// change if the append fails, and brings the index cache up to date.
    ///
    /// - Returns: the change and its event, or nil when the store found nothing to change.
    /// - Throws: what `check` throws (nothing was written); `.lockTimeout`; `.reentrantWrite` when called from
    ///   inside another write; I/O errors from `apply` or the append (the change was undone).
    /// - Durability: state first, event second (FORMAT.md §9.4), each synced before the next step.
    func commit<Store: JournaledStore>(
        _ change: Store.Change, to store: Store, actor: String?
    ) throws -> Committed<Store.Event>? {
        try withWriterLock {
            let transaction = try Transaction(registry: self, actor: actor ?? configuration.actor)
            guard let payload = try store.check(change, in: transaction) else { return nil }
            let undo = try store.apply(change, as: payload, in: transaction)
            CrashPoint.hit("\(store.name).afterStateChange")
            let event: AuditEvent
            do {
                event = try journal.append(payload, actor: transaction.actor)
            } catch {
                store.undo(undo, in: transaction)
                throw error
            }
            CrashPoint.hit("\(store.name).afterEvent")
            updateIndexesAfterWrite()  // a cache: never fails the write
            return Committed(payload: payload, event: event)
        }
    }

    /// Runs `body` holding the cross-process writer lock.
    func withWriterLock<R>(_ body: () throws -> R) throws -> R {
        try writerLock.withLock(timeout: configuration.lockTimeout, body)
    }
}

/// Collects the last event per key of one store during a single pass over the log, then reconciles (recovery)
/// or compares (fsck).
struct Reconciler {
    let observe: (AuditEvent) -> Void
    let finish: (Transaction) throws -> [AuditEvent]
    let discrepancies: () throws -> [Finding]

    init<Store: JournaledStore>(_ store: Store) {
        let last = Box<[String: Store.Event]>([:])
        observe = { event in
            // A payload this version cannot decode says nothing about the files; audit verification reports it.
            guard let payload = try? event.decode(Store.Event.self) else { return }
            last.value[store.key(of: payload)] = payload
        }
        discrepancies = { try store.discrepancies(lastEvents: last.value) }
        finish = { transaction in
            try store.reconcile(lastEvents: last.value, in: transaction).map { recovered in
                try transaction.registry.journal.append(recovered.event, actor: recovered.actor ?? transaction.actor)
            }
        }
    }
}

/// A mutable value shared by the two closures of a ``Reconciler`` (used on one thread, under the writer lock).
private final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}
