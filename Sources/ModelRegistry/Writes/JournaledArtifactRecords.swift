/// A view store of one file per artifact holding a whole record (`pins/<id>.json`, `states/<id>.json`), written
/// and removed as a unit.
protocol ArtifactRecordFiles {
    associatedtype Record: Equatable
    /// The record in the artifact's file, nil when there is none; throws for a damaged file, naming it.
    func record(_ id: ArtifactID) throws -> Record?
    /// Replaces the artifact's file with `record` atomically.
    func write(_ record: Record) throws
    /// Removes the artifact's file, if any.
    func remove(_ id: ArtifactID) throws
}

extension FilePinStore: ArtifactRecordFiles {}
extension FileStateStore: ArtifactRecordFiles {}

/// A journaled store over ``ArtifactRecordFiles`` whose events carry the artifact's record in force (nil when the
/// event removes the file): pins and states. Both key their events by artifact id, call a file materialized when
/// it holds the event's record, and restore it by writing that record or removing the file; this is that logic,
/// once.
protocol JournaledArtifactRecords: JournaledStore {
    associatedtype Files: ArtifactRecordFiles
    /// The files.
    var store: Files { get }
    /// The artifact `event` is about.
    func artifact(of event: Event) -> ArtifactID
    /// The record `event` puts in force, nil when it removes the artifact's file.
    func record(in event: Event) -> Files.Record?
}

extension JournaledArtifactRecords {
    func key(of event: Event) -> String { artifact(of: event).description }

    func isMaterialized(_ event: Event) throws -> Bool {
        (try? store.record(artifact(of: event))) == record(in: event)
    }

    func restore(_ key: String, to event: Event?) throws -> Bool {
        if let record = event.flatMap({ record(in: $0) }) {
            try store.write(record)
        } else if let id = ArtifactID(key) {
            try store.remove(id)
        }
        return true
    }
}
