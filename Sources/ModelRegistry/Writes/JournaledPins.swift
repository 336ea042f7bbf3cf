/// Pins on the write path: `pins/<id>.json`, recorded as `artifact_pinned` / `artifact_unpinned` (FORMAT.md
/// §14.1). The pinned event carries the whole record, so the file is a view the log re-derives.
struct JournaledPins: JournaledArtifactRecords {
    /// A requested pin or unpin.
    struct Change {
        var artifact: ArtifactID
        var pin: Bool
        var reason: String?
    }

    let store: FilePinStore
    let artifacts: FileArtifactStore
    var name: String { "pin" }

    func check(_ change: Change, in transaction: Transaction) throws -> ArtifactPinChanged? {
        let current = try store.record(change.artifact)  // a damaged pin file fails here, naming it
        guard change.pin else {
            return current == nil ? nil : ArtifactPinChanged(unpinning: change.artifact, reason: change.reason)
        }
        try artifacts.requireContains(change.artifact)
        guard current == nil else { return nil }  // already pinned: nothing to record
        try store.prepareDirectory()  // a symlinked pins/ is refused before anything is logged
        return ArtifactPinChanged(
            pinning: PinRecord(
                artifact: change.artifact, pinnedAt: transaction.time, actor: transaction.actor,
                reason: change.reason))
    }

    func apply(_ change: Change, as event: ArtifactPinChanged, in transaction: Transaction) throws {
        if let record = event.record { try store.write(record) } else { try store.remove(event.artifact) }
    }

    func artifact(of event: ArtifactPinChanged) -> ArtifactID { event.artifact }

    func record(in event: ArtifactPinChanged) -> PinRecord? { event.record }

    func discrepancies(lastEvents: [String: ArtifactPinChanged]) throws -> [Discrepancy] {
        try artifactViewFileDiscrepancies(
            withFiles: try store.artifactsWithFiles(), loggedKeys: lastEvents.keys,
            relativePath: { store.layout.relativePath(store.path(of: $0)) },
            logged: { lastEvents[$0]?.record },
            file: { try store.record($0) }
        ) { key, mismatch in
            switch mismatch {
            case .notInLog(let file):
                "pins \(key); the log has no pin of it in force (\(file.actor) at \(file.pinnedAt))"
            case .differs(_, let logged): "differs from the pin the log recorded at \(logged.pinnedAt)"
            case .missing(let logged): "is missing; the log pinned \(key) at \(logged.pinnedAt)"
            }
        }
    }
}
