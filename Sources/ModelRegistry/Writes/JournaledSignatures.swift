/// Detached signatures on the write path: `artifacts/<id>/signatures/<name>.json`, recorded as
/// `signature_added`.
struct JournaledSignatures: JournaledStore {
    let store: FileSignatureStore
    let artifacts: FileArtifactStore
    var name: String { "signature" }

    func check(_ file: SignatureFile, in transaction: Transaction) throws -> SignatureAdded? {
        try artifacts.requireContains(file.artifact)
        let existing = try store.files(of: file.artifact).first { $0.name == file.fileName }
        if case .success(let present)? = existing?.file, present == file { return nil }  // already attached
        return SignatureAdded(file)
    }

    func apply(_ file: SignatureFile, as event: SignatureAdded, in transaction: Transaction) throws -> SignatureFile {
        try store.write(file)
        return file
    }

    func undo(_ file: SignatureFile, in transaction: Transaction) {
        try? store.remove(file)
    }

    func key(of event: SignatureAdded) -> String { "\(event.artifact)/\(event.file)" }

    /// A valid signature file without its event was written by a writer that died before appending it.
    func reconcile(
        lastEvents: [String: SignatureAdded], in transaction: Transaction
    ) throws -> [Recovered<SignatureAdded>] {
        var missing: [Recovered<SignatureAdded>] = []
        for id in try artifacts.list() {
            for case (_, .success(let file)) in try store.files(of: id) {
                let event = SignatureAdded(file, recovered: true)
                if lastEvents[key(of: event)] == nil { missing.append(Recovered(event: event, actor: nil)) }
            }
        }
        return missing
    }
}

extension JournaledSignatures {
    func discrepancies(lastEvents: [String: SignatureAdded]) throws -> [Finding] {
        var findings: [Finding] = []
        var seen = Set<String>()
        for id in try artifacts.list() {
            for (name, file) in try store.files(of: id) {
                let path = store.layout.relativePath(store.layout.signaturePath(of: id, name: name))
                switch file {
                case .failure(let error):
                    findings.append(Finding(.damagedView, path: path, error.message))
                case .success(let signature):
                    let key = key(of: SignatureAdded(signature))
                    seen.insert(key)
                    if lastEvents[key] == nil {
                        findings.append(
                            Finding(.viewNotInLog, path: path, "no signature_added event records this signature"))
                    }
                }
            }
        }
        for (key, event) in lastEvents.sorted(by: { $0.key < $1.key }) where !seen.contains(key) {
            // A signature of an artifact that is gone is reported with the artifact.
            guard try artifacts.contains(event.artifact) else { continue }
            let path = store.layout.relativePath(store.layout.artifactPath(event.artifact)) + "/" + event.file
            findings.append(
                Finding(.viewMissing, path: path, "is missing; the log recorded a signature by \(event.keyID)"))
        }
        return findings
    }
}
