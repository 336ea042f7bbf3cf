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
    /// - Throws: `.lockTimeout`, `.reentrantWrite`, I/O errors. An error after the event was appended says that
    ///   the change is recorded and its file not yet written; ``recover(actor:)-7k7gj`` writes it.
    /// - Durability: the event (carrying the whole policy) is appended and synced first, then the file is
    ///   replaced atomically (FORMAT.md §9.4).
    @discardableResult
    public func setPromotionPolicy(_ policy: PromotionPolicy, actor: String? = nil) throws -> AuditEvent? {
        try commit(policy, to: JournaledPolicy(store: policies), actor: actor)?.event
    }

    /// Every requirement that promoting `alias` to `target` would not meet now, without changing anything: the
    /// dry run of ``promote(_:to:expecting:actor:reason:approval:signedApproval:)-6aecb``, with the same checks
    /// (revocation, quick verification, the first matching rule of `policy.json`; the configured hook is not
    /// called).
    ///
    /// ```swift
    /// let unmet = try registry.checkPromotion("champion", to: candidate)
    /// if unmet.contains(where: { $0.kind == .noRegression }) { … }
    /// ```
    /// - Returns: the unmet requirements; empty when the promotion would be allowed.
    /// - Throws: `.invalidName`; `.notFound` when the artifact is not in the registry; a damaged alias or policy
    ///   file's error.
    public func checkPromotion(
        _ alias: String, to target: ArtifactID, approval: String? = nil, signedApproval: SignedApproval? = nil
    ) throws -> [PromotionPolicy.Requirement] {
        try AliasName.check(alias)
        return try unmetRequirements(
            .promote, alias: alias, target: target, current: aliases.record(alias)?.artifact, approval: approval,
            signedApproval: signedApproval
        ).unmet
    }

    /// What pointing `alias` at `target` does not meet: revocation and quick verification for every change, then
    /// the first matching rule of `policy.json` — its promotion requirements for a promotion, its own optional
    /// `rollback` and `retire` rules for those emergency levers.
    func unmetRequirements(
        _ action: PolicyRefusal.Action, alias: String, target: ArtifactID, current: ArtifactID?,
        approval: String?, signedApproval: SignedApproval?
    ) throws -> PolicyRefusal {
        var unmet = action == .retire ? [] : try unmetTargetRequirements(alias, target: target)
        let rule = try promotionPolicy().rule(for: alias)
        if let rule {
            let gate = PromotionGate(verifier: verifier())
            switch action {
            case .rollback:
                unmet += try gate.unmetRequirements(
                    forRollbackOf: alias, to: target, rule: rule, approval: approval, signedApproval: signedApproval)
            case .retire:
                unmet += try gate.unmetRequirements(forRetiring: alias, rule: rule, approval: approval)
            default:
                unmet += try gate.unmetRequirements(
                    rule: rule, alias: alias, target: target, current: current, approval: approval,
                    signedApproval: signedApproval)
            }
        }
        return PolicyRefusal(
            action: action, alias: alias, target: target, rulePattern: rule?.aliases ?? "*", unmet: unmet)
    }

    /// The target must exist (else `.notFound`), must not be revoked, and must pass quick verification.
    private func unmetTargetRequirements(_ alias: String, target: ArtifactID) throws -> [PromotionPolicy.Requirement] {
        guard try artifacts.contains(target) else {
            throw RegistryError(
                .notFound, "cannot point alias '\(alias)' at \(target): no such artifact in this registry",
                path: layout.artifactPath(target))
        }
        var unmet: [PromotionPolicy.Requirement] = []
        if try states.state(of: target) == .revoked {
            unmet.append(.init(.notRevoked, subject: target.description, "\(target) was revoked"))
        }
        // An evicted target (FORMAT.md §14.4) passes on its manifest: its bytes are fetched and verified on load,
        // so an alias may still be pointed, or rolled back, at it.
        let findings = try verifier().verify(target, depth: .quick).findings.filter { $0.kind != .evicted }
        if !findings.isEmpty {
            unmet.append(
                .init(
                    .quickVerification, subject: target.description,
                    "\(target) fails quick verification: " + findings.map(\.description).joined(separator: "; ")))
        }
        return unmet
    }

    /// Throws the refusal when something is unmet: `.revoked` when the target was revoked, `.digestMismatch` when
    /// it fails verification, else `.policyRefused`. The message lists every unmet requirement, and the error's
    /// `underlying` is the ``PolicyRefusal`` with the typed list.
    func refuseUnlessAllowed(_ refusal: PolicyRefusal) throws {
        guard !refusal.unmet.isEmpty else { return }
        let kinds = Set(refusal.unmet.map(\.kind))
        if kinds.contains(.notRevoked) || kinds.contains(.quickVerification) {
            throw RegistryError(
                kinds.contains(.notRevoked) ? .revoked : .digestMismatch,
                "cannot point alias '\(refusal.alias)' at \(refusal.target.map { "\($0)" } ?? "?"): "
                    + refusal.numberedList,
                path: refusal.target.map(layout.artifactPath), underlying: refusal)
        }
        throw RegistryError(.policyRefused, refusal.message, path: layout.policyPath, underlying: refusal)
    }

    // MARK: Lifecycle states

    /// The lifecycle state of an artifact (`registered` when it was never changed). Lock-free: three `stat`s for
    /// an artifact that never changed state (its state file, `audit/` and the log's newest file). When the log's
    /// last event changed this artifact's state and its file still says the state before, that event's state is
    /// the answer: the log is the authority, written to the file or not.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming a damaged state file (``recover(actor:)-7k7gj`` rewrites it
    ///   from the log).
    public func state(of id: ArtifactID) throws -> LifecycleState {
        // The log is the authority: its last event, when it changed this artifact's state, is the state in force
        // even before the file is written (FORMAT.md §9.4).
        // Only a file that still holds the state before that event is the change left half done; anything else
        // is the file's to answer (a damaged one throws, naming it).
        if let event = (try? journal.recentLastEvent()?.decode(StateChanged.self)) ?? nil, event.artifact == id,
            let before = event.previousState, try states.record(id) != event.record,
            try states.state(of: id) == before
        {
            return event.state
        }
        return try states.state(of: id)
    }

    /// Moves an artifact to a lifecycle state and records `state_changed`.
    ///
    /// Allowed moves (FORMAT.md §12.4): any state but `registered` can be entered, `revoked` can never be left,
    /// and setting the current state again changes nothing.
    ///
    /// - Returns: the event, or nil when the artifact was already in `state`.
    /// - Throws: `.notFound` for an unknown artifact; `.invalidTransition` for a move out of `revoked` or into
    ///   `registered`; `.lockTimeout`; I/O errors (after the event was appended, the error says the change is
    ///   recorded; ``recover(actor:)-7k7gj`` writes the file).
    /// - Durability: the event is appended and synced, then `states/<id>.json` is replaced atomically.
    @discardableResult
    public func setState(
        _ id: ArtifactID, to state: LifecycleState, reason: String? = nil, actor: String? = nil
    ) throws -> AuditEvent? {
        let change = JournaledStates.Change(artifact: id, state: state, reason: reason)
        return try commit(change, to: JournaledStates(store: states, artifacts: artifacts), actor: actor)?.event
    }
}
