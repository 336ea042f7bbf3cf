/// Aliases on the write path: `aliases/<alias>.json`, recorded as `alias_promoted`, `alias_rolled_back` and
/// `alias_retired` (earlier versions' recovery also wrote `alias_restored`, which replays still read).
struct JournaledAliases: JournaledStore {
    /// A requested alias change.
    struct Change {
        /// What to do.
        enum Kind {
            /// Point the alias at this artifact.
            case promote(ArtifactID)
            /// Point it back: at the given earlier target, or one step back through its history.
            case rollback(to: ArtifactID?)
            /// Remove it.
            case retire
        }

        var kind: Kind
        var alias: String
        var expecting: AliasExpectation
        var reason: String?
        var approval: String?
        var signedApproval: SignedApproval?
    }

    let registry: Registry
    var store: FileAliasStore { registry.aliases }
    var name: String { "alias" }

    func check(_ change: Change, in transaction: Transaction) throws -> AliasEvent? {
        let current = try store.record(change.alias)
        try change.expecting.check(current, alias: change.alias)
        let target: ArtifactID
        let kind: AliasChange.Kind
        switch change.kind {
        case .retire:
            let current = try current ?? store.resolve(change.alias)  // throws .notFound naming the alias
            try registry.refuseUnlessAllowed(
                registry.unmetRequirements(
                    .retire, alias: change.alias, target: current.artifact, current: current.artifact,
                    approval: change.approval, signedApproval: nil))
            return .retired(AliasRetired(alias: change.alias, artifact: current.artifact, reason: change.reason))
        case .promote(let artifact):
            target = artifact
            kind = .promote
            if current?.artifact == target { return nil }  // already there: nothing to write or log
            try registry.refuseUnlessAllowed(
                registry.unmetRequirements(
                    .promote, alias: change.alias, target: target, current: current?.artifact,
                    approval: change.approval, signedApproval: change.signedApproval))
        case .rollback(let requested):
            let current = try current ?? store.resolve(change.alias)  // throws .notFound naming the alias
            target = try registry.rollbackTarget(of: change.alias, current: current, requested: requested)
            kind = .rollback
            try registry.refuseUnlessAllowed(
                registry.unmetRequirements(
                    .rollback, alias: change.alias, target: target, current: current.artifact,
                    approval: change.approval, signedApproval: change.signedApproval))
        }
        let record = AliasRecord(
            alias: change.alias, artifact: target, previousArtifact: current?.artifact, changedAt: transaction.time,
            approval: change.approval ?? change.signedApproval?.approval, actor: transaction.actor,
            reason: change.reason)
        try registry.configuration.promotionPolicy?(
            AliasChange(
                kind: kind, alias: change.alias, current: current, target: target, actor: transaction.actor,
                reason: change.reason, approval: record.approval,
                signedApprovalBytes: change.signedApproval?.fileBytes()))
        return .moved(AliasMoved(kind: kind, record: record, signedApproval: change.signedApproval?.jsonValue))
    }

    func apply(_ change: Change, as event: AliasEvent, in transaction: Transaction) throws {
        if let record = event.record { try store.write(record) } else { try store.remove(change.alias) }
    }

    func key(of event: AliasEvent) -> String { event.alias }

    func isMaterialized(_ event: AliasEvent) throws -> Bool {
        (try? store.record(event.alias)) == event.record
    }

    func restore(_ alias: String, to event: AliasEvent?) throws -> Bool {
        if let record = event?.record { try store.write(record) } else { try store.remove(alias) }
        return true
    }
}

extension JournaledAliases {
    func discrepancies(lastEvents: [String: AliasEvent]) throws -> [Discrepancy] {
        let names = Set(try store.names()).union(lastEvents.keys.filter { (try? AliasName.check($0)) != nil })
        var findings: [Discrepancy] = []
        func add(_ alias: String, _ finding: Finding) { findings.append(Discrepancy(key: alias, finding: finding)) }
        for alias in names.sorted() {
            let path = store.layout.relativePath(store.path(of: alias))
            let logged = lastEvents[alias]?.record
            let onDisk: AliasRecord?
            do {
                onDisk = try store.record(alias)
            } catch let error as RegistryError {
                add(alias, Finding(.damagedView, path: path, error.message))
                continue
            }
            switch (onDisk, logged) {
            case (let file?, nil):
                add(
                    alias,
                    Finding(
                        .viewNotInLog, path: path,
                        "points at \(file.artifact), but the log has no change of alias '\(alias)' in force"))
            case (let file?, let logged?) where file != logged:
                add(
                    alias,
                    Finding(
                        .viewDiffersFromLog, path: path,
                        file.artifact == logged.artifact
                            ? "its record differs from the one the log's last change of '\(alias)' wrote"
                            : "points at \(file.artifact); the log says \(logged.artifact)"))
            case (nil, let logged?):
                add(
                    alias,
                    Finding(
                        .viewMissing, path: path, "is missing; the log says '\(alias)' points at \(logged.artifact)"))
            default:
                break
            }
        }
        return findings
    }
}
