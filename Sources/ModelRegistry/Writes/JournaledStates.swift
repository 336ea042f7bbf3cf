/// Lifecycle states on the write path: `states/<id>.json`, recorded as `state_changed`.
struct JournaledStates: JournaledArtifactRecords {
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

    func apply(_ change: Change, as event: StateChanged, in transaction: Transaction) throws {
        try store.write(event.record)
    }

    func artifact(of event: StateChanged) -> ArtifactID { event.artifact }

    func record(in event: StateChanged) -> StateRecord? { event.record }
}

extension JournaledStates {
    func discrepancies(lastEvents: [String: StateChanged]) throws -> [Discrepancy] {
        try artifactViewFileDiscrepancies(
            withFiles: try store.artifactsWithFiles(), loggedKeys: lastEvents.keys,
            relativePath: { store.layout.relativePath(store.path(of: $0)) },
            logged: { lastEvents[$0]?.record },
            file: { try store.record($0) }
        ) { key, mismatch in
            switch mismatch {
            case .notInLog(let file): "says \(file.state); the log never changed the state of \(key)"
            case .differs(let file, let logged): "says \(file.state); the log says \(logged.state)"
            case .missing(let logged): "is missing; the log says \(key) is \(logged.state)"
            }
        }
    }
}
