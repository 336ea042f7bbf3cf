/// Detached signatures on the write path: `artifacts/<id>/signatures/<name>.json`, recorded as
/// `signature_added` (which carries the signature, so the file can be re-derived from the log).
struct JournaledSignatures: JournaledStore {
    let store: FileSignatureStore
    let artifacts: FileArtifactStore
    /// During recovery: the artifacts the log registered. The signatures of any other artifact directory are
    /// left alone (recovery reports the directory; adopting it keeps them).
    var registered: RegistrationReplay? = nil
    var name: String { "signature" }

    func check(_ file: SignatureFile, in transaction: Transaction) throws -> SignatureAdded? {
        try artifacts.requireContains(file.artifact)
        let existing = try store.files(of: file.artifact).first { $0.name == file.fileName }
        if case .success(let present)? = existing?.file, present == file { return nil }  // already attached
        return SignatureAdded(file)
    }

    func apply(_ file: SignatureFile, as event: SignatureAdded, in transaction: Transaction) throws {
        try store.write(file)
    }

    func key(of event: SignatureAdded) -> String { "\(event.artifact)/\(event.file)" }

    /// Signatures live in their artifact's directory and go with it when it is removed.
    func artifactDirectoryHolding(_ key: String) -> ArtifactID? {
        key.split(separator: "/", maxSplits: 1).first.flatMap { ArtifactID(String($0)) }
    }

    func isMaterialized(_ event: SignatureAdded) throws -> Bool {
        guard let file = event.signatureFile else { return true }  // an event of an earlier version: nothing to write
        let path = store.path(of: file)
        return (try? FileSystem.readDocument(path, limit: 1 << 20)) == file.fileBytes()
    }

    func restore(_ key: String, to event: SignatureAdded?) throws -> Bool {
        if let event {
            guard let file = event.signatureFile else { return false }  // an event from before bytes were logged
            try store.write(file)
        } else {
            // A file no event accounts for: `key` is `<artifact>/signatures/<name>`.
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, let id = ArtifactID(parts[0]) else { return false }
            try FileSystem.removeTree(store.layout.artifactPath(id) + "/" + parts[1])
            try FileSystem.syncDirectory(store.layout.signaturesPath(of: id))
        }
        return true
    }
}

extension JournaledSignatures {
    func discrepancies(lastEvents: [String: SignatureAdded]) throws -> [Discrepancy] {
        let ids = try artifacts.list().filter { registered?.ids.contains($0) ?? true }
        var (findings, seen) = try perArtifactFileDiscrepancies(
            ids: ids, files: { [store] id in try store.files(of: id) },
            key: { id, name in "\(id)/signatures/\(name)" },
            path: { id, name in store.layout.relativePath(store.layout.signaturePath(of: id, name: name)) },
            logged: { key in (lastEvents[key] != nil, lastEvents[key]?.signatureFile) },
            notInLog: { signature in "no signature_added event records this signature by \(signature.signature.keyID)"
            },
            differs: "differs from the logged signature")
        for (key, event) in lastEvents.sorted(by: { $0.key < $1.key }) where !seen.contains(key) {
            // A signature of an artifact that is gone is reported with the artifact.
            guard try artifacts.contains(event.artifact) else { continue }
            let path = store.layout.relativePath(store.layout.artifactPath(event.artifact)) + "/" + event.file
            findings.append(
                Discrepancy(
                    key: key,
                    finding: Finding(
                        .viewMissing, path: path, "is missing; the log recorded a signature by \(event.keyID)")))
        }
        return findings
    }
}
