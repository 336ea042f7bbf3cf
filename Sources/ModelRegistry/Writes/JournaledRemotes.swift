/// Remotes on the write path: `remotes/<name>.json`, recorded as `remote_changed` (which carries the whole
/// record, so the file can be re-derived from the log).
struct JournaledRemotes: JournaledStore {
    /// A requested change.
    enum Change {
        /// Configure a remote (its name, kind and normalised URL).
        case add(name: String, kind: RemoteRecord.Kind, url: String)
        /// Remove a configured remote.
        case remove(name: String)
    }

    let store: FileRemoteStore
    var name: String { "remote" }

    func check(_ change: Change, in transaction: Transaction) throws -> RemoteChanged? {
        switch change {
        case .add(let name, let kind, let url):
            if let existing = try store.record(name) {
                guard existing.kind != kind || existing.url != url else { return nil }  // the same remote again
                throw RegistryError(
                    .alreadyExists,
                    "remote '\(name)' already points at \(existing.url); remove it first ('modelreg remote rm \(name)')",
                    path: store.path(of: name))
            }
            return RemoteChanged(
                adding: RemoteRecord(
                    name: name, kind: kind, url: url, addedAt: transaction.time, actor: transaction.actor))
        case .remove(let name):
            guard try store.record(name) != nil else {
                throw RegistryError(
                    .notFound, "no remote '\(name)' is configured ('modelreg remote ls' lists them)",
                    path: store.path(of: name))
            }
            return RemoteChanged(removing: name)
        }
    }

    func apply(_ change: Change, as event: RemoteChanged, in transaction: Transaction) throws {
        _ = try restore(event.name, to: event)
    }

    func key(of event: RemoteChanged) -> String { event.name }

    func isMaterialized(_ event: RemoteChanged) throws -> Bool {
        (try? store.record(event.name)) == event.record
    }

    func restore(_ key: String, to event: RemoteChanged?) throws -> Bool {
        if let record = event?.record { try store.write(record) } else { try store.remove(key) }
        return true
    }

    func discrepancies(lastEvents: [String: RemoteChanged]) throws -> [Discrepancy] {
        try viewFileDiscrepancies(
            keys: Set(try store.names()).union(lastEvents.keys),
            path: { store.layout.relativePath(store.path(of: $0)) },
            logged: { lastEvents[$0]?.record },
            file: { try store.record($0) }
        ) { key, mismatch in
            switch mismatch {
            case .notInLog(let file):
                "configures remote '\(key)' at \(file.url); the log has it removed or never added"
            case .differs(let file, let logged): "says \(file.url); the log says remote '\(key)' is \(logged.url)"
            case .missing(let logged): "is missing; the log added remote '\(key)' at \(logged.url)"
            }
        }
    }
}
