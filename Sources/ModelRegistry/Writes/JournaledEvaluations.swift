/// Detached evaluation records on the write path: `evaluations/<id>/<name>.json`, recorded as `evaluation_added`
/// (which carries the record, so the file can be re-derived from the log).
struct JournaledEvaluations: JournaledStore {
    let store: FileEvaluationStore
    let artifacts: FileArtifactStore
    /// During recovery: the artifacts the log registered. The records of any other artifact are left alone.
    var registered: RegistrationReplay? = nil
    var name: String { "evaluation" }

    func check(_ record: EvaluationRecord, in transaction: Transaction) throws -> EvaluationAdded? {
        try artifacts.requireContains(record.artifact)
        let existing = try store.files(of: record.artifact).first { $0.name == record.fileName }
        if case .success(let present)? = existing?.record, present == record { return nil }  // already added
        return EvaluationAdded(record)
    }

    func apply(_ record: EvaluationRecord, as event: EvaluationAdded, in transaction: Transaction) throws {
        try store.write(record)
    }

    func key(of event: EvaluationAdded) -> String { event.file }

    func isMaterialized(_ event: EvaluationAdded) throws -> Bool {
        (try? FileSystem.readDocument(store.path(of: event.record), limit: 1 << 20)) == event.record.fileBytes()
    }

    func restore(_ key: String, to event: EvaluationAdded?) throws -> Bool {
        if let event {
            try store.write(event.record)
        } else {
            // A file no event accounts for: `key` is `evaluations/<id>/<name>`.
            let path = store.layout.rootPath + "/" + key
            try FileSystem.removeTree(path)
            try FileSystem.syncDirectory(FileSystem.parent(of: path))
        }
        return true
    }
}

extension JournaledEvaluations {
    func discrepancies(lastEvents: [String: EvaluationAdded]) throws -> [Discrepancy] {
        let ids = try artifacts.list().filter { registered?.ids.contains($0) ?? true }
        var (findings, seen) = try perArtifactFileDiscrepancies(
            ids: ids, files: { [store] id in try store.files(of: id).map { (name: $0.name, file: $0.record) } },
            key: { id, name in store.layout.relativePath(store.layout.evaluationPath(of: id, name: name)) },
            path: { id, name in store.layout.relativePath(store.layout.evaluationPath(of: id, name: name)) },
            logged: { key in (lastEvents[key] != nil, lastEvents[key]?.record) },
            notInLog: { record in "no evaluation_added event records this evaluation by '\(record.evaluator)'" },
            differs: "differs from the logged evaluation")
        findings += try orphans(lastEvents: lastEvents)
        for (key, event) in lastEvents.sorted(by: { $0.key < $1.key }) where !seen.contains(key) {
            // An evaluation of an artifact that is gone is reported with the artifact.
            guard try artifacts.contains(event.artifact), registered?.ids.contains(event.artifact) ?? true else {
                continue
            }
            findings.append(
                Discrepancy(
                    key: key,
                    finding: Finding(
                        .viewMissing, path: key,
                        "is missing; the log recorded an evaluation by '\(event.record.evaluator)'")))
        }
        return findings
    }

    /// Records under `evaluations/<id>/` for an artifact that is not in `artifacts/` and that no event accounts for
    /// (an artifact the log registered but whose directory is gone is reported with the artifact).
    private func orphans(lastEvents: [String: EvaluationAdded]) throws -> [Discrepancy] {
        let root = store.layout.evaluationsPath
        guard try FileSystem.exists(root) else { return [] }
        let logged = Set(lastEvents.values.map(\.artifact))
        var findings: [Discrepancy] = []
        for entry in try FileSystem.listDirectory(root) {
            guard let name = entry.name, let id = ArtifactID(name), !logged.contains(id),
                try !artifacts.contains(id)
            else { continue }
            for (file, _) in try store.files(of: id) {
                let path = store.layout.relativePath(store.layout.evaluationPath(of: id, name: file))
                findings.append(
                    Discrepancy(
                        key: path,
                        finding: Finding(
                            .viewNotInLog, path: path,
                            "is an evaluation of \(id), which is not in the registry and no event records")))
            }
        }
        return findings
    }
}
