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

    /// What an alias points at now. Lock-free; costs four `stat`s when nothing changed since the last call (the
    /// alias file, the target's manifest, `audit/` and its newest file).
    ///
    /// The log is the authority (FORMAT.md §9.4): when its last event is a change of this alias whose file still
    /// holds what it held before — a failed or interrupted write has not written it yet — the record that event
    /// carries is the answer, so a reader never contradicts the log.
    ///
    /// - Throws: `.notFound` for an unknown alias or when its target is not in the registry (the message names
    ///   the missing artifact); `.revoked` when the target was revoked, unless `allowRevoked`; `.invalidName`;
    ///   `.invalidJSON` / `.invalidDocument` naming a damaged alias or state file (``recover(actor:)-7k7gj`` rewrites it
    ///   from the audit log).
    public func resolve(_ alias: String, allowRevoked: Bool = false) throws -> AliasRecord {
        guard let record = try currentRecord(alias) else {
            throw RegistryError(
                .notFound, "no alias '\(alias)' in registry '\(layout.rootPath)'", path: aliases.path(of: alias))
        }
        guard try artifacts.contains(record.artifact) else {
            if let removal = lastCollection(of: record.artifact),
                let collected = (try? removal.decode(ArtifactCollected.self)) ?? nil
            {
                throw RegistryError(
                    .notFound,
                    "alias '\(alias)' points at \(record.artifact), which was removed (\(collected.reason)"
                        + "\(collected.forced ? ", forced" : "") by \(removal.actor) at \(removal.time), audit event "
                        + "#\(removal.sequence)); promote or roll the alias back to an artifact that exists, or register "
                        + "the same content again",
                    path: layout.artifactPath(record.artifact))
            }
            throw RegistryError(
                .notFound,
                "alias '\(alias)' points at \(record.artifact), which is not in registry '\(layout.rootPath)' (its "
                    + "directory is missing); promote or roll the alias back to an artifact that exists",
                path: layout.artifactPath(record.artifact))
        }
        if !allowRevoked, try state(of: record.artifact) == .revoked {
            throw RegistryError(
                .revoked,
                "alias '\(alias)' points at \(record.artifact), which was revoked; roll the alias back, or "
                    + "resolve with allowRevoked (CLI: --allow-revoked) to inspect it")
        }
        return record
    }

    /// The alias's record in force, or nil when there is none: its file, or the log's last event when that event
    /// is a change of it whose file is not written yet (see ``loggedAhead(_:)``). Checks the name.
    func currentRecord(_ alias: String) throws -> AliasRecord? {
        if let logged = try loggedAhead(alias) { return logged }
        return try aliases.record(alias)
    }

    /// The record the log's last event gives `alias` (`.some(nil)` when it retired it) when that event is a change
    /// whose file still holds what it held before — the change a failed or interrupted write left half done —
    /// else nil: the file decides (a damaged file throws, naming it). Checks the name.
    func loggedAhead(_ alias: String) throws -> AliasRecord?? {
        try AliasName.check(alias)
        guard let event = (try? journal.recentLastEvent()?.decode(AliasEvent.self)) ?? nil, event.alias == alias
        else { return nil }
        let file = try aliases.record(alias)
        switch event {
        case .moved(let moved) where file != moved.record && file?.artifact == moved.record.previousArtifact:
            return .some(moved.record)
        case .retired(let retired) where file?.artifact == retired.artifact:
            return .some(nil)
        default:
            return nil  // written, or damage and tampering, which fsck reports and recover restores
        }
    }

    /// Every alias and its record, sorted by name.
    ///
    /// - Throws: the first damaged alias file's error, naming the file.
    public func listAliases() throws -> [AliasRecord] {
        try aliases.names().map { try aliases.resolve($0) }
    }

    /// The changes of one alias, oldest first, read from the audit log (streamed, not loaded at once).
    ///
    /// - Throws: `.invalidName`; `.notFound` when the log has no event for the alias and it has no file.
    public func aliasHistory(_ alias: String) throws -> [AuditEvent] {
        try AliasName.check(alias)
        var history: [AuditEvent] = []
        try journal.forEachEvent(.init(types: Self.aliasEventTypes, alias: alias)) { history.append($0) }
        if history.isEmpty, try aliases.record(alias) == nil {
            throw RegistryError(
                .notFound, "no alias '\(alias)' in registry '\(layout.rootPath)': the audit log never mentions it",
                path: aliases.path(of: alias))
        }
        return history
    }

    /// The audit event types that change an alias.
    public static let aliasEventTypes: Set<AuditEvent.Kind> = Set(
        AliasEvent.eventTypes.map { AuditEvent.Kind(rawValue: $0) })

    // MARK: Changing (writer lock)

    /// Points `alias` at `artifact`, creating the alias if needed.
    ///
    /// Under the writer lock: reads the current record, checks `expecting` (compare-and-swap), checks that the
    /// artifact exists, is not revoked and passes quick verification (structure, sizes, id; the full re-hash too
    /// when the policy asks), checks `policy.json` and the configured promotion hook, appends `alias_promoted`,
    /// then replaces `aliases/<alias>.json` atomically. Promoting to the current target changes nothing.
    ///
    /// - Parameters:
    ///   - alias: the alias name (FORMAT.md §8.1).
    ///   - artifact: the artifact it will point at.
    ///   - expecting: `.target(id)` fails with `.conflict`, changing nothing, if another writer moved the alias
    ///     first; `.absent` only creates.
    ///   - actor: who promotes (default: the configuration's actor).
    ///   - reason: why, recorded in the alias record and the event.
    ///   - approval: the approval id the policy asked for, if any.
    ///   - signedApproval: a signed approval (FORMAT.md §12.8), recorded whole in the event.
    /// - Throws: `.invalidName`, `.notFound` (no such artifact), `.revoked`, `.digestMismatch` (the target fails
    ///   quick verification), `.conflict`, `.policyRefused` listing every unmet requirement, whatever the hook
    ///   throws, `.lockTimeout`, `.reentrantWrite`, I/O errors. An error before the event leaves everything
    ///   unchanged; after it, the error says the change is recorded and its file not yet written.
    /// - Durability: event first (it carries the whole record), then the file, both synced before this returns.
    ///   After a crash between them, ``recover(actor:)-7k7gj`` writes the file from the event.
    @discardableResult
    public func promote(
        _ alias: String, to artifact: ArtifactID, expecting: AliasExpectation = .any, actor: String? = nil,
        reason: String? = nil, approval: String? = nil, signedApproval: SignedApproval? = nil
    ) throws -> AliasUpdate {
        try AliasName.check(alias)
        warmStamps(alias: alias, target: artifact)
        return try changeAlias(
            .init(
                kind: .promote(artifact), alias: alias, expecting: expecting, reason: reason, approval: approval,
                signedApproval: signedApproval),
            actor: actor)
    }

    /// Points `alias` back one step through its history, or at `target` if given.
    ///
    /// Rollbacks walk back like Nix generations: after A → B → C, one rollback lands on B, the next on A, and a
    /// third fails because nothing earlier is left. A later promotion starts a new step. `target` must be an
    /// artifact the alias pointed at before (according to the audit log). Rollback is the emergency lever, so the
    /// promotion requirements of `policy.json` do not apply: only revocation, quick verification and the rule's
    /// own optional `rollback` requirements gate it.
    ///
    /// - Throws: `.notFound` (no such alias, or nothing to roll back to, or the target is gone),
    ///   `.invalidArgument` when `target` was never a target of the alias, `.revoked`, `.conflict` when
    ///   `expecting` fails, `.policyRefused`, what the hook throws, I/O errors.
    /// - Durability: as ``promote(_:to:expecting:actor:reason:approval:signedApproval:)-6aecb``.
    @discardableResult
    public func rollback(
        _ alias: String, to target: ArtifactID? = nil, expecting: AliasExpectation = .any, actor: String? = nil,
        reason: String? = nil, approval: String? = nil, signedApproval: SignedApproval? = nil
    ) throws -> AliasUpdate {
        try AliasName.check(alias)
        return try changeAlias(
            .init(
                kind: .rollback(to: target), alias: alias, expecting: expecting, reason: reason, approval: approval,
                signedApproval: signedApproval),
            actor: actor)
    }

    /// Removes an alias. Its history stays in the audit log.
    ///
    /// - Throws: `.notFound`, `.conflict` when `expecting` fails, `.policyRefused` when the rule's optional
    ///   `retire` requirements are not met, I/O errors.
    /// - Durability: `alias_retired` is appended and synced, then the file is removed and `aliases/` synced.
    @discardableResult
    public func retire(
        _ alias: String, expecting: AliasExpectation = .any, actor: String? = nil, reason: String? = nil,
        approval: String? = nil
    ) throws -> AuditEvent {
        try AliasName.check(alias)
        let change = JournaledAliases.Change(
            kind: .retire, alias: alias, expecting: expecting, reason: reason, approval: approval)
        guard let committed = try commit(change, to: JournaledAliases(registry: self), actor: actor) else {
            preconditionFailure("checking a retirement returns its event or throws (.notFound for no alias)")
        }
        return committed.event
    }

    private func changeAlias(_ change: JournaledAliases.Change, actor: String?) throws -> AliasUpdate {
        if let committed = try commit(change, to: JournaledAliases(registry: self), actor: actor),
            let record = committed.payload.record
        {
            return AliasUpdate(record: record, changed: true, event: committed.event)
        }
        return AliasUpdate(record: try aliases.resolve(change.alias), changed: false, event: nil)
    }

    /// Hashes the target's changed files *before* the writer lock is taken, so the checks under the lock only
    /// compare stamps. Best effort: the checks under the lock decide.
    private func warmStamps(alias: String, target: ArtifactID) {
        guard let rule = try? promotionPolicy().rule(for: alias),
            rule.requireVerifiedDigests || rule.requiredSignatures > 0
        else { return }
        _ = try? verifier().verifyForLoading(target)
    }

    // MARK: Rollback history

    /// Where a rollback goes: `requested` if the alias ever pointed there, else one step back through the
    /// alias's generations (FORMAT.md §8.3).
    func rollbackTarget(of alias: String, current: AliasRecord, requested: ArtifactID?) throws -> ArtifactID {
        let history = try aliasGenerations(alias)
        let generations = history.stack
        if let requested {
            guard history.everTargeted.contains(requested) || current.previousArtifact == requested else {
                throw RegistryError(
                    .invalidArgument,
                    "\(requested) was never a target of alias '\(alias)'; use promote to point it there")
            }
            return requested
        }
        if let previous = history.previous(from: current.artifact) { return previous }
        if generations.last != current.artifact, let previous = current.previousArtifact { return previous }
        throw RegistryError(
            .notFound,
            "alias '\(alias)' has no earlier target to roll back to (its history starts at \(current.artifact))")
    }

    /// The alias's generations, replayed from its events in log order (FORMAT.md §8.3).
    func aliasGenerations(_ alias: String) throws -> AliasGenerations {
        var generations = AliasGenerations()
        try journal.forEachEvent(.init(types: Self.aliasEventTypes, alias: alias)) { event in
            if let change = try? event.decode(AliasEvent.self) { generations.apply(change) }
        }
        return generations
    }
}

/// The targets an alias went through, as a stack its rollbacks walk down (FORMAT.md §8.3).
struct AliasGenerations {
    /// The generations still in effect, oldest first; the last is the current target.
    var stack: [ArtifactID] = []
    /// Every artifact the alias ever pointed at.
    var everTargeted = Set<ArtifactID>()

    /// The generation a rollback without an explicit target goes to, when the alias now points at `current`.
    func previous(from current: ArtifactID) -> ArtifactID? {
        stack.count >= 2 && stack.last == current ? stack[stack.count - 2] : nil
    }

    /// Replays one alias event from its payload's `artifact` (and `record.artifact` for `alias_restored`) alone,
    /// without decoding the whole payload: the collector replays every alias change of a long log. Returns false
    /// when the payload lacks what this needs (then decode it and call ``apply(_:)``).
    mutating func applyLight(_ event: AuditEvent) -> Bool {
        func target(_ members: [String: JSONValue]?) -> ArtifactID? {
            members?["artifact"]?.stringValue.flatMap(ArtifactID.init)
        }
        switch event.type {
        case .aliasPromoted, .aliasRolledBack:
            guard let artifact = target(event.payload.objectValue) else { return false }
            everTargeted.insert(artifact)
            if event.type == .aliasRolledBack, let index = stack.lastIndex(of: artifact) {
                stack.removeSubrange((index + 1)...)
            } else {
                stack.append(artifact)
            }
        case .aliasRetired:
            stack.removeAll()
        case .aliasRestored:
            guard let record = event.payload.objectValue?["record"] else {
                stack.removeAll()
                return true
            }
            guard let artifact = target(record.objectValue) else { return false }
            if stack.last != artifact { stack.append(artifact) }
        default:
            return false
        }
        return true
    }

    /// Replays one event.
    mutating func apply(_ event: AliasEvent) {
        switch event {
        case .moved(let moved):
            let target = moved.record.artifact
            everTargeted.insert(target)
            if moved.kind == .rollback, let index = stack.lastIndex(of: target) {
                stack.removeSubrange((index + 1)...)
            } else {
                stack.append(target)
            }
        case .retired:
            stack.removeAll()
        case .restored(let restored):
            // The file was rewritten from the last event, so the history stands; no record means retired.
            if let record = restored.record {
                if stack.last != record.artifact { stack.append(record.artifact) }
            } else {
                stack.removeAll()
            }
        }
    }
}
