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
