import RegistryCore

/// How one view file disagrees with the record the log last left in force for its key.
enum ViewMismatch<Record> {
    /// The file holds `file`; the log has nothing in force for the key.
    case notInLog(file: Record)
    /// The file holds `file`; the log's record is `logged`.
    case differs(file: Record, logged: Record)
    /// The log's record is `logged`; the file is absent.
    case missing(logged: Record)

    /// The finding kind `fsck` reports for this mismatch.
    var kind: Finding.Kind {
        switch self {
        case .notInLog: .viewNotInLog
        case .differs: .viewDiffersFromLog
        case .missing: .viewMissing
        }
    }
}

/// Compares one-file-per-key views (pins, states, remotes, evictions) with the log: for every key that has a
/// file or a record in force, reads the file and reports a damaged file, a file the log does not account for, a
/// file that differs, or a missing file. Shared so that every such store judges its views the same way; `message`
/// words a mismatch for its kind of record.
///
/// - Parameters:
///   - keys: the keys with a file on disk together with the keys the log has events for.
///   - path: the file's path relative to the registry, for the finding.
///   - logged: the record the log left in force for a key (`nil` when none is, e.g. after an unpin).
///   - file: reads the key's file (`nil` when absent); a thrown ``RegistryError`` is reported as a damaged view.
///   - message: the finding's text for a mismatch of `key`.
func viewFileDiscrepancies<Record: Equatable>(
    keys: Set<String>,
    path: (String) -> String,
    logged: (String) -> Record?,
    file: (String) throws -> Record?,
    message: (_ key: String, ViewMismatch<Record>) -> String
) throws -> [Discrepancy] {
    var found: [Discrepancy] = []
    for key in keys.sorted() {
        let onDisk: Record?
        do {
            onDisk = try file(key)
        } catch let error as RegistryError {
            found.append(Discrepancy(key: key, finding: Finding(.damagedView, path: path(key), error.message)))
            continue
        }
        let mismatch: ViewMismatch<Record>
        switch (onDisk, logged(key)) {
        case (let onDisk?, nil): mismatch = .notInLog(file: onDisk)
        case (let onDisk?, let logged?) where onDisk != logged: mismatch = .differs(file: onDisk, logged: logged)
        case (nil, let logged?): mismatch = .missing(logged: logged)
        default: continue
        }
        found.append(
            Discrepancy(key: key, finding: Finding(mismatch.kind, path: path(key), message(key, mismatch))))
    }
    return found
}

/// ``viewFileDiscrepancies(keys:path:logged:file:message:)`` for views with one file per artifact
/// (`pins/<id>.json`, `states/<id>.json`, `evictions/<id>.json`), keyed by the artifact id's text.
///
/// - Parameters:
///   - withFiles: the artifacts that have a file on disk.
///   - loggedKeys: the keys the log has events for (those that are not artifact ids are ignored).
///   - relativePath: the file of an artifact, relative to the registry.
///   - logged: the record the log left in force for a key.
///   - file: reads an artifact's file (`nil` when absent).
///   - message: the finding's text for a mismatch of `key`.
func artifactViewFileDiscrepancies<Record: Equatable>(
    withFiles: [ArtifactID],
    loggedKeys: some Sequence<String>,
    relativePath: (ArtifactID) -> String,
    logged: (String) -> Record?,
    file: (ArtifactID) throws -> Record?,
    message: (_ key: String, ViewMismatch<Record>) -> String
) throws -> [Discrepancy] {
    try viewFileDiscrepancies(
        keys: Set(withFiles.map(\.description)).union(loggedKeys).filter { ArtifactID($0) != nil },
        path: { key in ArtifactID(key).map(relativePath) ?? key },
        logged: logged,
        file: { key in try ArtifactID(key).flatMap(file) },
        message: message)
}

/// Compares views that hold several record files per artifact (signatures, evaluation records) with the log: lists
/// every artifact's files (on several threads: a million artifacts are a million listings) and reports a damaged
/// file, a file the log does not account for, and a file that differs from the logged record. Returns the keys of
/// the files it saw too, so that the caller can report the logged records whose file is missing.
///
/// - Parameters:
///   - ids: the artifacts whose files are compared.
///   - files: lists and reads one artifact's files, each by name, a damaged one as its error.
///   - key: the key of an artifact's file in the log's last events; `path`, its path relative to the registry.
///   - logged: whether the log has an event in force for a key, and the record it holds (if it holds one).
///   - notInLog: the finding's text for a file the log does not account for; `differs`, for one that differs.
func perArtifactFileDiscrepancies<Record: Equatable>(
    ids: [ArtifactID],
    files: @Sendable (ArtifactID) throws -> [(name: String, file: Result<Record, RegistryError>)],
    key: (ArtifactID, String) -> String,
    path: (ArtifactID, String) -> String,
    logged: (String) -> (isLogged: Bool, record: Record?),
    notInLog: (Record) -> String,
    differs: String
) throws -> (found: [Discrepancy], seen: Set<String>) {
    var found: [Discrepancy] = []
    var seen = Set<String>()
    let listings = try ParallelWork.mapInBatches(ids, files)
    for (id, listing) in zip(ids, listings) {
        for (name, file) in listing {
            let key = key(id, name)
            let path = path(id, name)
            seen.insert(key)
            let inForce = logged(key)
            switch file {
            case .failure(let error):
                found.append(Discrepancy(key: key, finding: Finding(.damagedView, path: path, error.message)))
            case .success(let record) where !inForce.isLogged:
                found.append(Discrepancy(key: key, finding: Finding(.viewNotInLog, path: path, notInLog(record))))
            case .success(let record):
                if let loggedRecord = inForce.record, loggedRecord != record {
                    found.append(Discrepancy(key: key, finding: Finding(.viewDiffersFromLog, path: path, differs)))
                }
            }
        }
    }
    return (found, seen)
}
