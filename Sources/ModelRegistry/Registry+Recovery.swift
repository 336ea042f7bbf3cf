import Foundation

extension Registry {
    /// What ``recover(actor:)-7k7gj`` found and did.
    public struct RecoveryReport: Sendable {
        /// The `log_repaired` event, when a torn last line was cut off the audit log.
        public var repairedTail: AuditEvent?
        /// Events appended to bring the log in line with the files (changes whose event a crash prevented, and
        /// `alias_restored`). Each event for a prevented change carries `"recovered": true` in its payload.
        public var appendedEvents: [AuditEvent] = []
        /// Aliases whose damaged file was rewritten (or removed) from the audit log.
        public var restoredAliases: [String] = []
        /// Artifacts whose damaged state file was rewritten (or removed) from the audit log.
        public var restoredStates: [ArtifactID] = []
        /// Leftovers of dead processes removed from `staging/`, `aliases/`, `states/` and the root.
        public var removedLeftovers: [String] = []

        /// Whether the registry was already consistent: nothing was repaired, appended or removed.
        public var isClean: Bool {
            repairedTail == nil && appendedEvents.isEmpty && restoredAliases.isEmpty && restoredStates.isEmpty
                && removedLeftovers.isEmpty
        }
    }

    /// Brings the audit log and the files of every store back into agreement after a crash.
    ///
    /// Every store changes its files first and appends the event second, and every file carries everything its
    /// event needs. So, under the writer lock:
    /// 1. a torn last line of the log is cut off and a `log_repaired` event records what was removed;
    /// 2. one pass over the log collects, per store, the last event of each alias, artifact, state, signature
    ///    and the policy;
    /// 3. each store reconciles its files with those events (FORMAT.md §9.4): an artifact, signature, policy,
    ///    state or alias file newer than the log gets its missing event (`"recovered": true`); a missing alias
    ///    file whose last event is not a retirement gets `alias_retired`; a damaged alias or state file (only a
    ///    damaged disk or a human can produce one: writes are atomic) is rewritten from the log;
    /// 4. staging directories and temp files left by processes that no longer run are deleted.
    ///
    /// Safe to run at any time; a consistent registry is left untouched.
    /// - Complexity: reads the whole audit log once (streamed) and lists every store's files.
    @discardableResult
    public func recover(actor: String? = nil) throws -> RecoveryReport {
        try withWriterLock {
            let transaction = try Transaction(registry: self, actor: actor ?? configuration.actor)
            transaction.report.repairedTail = try journal.repairTornTail(actor: transaction.actor)
            let reconcilers = [
                Reconciler(JournaledArtifacts(store: artifacts)),
                Reconciler(JournaledSignatures(store: signatures, artifacts: artifacts)),
                Reconciler(JournaledPolicy(store: policies)),
                Reconciler(JournaledAliases(registry: self)),
                Reconciler(JournaledStates(store: states, artifacts: artifacts)),
            ]
            try journal.forEachEvent(.init()) { event in
                for reconciler in reconcilers { reconciler.observe(event) }
            }
            for reconciler in reconcilers {
                transaction.report.appendedEvents += try reconciler.finish(transaction)
            }
            transaction.report.removedLeftovers = try removeLeftovers()
            if !transaction.report.appendedEvents.isEmpty || !transaction.report.restoredStates.isEmpty {
                updateIndexesAfterWrite()
            }
            return transaction.report
        }
    }

    /// Rewrites a damaged alias file from the audit log, or appends the event a crash kept from it. See
    /// ``recover(actor:)-7k7gj``, which does this for every alias.
    ///
    /// - Throws: `.notFound` when the log has no record of the alias and it has no file.
    @discardableResult
    public func restoreAlias(_ alias: String, actor: String? = nil) throws -> RecoveryReport {
        try AliasName.check(alias)
        return try withWriterLock {
            let transaction = try Transaction(registry: self, actor: actor ?? configuration.actor)
            // Read the log under the lock, so a promotion landing meanwhile cannot look like a missing event.
            var last: AliasEvent?
            try journal.forEachEvent(.init(types: Self.aliasEventTypes, alias: alias)) { event in
                if let decoded = try? event.decode(AliasEvent.self) { last = decoded }
            }
            guard last != nil || (try? FileSystem.exists(aliases.path(of: alias))) == true else {
                throw RegistryError(.notFound, "the audit log has no record of alias '\(alias)'")
            }
            for recovered in try JournaledAliases(registry: self).reconcile(alias, lastEvent: last, in: transaction) {
                transaction.report.appendedEvents.append(
                    try journal.append(recovered.event, actor: recovered.actor ?? transaction.actor))
            }
            return transaction.report
        }
    }

    /// Removes staging directories and temp files whose creating process is gone.
    private func removeLeftovers() throws -> [String] {
        var removed: [String] = []
        // Signing writes its temporary copy next to the signature, inside the artifact's `signatures/`.
        let signatureDirectories = try artifacts.list().map {
            (layout.signaturesPath(of: $0), FileSystem.temporaryPrefix)
        }
        for (directory, prefix) in layout.scratchPlaces + signatureDirectories where try FileSystem.exists(directory) {
            for entry in try FileSystem.listDirectory(directory) {
                guard let name = entry.name, let pid = FileSystem.creatorProcess(ofUniqueName: name, prefix: prefix),
                    !FileSystem.isProcessAlive(pid)
                else { continue }
                try FileSystem.removeTree(directory + "/" + name)
                removed.append(directory + "/" + name)
            }
        }
        return removed
    }
}
