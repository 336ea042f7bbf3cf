/// The promotion policy on the write path: `policy.json`, recorded as `policy_changed`.
struct JournaledPolicy: JournaledStore {
    let store: FilePolicyStore
    var name: String { "policy" }

    func check(_ policy: PromotionPolicy, in transaction: Transaction) throws -> PolicyChanged? {
        let bytes = policy.fileBytes()
        guard try store.bytes() != bytes else { return nil }  // the same policy again: nothing to record
        return PolicyChanged(bytes: bytes, policy: policy)
    }

    func apply(_ policy: PromotionPolicy, as event: PolicyChanged, in transaction: Transaction) throws -> [UInt8]? {
        let previous = try store.bytes()
        try store.write(policy.fileBytes())
        return previous
    }

    func undo(_ previous: [UInt8]?, in transaction: Transaction) {
        try? store.write(previous)
    }

    func key(of event: PolicyChanged) -> String { "policy" }

    /// A valid `policy.json` whose digest is not the last one logged was written by a writer that died before
    /// appending its event.
    func reconcile(lastEvents: [String: PolicyChanged], in transaction: Transaction) throws -> [Recovered<
        PolicyChanged
    >] {
        guard let bytes = try store.bytes(), SHA256Algorithm().hash(bytes) != lastEvents["policy"]?.digest,
            let policy = try? PromotionPolicy(parsing: bytes, source: store.path)
        else { return [] }
        return [Recovered(event: PolicyChanged(bytes: bytes, policy: policy, recovered: true), actor: nil)]
    }
}

extension JournaledPolicy {
    func discrepancies(lastEvents: [String: PolicyChanged]) throws -> [Finding] {
        let path = store.layout.relativePath(store.path)
        let logged = lastEvents["policy"]
        guard let bytes = try store.bytes() else {
            return logged.map { [Finding(.viewMissing, path: path, "is missing; the log set a policy \($0.digest)")] }
                ?? []
        }
        do {
            _ = try PromotionPolicy(parsing: bytes, source: store.path)
        } catch let error as RegistryError {
            return [Finding(.damagedView, path: path, error.message)]
        }
        let digest = SHA256Algorithm().hash(bytes)
        guard let logged else {
            return [Finding(.viewNotInLog, path: path, "no policy_changed event set this policy (\(digest))")]
        }
        guard logged.digest == digest else {
            return [
                Finding(
                    .viewDiffersFromLog, path: path, "has digest \(digest); the log's last policy is \(logged.digest)")
            ]
        }
        return []
    }
}
