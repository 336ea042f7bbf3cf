/// The promotion policy on the write path: `policy.json`, recorded as `policy_changed` (which carries the whole
/// document, so the file can be re-derived from the log).
struct JournaledPolicy: JournaledStore {
    let store: FilePolicyStore
    var name: String { "policy" }

    func check(_ policy: PromotionPolicy, in transaction: Transaction) throws -> PolicyChanged? {
        let bytes = policy.fileBytes()
        guard try store.bytes() != bytes else { return nil }  // the same policy again: nothing to record
        return PolicyChanged(bytes: bytes, policy: policy)
    }

    func apply(_ policy: PromotionPolicy, as event: PolicyChanged, in transaction: Transaction) throws {
        try store.write(policy.fileBytes())
    }

    func key(of event: PolicyChanged) -> String { "policy" }

    func isMaterialized(_ event: PolicyChanged) throws -> Bool {
        guard let bytes = try? store.bytes() else { return false }
        return SHA256Algorithm().hash(bytes) == event.digest
    }

    func restore(_ key: String, to event: PolicyChanged?) throws -> Bool {
        guard let event else {
            try store.write(nil)  // a policy nobody set
            return true
        }
        guard let bytes = event.fileBytes else { return false }  // an event from before the document was logged
        try store.write(bytes)
        return true
    }

    func discrepancies(lastEvents: [String: PolicyChanged]) throws -> [Discrepancy] {
        let path = store.layout.relativePath(store.path)
        let logged = lastEvents["policy"]
        func found(_ kind: Finding.Kind, _ message: String) -> [Discrepancy] {
            [Discrepancy(key: "policy", finding: Finding(kind, path: path, message))]
        }
        guard let bytes = try store.bytes() else {
            return logged.map { found(.viewMissing, "is missing; the log set a policy \($0.digest)") } ?? []
        }
        do {
            _ = try PromotionPolicy(parsing: bytes, source: store.path)
        } catch let error as RegistryError {
            return found(.damagedView, error.message)
        }
        let digest = SHA256Algorithm().hash(bytes)
        guard let logged else { return found(.viewNotInLog, "no policy_changed event set this policy (\(digest))") }
        guard logged.digest == digest else {
            return found(.viewDiffersFromLog, "has digest \(digest); the log's last policy is \(logged.digest)")
        }
        return []
    }
}
