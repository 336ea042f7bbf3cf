import Foundation

extension Registry {
    /// `<registry>/policy.json`.
    public var policyPath: String { layout.policyPath }

    /// The promotion policy in force: `policy.json`, or an empty policy (no requirements) when there is none.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming the file when it does not parse — and while it does
    ///   not parse, nothing can be promoted.
    public func promotionPolicy() throws -> PromotionPolicy {
        try policies.policy()
    }

    /// Replaces the promotion policy and records `policy_changed` with the new file's digest.
    ///
    /// - Returns: the event, or nil when the policy was already exactly this one (nothing written or logged).
    /// - Throws: `.lockTimeout`, `.reentrantWrite`, I/O errors (the previous policy is put back).
    /// - Durability: the file is replaced atomically, then the event is appended (state first, event second).
    @discardableResult
    public func setPromotionPolicy(_ policy: PromotionPolicy, actor: String? = nil) throws -> AuditEvent? {
        try commit(policy, to: JournaledPolicy(store: policies), actor: actor)?.event
    }

    /// Every requirement that promoting `alias` to `target` would not meet now, without changing anything: the
    /// dry run of ``promote(_:to:expecting:actor:reason:approval:signedApproval:)``, with the same checks
    /// (existence, revocation, quick verification, `policy.json`; the configured hook is not called).
    ///
    /// - Returns: the unmet requirements in plain words; empty when the promotion would be allowed.
    /// - Throws: `.invalidName`; `.notFound` when the artifact is not in the registry; a damaged alias or policy
    ///   file's error.
    public func checkPromotion(
        _ alias: String, to target: ArtifactID, approval: String? = nil, signedApproval: SignedApproval? = nil
    ) throws -> [String] {
        try AliasName.check(alias)
        return try unmetPromotionRequirements(
            alias, to: target, current: aliases.record(alias)?.artifact, approval: approval,
            signedApproval: signedApproval)
    }

    /// What promoting `alias` from `current` to `target` does not meet: revocation and quick verification first,
    /// then the first matching rule of `policy.json`.
    func unmetPromotionRequirements(
        _ alias: String, to target: ArtifactID, current: ArtifactID?, approval: String?,
        signedApproval: SignedApproval?
    ) throws -> [String] {
        var unmet = try unmetTargetRequirements(alias, target: target)
        if let rule = try promotionPolicy().rule(for: alias) {
            unmet += try PromotionGate(verifier: verifier()).unmetRequirements(
                rule: rule, alias: alias, target: target, current: current, approval: approval,
                signedApproval: signedApproval)
        }
        return unmet
    }

    /// What rolling `alias` back to `target` does not meet: only revocation and quick verification — the
    /// promotion requirements do not apply to the emergency lever.
    func unmetRollbackRequirements(_ alias: String, to target: ArtifactID, approval: String?) throws -> [String] {
        try unmetTargetRequirements(alias, target: target)
    }

    /// What retiring `alias` does not meet.
    func unmetRetireRequirements(_ alias: String, approval: String?) throws -> [String] {
        []
    }

    /// The target must exist (else `.notFound`), must not be revoked, and must pass quick verification.
    private func unmetTargetRequirements(_ alias: String, target: ArtifactID) throws -> [String] {
        guard try artifacts.contains(target) else {
            throw RegistryError(
                .notFound, "cannot point alias '\(alias)' at \(target): no such artifact in this registry",
                path: layout.artifactPath(target))
        }
        var unmet: [String] = []
        if try states.state(of: target) == .revoked { unmet.append(Self.revokedRequirement(target)) }
        let report = try verifier().verify(target, depth: .quick)
        if !report.isValid {
            unmet.append(
                "\(target) fails quick verification: " + report.findings.map(\.description).joined(separator: "; "))
        }
        return unmet
    }

    private static func revokedRequirement(_ target: ArtifactID) -> String {
        "\(target) was revoked and may not be the target of an alias"
    }

    /// Throws the refusal for a non-empty list of unmet requirements: `.revoked` when the target was revoked,
    /// `.digestMismatch` when it fails verification, else `.policyRefused`; each message lists every requirement.
    func refuseUnlessAllowed(_ unmet: [String], alias: String, target: ArtifactID) throws {
        guard !unmet.isEmpty else { return }
        let list = unmet.enumerated().map { "(\($0.offset + 1)) \($0.element)" }.joined(separator: "; ")
        let code: RegistryError.Code =
            unmet.contains(Self.revokedRequirement(target))
            ? .revoked : unmet.contains { $0.hasPrefix("\(target) fails quick verification") } ? .digestMismatch
            : .policyRefused
        throw RegistryError(code, "cannot point alias '\(alias)' at \(target): \(list)", path: layout.policyPath)
    }

    // MARK: Lifecycle states

    /// The lifecycle state of an artifact (`registered` when it was never changed). Lock-free: one `stat` for an
    /// artifact that never changed state.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming a damaged state file (``recover(actor:)`` rewrites it
    ///   from the log).
    public func state(of id: ArtifactID) throws -> LifecycleState {
        try states.state(of: id)
    }

    /// Moves an artifact to a lifecycle state and records `state_changed`.
    ///
    /// Allowed moves (FORMAT.md §12.4): any state but `registered` can be entered, `revoked` can never be left,
    /// and setting the current state again changes nothing.
    ///
    /// - Returns: the event, or nil when the artifact was already in `state`.
    /// - Throws: `.notFound` for an unknown artifact; `.invalidTransition` for a move out of `revoked` or into
    ///   `registered`; `.lockTimeout`; I/O errors (the previous state is put back).
    /// - Durability: `states/<id>.json` is replaced atomically, then the event is appended.
    @discardableResult
    public func setState(
        _ id: ArtifactID, to state: LifecycleState, reason: String? = nil, actor: String? = nil
    ) throws -> AuditEvent? {
        let change = JournaledStates.Change(artifact: id, state: state, reason: reason)
        return try commit(change, to: JournaledStates(store: states, artifacts: artifacts), actor: actor)?.event
    }
}
