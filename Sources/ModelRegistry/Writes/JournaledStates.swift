/// Lifecycle states on the write path: `states/<id>.json`, recorded as `state_changed`.
struct JournaledStates: JournaledStore {
    /// A requested state change.
    struct Change {
        var artifact: ArtifactID
        var state: LifecycleState
        var reason: String?
    }

    let store: FileStateStore
    let artifacts: FileArtifactStore
    var name: String { "state" }

    func check(_ change: Change, in transaction: Transaction) throws -> StateChanged? {
        try artifacts.requireContains(change.artifact)
        let from = try store.state(of: change.artifact)
        guard from != change.state else { return nil }
        guard from.canMove(to: change.state) else {
            let why =
                from == .revoked
                ? "revoked is final; register a corrected model as a new artifact"
                : "'registered' is only the starting state"
            throw RegistryError(
                .invalidTransition, "cannot move \(change.artifact) from \(from) to \(change.state): \(why)",
                path: store.path(of: change.artifact))
        }
        let record = StateRecord(
            artifact: change.artifact, state: change.state, changedAt: transaction.time, actor: transaction.actor,
            reason: change.reason)
        return StateChanged(record: record, previousState: from)
    }

    func apply(
        _ change: Change, as event: StateChanged, in transaction: Transaction
    ) throws -> (ArtifactID, StateRecord?) {
        let previous = try store.record(change.artifact)
        try store.write(event.record)
        return (change.artifact, previous)
    }

    func undo(_ undo: (ArtifactID, StateRecord?), in transaction: Transaction) {
        if let previous = undo.1 { try? store.write(previous) } else { try? store.remove(undo.0) }
    }

    func key(of event: StateChanged) -> String { event.artifact.description }

    /// A state file that differs from the log's last record for it was written by a writer that died before
    /// appending the event: append it. A file that cannot be read (only damage produces one: writes are atomic)
    /// is rewritten from the log, or removed when the log has no state for the artifact.
    func reconcile(lastEvents: [String: StateChanged], in transaction: Transaction) throws -> [Recovered<StateChanged>]
    {
        var missing: [Recovered<StateChanged>] = []
        for id in try store.artifactsWithFiles() {
            let last = lastEvents[id.description]
            let record: StateRecord?
            do {
                record = try store.record(id)
            } catch let error as RegistryError where error.code == .invalidJSON || error.code == .invalidDocument {
                if let last { try store.write(last.record) } else { try store.remove(id) }
                transaction.report.restoredStates.append(id)
                continue
            }
            guard let record, record != last?.record else { continue }
            missing.append(
                Recovered(
                    event: StateChanged(record: record, previousState: last?.state ?? .registered, recovered: true),
                    actor: record.actor))
        }
        return missing
    }
}

extension JournaledStates {
    func discrepancies(lastEvents: [String: StateChanged]) throws -> [Finding] {
        var findings: [Finding] = []
        let onDisk = Set(try store.artifactsWithFiles().map(\.description))
        for key in onDisk.union(lastEvents.keys).sorted() {
            guard let id = ArtifactID(key) else { continue }
            let path = store.layout.relativePath(store.path(of: id))
            let logged = lastEvents[key]?.record
            let record: StateRecord?
            do {
                record = try store.record(id)
            } catch let error as RegistryError {
                findings.append(Finding(.damagedView, path: path, error.message))
                continue
            }
            switch (record, logged) {
            case (let file?, nil):
                findings.append(
                    Finding(.viewNotInLog, path: path, "says \(file.state); the log never changed the state of \(id)"))
            case (let file?, let logged?) where file != logged:
                findings.append(
                    Finding(.viewDiffersFromLog, path: path, "says \(file.state); the log says \(logged.state)"))
            case (nil, let logged?):
                findings.append(Finding(.viewMissing, path: path, "is missing; the log says \(id) is \(logged.state)"))
            default:
                break
            }
        }
        return findings
    }
}
