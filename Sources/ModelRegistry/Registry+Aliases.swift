import Foundation

extension Registry {
    /// The outcome of an alias change.
    public struct AliasUpdate: Sendable {
        /// The alias record now in force.
        public let record: AliasRecord
        /// False when the alias already pointed at the target, so nothing was written or logged.
        public let changed: Bool
        /// The audit event that records the change (nil when nothing changed).
        public let event: AuditEvent?
    }

    // MARK: Reading (lock-free)

    /// What an alias points at now. Lock-free; costs one `stat` when the alias has not changed since the last call.
    ///
    /// - Throws: `.notFound`, `.invalidName`, or `.invalidJSON` / `.invalidDocument` naming a damaged alias file
    ///   (``restoreAlias(_:actor:)`` rewrites it from the audit log).
    public func resolve(_ alias: String, allowRevoked: Bool = false) throws -> AliasRecord {
        let record = try aliases.resolve(alias)
        if !allowRevoked, try states.state(of: record.artifact) == .revoked {
            throw RegistryError(
                .revoked, "alias '\(alias)' points at \(record.artifact), which was revoked; roll the alias back, or "
                    + "resolve with allowRevoked (CLI: --allow-revoked) to inspect it")
        }
        return record
    }

    /// Every alias and its record, sorted by name.
    ///
    /// - Throws: the first damaged alias file's error, naming the file.
    public func listAliases() throws -> [AliasRecord] {
        try aliases.names().map { try aliases.resolve($0) }
    }

    /// The changes of one alias, oldest first, read from the audit log (streamed, not loaded at once).
    public func aliasHistory(_ alias: String) throws -> [AuditEvent] {
        try AliasName.check(alias)
        var history: [AuditEvent] = []
        try journal.forEachEvent(.init(types: Self.aliasEventTypes, alias: alias)) { history.append($0) }
        return history
    }

    /// The audit event types that change an alias.
    public static let aliasEventTypes: Set<AuditEvent.Kind> = [
        .aliasPromoted, .aliasRolledBack, .aliasRetired, .aliasRestored,
    ]

    // MARK: Changing (writer lock)

    /// Points `alias` at `artifact`, creating the alias if needed.
    ///
    /// Under the writer lock: reads the current record, checks `expecting` (compare-and-swap), checks that the
    /// artifact exists, runs the configured promotion policy, replaces `aliases/<alias>.json` atomically, then
    /// appends `alias_promoted` to the audit log. Promoting to the current target changes nothing.
    ///
    /// - Parameters:
    ///   - expecting: `.target(id)` fails with `.conflict`, changing nothing, if another writer moved the alias
    ///     first; `.absent` only creates.
    ///   - actor: who promotes (default: the configuration's actor).
    ///   - reason: why, recorded in the alias record and the event.
    ///   - approval: the approval id the policy asked for, if any.
    /// - Throws: `.invalidName`, `.notFound` (no such artifact), `.conflict`, whatever the policy throws,
    ///   `.lockTimeout`, I/O errors. On any error the alias is unchanged.
    /// - Durability: state first, event second, both synced before this returns. After a crash between them,
    ///   ``recover()`` appends the missing event from the alias file, which carries all of it.
    @discardableResult
    public func promote(
        _ alias: String, to artifact: ArtifactID, expecting: AliasExpectation = .any, actor: String? = nil,
        reason: String? = nil, approval: String? = nil, signedApproval: SignedApproval? = nil
    ) throws -> AliasUpdate {
        try AliasName.check(alias)
        guard try artifacts.contains(artifact) else {
            throw RegistryError(.notFound, "cannot point alias '\(alias)' at \(artifact): no such artifact in this registry")
        }
        warmStampsForPolicy(alias: alias, target: artifact)
        return try withWriterLock {
            let current = try aliases.record(alias)
            try expecting.check(current, alias: alias)
            return try change(
                AliasChange(
                    kind: .promote, alias: alias, current: current, target: artifact,
                    actor: actor ?? configuration.actor, reason: reason, approval: approval ?? signedApproval?.approval,
                    signedApprovalBytes: signedApproval?.fileBytes()))
        }
    }

    /// Points `alias` back at its previous target, or at `target` if given, which must be a target the alias had
    /// before (according to the audit log).
    ///
    /// - Throws: `.notFound` (no such alias, or nothing to roll back to), `.invalidArgument` when `target` was
    ///   never a target of the alias, `.conflict` when `expecting` fails, what the policy throws, I/O errors.
    @discardableResult
    public func rollback(
        _ alias: String, to target: ArtifactID? = nil, expecting: AliasExpectation = .any, actor: String? = nil,
        reason: String? = nil, approval: String? = nil
    ) throws -> AliasUpdate {
        try AliasName.check(alias)
        let earlierTargets = Set(try aliasHistory(alias).compactMap { event in
            event.payload.objectValue?["artifact"]?.stringValue.flatMap(ArtifactID.init)
        })
        if let target { warmStampsForPolicy(alias: alias, target: target) }
        return try withWriterLock {
            let current = try aliases.resolve(alias)
            try expecting.check(current, alias: alias)
            let destination: ArtifactID
            if let target {
                guard earlierTargets.contains(target) || current.previousArtifact == target else {
                    throw RegistryError(
                        .invalidArgument, "\(target) was never a target of alias '\(alias)'; use promote to point it there")
                }
                destination = target
            } else {
                guard let previous = current.previousArtifact else {
                    throw RegistryError(.notFound, "alias '\(alias)' has no previous target to roll back to")
                }
                destination = previous
            }
            guard try artifacts.contains(destination) else {
                throw RegistryError(.notFound, "cannot roll alias '\(alias)' back to \(destination): the artifact is gone")
            }
            return try change(
                AliasChange(
                    kind: .rollback, alias: alias, current: current, target: destination,
                    actor: actor ?? configuration.actor, reason: reason, approval: approval))
        }
    }

    /// Removes an alias. Its history stays in the audit log.
    ///
    /// - Throws: `.notFound`, `.conflict` when `expecting` fails, I/O errors.
    /// - Durability: the file is removed and `aliases/` synced, then `alias_retired` is appended.
    @discardableResult
    public func retire(_ alias: String, expecting: AliasExpectation = .any, actor: String? = nil, reason: String? = nil) throws -> AuditEvent {
        try AliasName.check(alias)
        return try withWriterLock {
            let current = try aliases.resolve(alias)
            try expecting.check(current, alias: alias)
            try aliases.remove(alias)
            CrashPoint.hit("alias.afterStateChange")
            var payload: [String: JSONValue] = ["alias": .string(alias), "artifact": .string(current.artifact.description)]
            if let reason { payload["reason"] = .string(reason) }
            do {
                let event = try journal.append(.aliasRetired, actor: actor ?? configuration.actor, payload: payload)
                CrashPoint.hit("alias.afterEvent")
                return event
            } catch {
                try? aliases.write(current)  // keep file and log in agreement: undo the removal
                throw error
            }
        }
    }

    /// Applies a checked change; the writer lock is held.
    private func change(_ request: AliasChange) throws -> AliasUpdate {
        if let current = request.current, current.artifact == request.target {
            return AliasUpdate(record: current, changed: false, event: nil)
        }
        try checkPolicy(request)
        try configuration.promotionPolicy?(request)
        let now = configuration.clock()
        guard let changedAt = Timestamp.format(now) else {
            throw RegistryError(.invalidArgument, "the clock reads \(now), outside the years 0000-9999 a registry can record")
        }
        let record = AliasRecord(
            alias: request.alias, artifact: request.target, previousArtifact: request.current?.artifact,
            changedAt: changedAt, approval: request.approval, actor: request.actor,
            reason: request.reason)
        try aliases.write(record)
        CrashPoint.hit("alias.afterStateChange")
        let type: AuditEvent.Kind = request.kind == .promote ? .aliasPromoted : .aliasRolledBack
        do {
            let event = try journal.append(
                type, actor: request.actor, payload: Self.aliasPayload(record, signedApproval: request.signedApprovalBytes))
            CrashPoint.hit("alias.afterEvent")
            return AliasUpdate(record: record, changed: true, event: event)
        } catch {
            // The event could not be recorded: put the old state back so file and log agree.
            if let current = request.current { try? aliases.write(current) } else { try? aliases.remove(request.alias) }
            throw error
        }
    }

    /// Hashes the target's changed files *before* the writer lock is taken when the policy will ask for verified
    /// digests or signatures, so the check under the lock only compares stamps. Best effort: the gate decides.
    private func warmStampsForPolicy(alias: String, target: ArtifactID) {
        guard let rule = try? promotionPolicy().rule(for: alias), rule.requireVerifiedDigests || rule.requiredSignatures > 0
        else { return }
        _ = try? verifier().verifyForLoading(target)
    }

    /// Refuses revoked targets and checks the registry's `policy.json`; the writer lock is held.
    private func checkPolicy(_ request: AliasChange) throws {
        if try states.state(of: request.target) == .revoked {
            throw RegistryError(.revoked, "cannot point alias '\(request.alias)' at \(request.target): the artifact was revoked")
        }
        guard let rule = try promotionPolicy().rule(for: request.alias) else { return }
        let signedApproval = try request.signedApprovalBytes.map { try SignedApproval(fileBytes: $0, source: "signed approval") }
        let unmet = try PromotionGate(verifier: verifier(trust: configuration.trust)).unmetRequirements(
            rule: rule, alias: request.alias, target: request.target, current: request.current?.artifact,
            approval: request.approval, signedApproval: signedApproval)
        guard unmet.isEmpty else {
            throw RegistryError(
                .policyRefused,
                "the policy for '\(rule.aliases)' refuses pointing '\(request.alias)' at \(request.target): "
                    + unmet.enumerated().map { "(\($0.offset + 1)) \($0.element)" }.joined(separator: "; "),
                path: layout.rootPath + "/policy.json")
        }
    }

    /// The payload of an alias event: the alias, its new and previous targets, and the full record.
    static func aliasPayload(_ record: AliasRecord, recovered: Bool = false, signedApproval: [UInt8]? = nil) -> [String: JSONValue] {
        var payload: [String: JSONValue] = [
            "alias": .string(record.alias),
            "artifact": .string(record.artifact.description),
            "record": record.jsonValue,
        ]
        if let previous = record.previousArtifact { payload["previousArtifact"] = .string(previous.description) }
        if recovered { payload["recovered"] = .bool(true) }
        if let signedApproval, let value = try? CanonicalJSON.parse(signedApproval, source: "signed approval") {
            payload["signedApproval"] = value
        }
        return payload
    }
}

extension AuditEvent.Kind {
    /// Recovery rewrote a damaged alias file from the audit log.
    public static let aliasRestored: Self = "alias_restored"
}
