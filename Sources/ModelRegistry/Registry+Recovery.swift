import Foundation

extension Registry {
    /// What ``recover()`` found and did.
    public struct RecoveryReport: Sendable {
        /// The `log_repaired` event, when a torn last line was cut off the audit log.
        public var repairedTail: AuditEvent?
        /// Events appended to bring the log in line with the state (artifacts or alias changes whose event a
        /// crash prevented). Each carries `"recovered": true` in its payload.
        public var appendedEvents: [AuditEvent] = []
        /// Aliases whose damaged file was rewritten (or removed) from the audit log.
        public var restoredAliases: [String] = []
        /// Leftovers of dead processes removed from `staging/` and `aliases/`.
        public var removedLeftovers: [String] = []

        /// Whether the registry was already consistent.
        public var isClean: Bool {
            repairedTail == nil && appendedEvents.isEmpty && restoredAliases.isEmpty && removedLeftovers.isEmpty
        }
    }

    /// Brings the audit log, the alias files and the artifacts back into agreement after a crash.
    ///
    /// Every store changes its state first and appends the event second, and every state file carries everything
    /// its event needs. So, under the writer lock:
    /// 1. a torn last line of the log is cut off and a `log_repaired` event records what was removed;
    /// 2. an artifact without an `artifact_registered` event gets one;
    /// 3. an alias file that parses but differs from the alias's last event gets the missing event; a missing
    ///    alias file whose last event is not a retirement gets `alias_retired`;
    /// 4. an alias file that does not parse (only a damaged disk or a human can produce one: writes are atomic)
    ///    is rewritten from its last event's record — or removed if the log says it was retired — and
    ///    `alias_restored` records that;
    /// 5. a signature file or a `policy.json` without its `signature_added` / `policy_changed` event gets one;
    /// 6. a lifecycle state file that differs from the artifact's last `state_changed` event gets the event;
    /// 7. staging directories and temp files left by processes that no longer run are deleted.
    ///
    /// Safe to run at any time; a consistent registry is left untouched.
    /// - Complexity: reads the whole audit log once (streamed) and lists `artifacts/` and `aliases/`.
    @discardableResult
    public func recover(actor: String? = nil) throws -> RecoveryReport {
        let actor = actor ?? configuration.actor
        return try withWriterLock {
            var report = RecoveryReport()
            report.repairedTail = try journal.repairTornTail(actor: actor)

            var registered = Set<String>()
            var lastAliasEvent: [String: AuditEvent] = [:]
            var lastStateRecord: [String: JSONValue] = [:]
            var lastPolicyDigest: String?
            var loggedSignatures = Set<String>()
            try journal.forEachEvent(.init()) { event in
                if event.type == .policyChanged { lastPolicyDigest = event.payload.objectValue?["digest"]?.stringValue }
                if event.type == .signatureAdded, let id = event.payload.objectValue?["artifact"]?.stringValue,
                    let file = event.payload.objectValue?["file"]?.stringValue
                {
                    loggedSignatures.insert(id + "/" + file)
                }
                if event.type == .stateChanged, let id = event.payload.objectValue?["artifact"]?.stringValue,
                    let record = event.payload.objectValue?["record"]
                {
                    lastStateRecord[id] = record
                }
                if event.type == .artifactRegistered, let id = event.payload.objectValue?["artifact"]?.stringValue {
                    registered.insert(id)
                }
                if Self.aliasEventTypes.contains(event.type), let alias = event.alias {
                    lastAliasEvent[alias] = event
                }
            }

            for id in try artifacts.list() {
                // One damaged artifact must not stop the recovery of everything else; the verifier reports it.
                if !registered.contains(id.description), let artifact = try? artifacts.artifact(id) {
                    report.appendedEvents.append(
                        try journal.append(.artifactRegistered, actor: actor, payload: Self.registrationPayload(artifact, recovered: true)))
                }
                let signatures = layout.artifactPath(id) + "/signatures"
                for entry in (try? FileSystem.listDirectory(signatures)) ?? [] {
                    guard let name = entry.name, name.hasSuffix(".json"), !loggedSignatures.contains("\(id)/signatures/\(name)"),
                        let bytes = try? FileSystem.readDocument(signatures + "/" + name, limit: 1 << 20),
                        let file = try? SignatureFile(fileBytes: bytes, source: name), file.fileName == name
                    else { continue }
                    report.appendedEvents.append(
                        try journal.append(.signatureAdded, actor: actor, payload: Self.signaturePayload(file, recovered: true)))
                }
            }
            if let bytes = try? FileSystem.readDocument(policyPath, limit: 1 << 20),
                SHA256Algorithm().hash(bytes).description != lastPolicyDigest,
                let policy = try? PromotionPolicy(parsing: bytes, source: policyPath)
            {
                report.appendedEvents.append(
                    try journal.append(.policyChanged, actor: actor, payload: Self.policyPayload(bytes, rules: policy.rules.count, recovered: true)))
            }

            let names = Set(try aliases.names()).union(lastAliasEvent.keys)
            for alias in names.sorted() {
                try recoverAlias(alias, lastEvent: lastAliasEvent[alias], actor: actor, report: &report)
            }
            for id in try artifacts.list() {
                guard let record = try? states.record(id), lastStateRecord[id.description] != record.jsonValue else { continue }
                report.appendedEvents.append(
                    try journal.append(
                        .stateChanged, actor: record.actor,
                        payload: [
                            "artifact": .string(id.description), "state": .string(record.state.rawValue),
                            "record": record.jsonValue, "recovered": .bool(true),
                        ]))
            }
            report.removedLeftovers = try removeLeftovers()
            if !report.appendedEvents.isEmpty { updateIndexesAfterWrite() }
            return report
        }
    }

    /// Rewrites a damaged alias file from the audit log. See ``recover()``, which does this for every alias.
    ///
    /// - Throws: `.notFound` when the log has no record of the alias.
    @discardableResult
    public func restoreAlias(_ alias: String, actor: String? = nil) throws -> RecoveryReport {
        try AliasName.check(alias)
        let actor = actor ?? configuration.actor
        return try withWriterLock {
            // Read the log under the lock, so a promotion landing meanwhile cannot look like a missing event.
            var last: AuditEvent?
            try journal.forEachEvent(.init(types: Self.aliasEventTypes, alias: alias)) { last = $0 }
            guard last != nil || (try? aliases.record(alias)) != nil else {
                throw RegistryError(.notFound, "the audit log has no record of alias '\(alias)'")
            }
            var report = RecoveryReport()
            try recoverAlias(alias, lastEvent: last, actor: actor, report: &report)
            return report
        }
    }

    private func recoverAlias(_ alias: String, lastEvent: AuditEvent?, actor: String, report: inout RecoveryReport) throws {
        let logged: AliasRecord? = try lastEvent.flatMap { event in
            guard event.type != .aliasRetired, let record = event.payload.objectValue?["record"] else { return nil }
            return try AliasRecord(json: record, source: "audit event \(event.sequence)")
        }
        let onDisk: AliasRecord?
        do {
            onDisk = try aliases.record(alias)
        } catch let error as RegistryError where [.invalidJSON, .invalidDocument, .invalidArgument, .unsupportedFormatVersion].contains(error.code) {
            // Damaged file: the log is the only trustworthy copy.
            if let logged {
                try aliases.write(logged)
            } else {
                try aliases.remove(alias)
            }
            var payload: [String: JSONValue] = ["alias": .string(alias), "damagedFile": .string(aliases.path(of: alias))]
            if let logged { payload["artifact"] = .string(logged.artifact.description); payload["record"] = logged.jsonValue }
            report.appendedEvents.append(try journal.append(.aliasRestored, actor: actor, payload: payload))
            report.restoredAliases.append(alias)
            return
        }
        switch (onDisk, logged) {
        case (let file?, let logged) where file != logged:
            // The file is newer than the log: its change was made, the event was not written.
            report.appendedEvents.append(
                try journal.append(.aliasPromoted, actor: file.actor, payload: Self.aliasPayload(file, recovered: true)))
        case (nil, let logged?):
            var payload: [String: JSONValue] = [
                "alias": .string(alias), "artifact": .string(logged.artifact.description), "recovered": .bool(true),
            ]
            payload["reason"] = .string("alias file missing at recovery")
            report.appendedEvents.append(try journal.append(.aliasRetired, actor: actor, payload: payload))
        default:
            break
        }
    }

    /// Removes staging directories and temp files whose creating process is gone.
    private func removeLeftovers() throws -> [String] {
        var removed: [String] = []
        let places: [(directory: String, prefix: String)] = [
            (layout.stagingPath, "ingest-"), (layout.aliasesPath, ".tmp-"), (layout.rootPath, ".tmp-"),
            (states.directory, ".tmp-"),
        ]
        for (directory, prefix) in places where try FileSystem.exists(directory) {
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
