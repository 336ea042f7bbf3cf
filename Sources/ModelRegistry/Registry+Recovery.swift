import Foundation

extension Registry {
    /// What ``recover(actor:)-7k7gj`` found and did.
    public struct RecoveryReport: Sendable {
        /// The `log_repaired` event, when a torn last line was cut off the audit log.
        public var repairedTail: AuditEvent?
        /// Events appended: the registration of an artifact whose publication a crash interrupted after the
        /// rename (`"recovered": true`).
        public var appendedEvents: [AuditEvent] = []
        /// Files of the change a crash interrupted (its event is the log's last), written from that event.
        public var completed: [Finding] = []
        /// Files that differed from the log for any other reason — damage or tampering — and were restored from
        /// the log. What each said is in its finding; nothing of it was written into the log.
        public var repaired: [Finding] = []
        /// Differences recovery reports but cannot repair from the log: an artifact directory nobody registered
        /// (``Registry/adopt(_:actor:)-3j4sh`` registers it), a registered artifact whose directory is gone, a file
        /// whose event predates the payload that would re-derive it.
        public var unresolved: [Finding] = []
        /// Leftovers of dead processes removed from `staging/`, `aliases/`, `states/`, the root and
        /// `signatures/`, stale publishing marks, and the bundle subdirectories an interrupted eviction emptied.
        public var removedLeftovers: [String] = []
        /// Index caches whose files disagreed with each other — a crash while they were being written, or an
        /// edit — and that were rebuilt from the artifacts and the log (a reader would rebuild them too; fsck
        /// reports them until then).
        public var rebuiltIndexes: [Finding] = []

        /// Whether the registry was already consistent: nothing was repaired, completed, appended or removed,
        /// and nothing is left unresolved.
        public var isClean: Bool {
            repairedTail == nil && appendedEvents.isEmpty && completed.isEmpty && repaired.isEmpty
                && unresolved.isEmpty && removedLeftovers.isEmpty && rebuiltIndexes.isEmpty
        }
    }

    /// Brings the files back to what the audit log says, after a crash or damage (FORMAT.md §9.4).
    ///
    /// The log is the authority for aliases, lifecycle states, signatures and the policy: their files are views
    /// the log re-derives. Under the writer lock:
    /// 1. a torn last line of the log is cut off and a `log_repaired` event records what was removed;
    /// 2. one pass over the log gives, per store, the last event of each alias, state, signature and the policy;
    /// 3. every such file that differs from its last event is rewritten from the log (or removed when no event
    ///    accounts for it). The change whose event is the log's last — the one a crash can have left half done —
    ///    is reported as ``RecoveryReport/completed``; any other difference is damage or tampering, reported as
    ///    ``RecoveryReport/repaired``, and never written into the log as new history;
    /// 4. an artifact directory without its event is registered only when its publishing mark shows it is the
    ///    publication a crash interrupted; any other is reported (``adopt(_:actor:)-3j4sh`` registers it explicitly);
    /// 5. a fetch a crash interrupted (its fetching mark is in `staging/`) is registered with `artifact_fetched`
    ///    (`"recovered": true`) when every file is in place and hashes as the manifest lists, else its files are
    ///    taken back out; an eviction whose event is in the log has its remaining files removed, and the
    ///    subdirectories they leave empty, as a finished eviction does (FORMAT.md §14.4);
    /// 6. staging directories whose lock no writer holds (FORMAT.md §6), and temp files left by processes that no
    ///    longer run, are deleted;
    /// 7. with ``Configuration/checkpointKey`` set, the log's head is signed as an automatic checkpoint when no note
    ///    anchors it yet, and the older note that key alone signed is removed (FORMAT.md §9.6).
    ///
    /// Safe to run at any time; a consistent registry is left untouched.
    /// - Complexity: reads the whole audit log once (streamed) and lists every store's files.
    @discardableResult
    public func recover(actor: String? = nil) throws -> RecoveryReport {
        try withWriterLock {
            let actor = actor ?? configuration.actor
            var report = RecoveryReport()
            report.repairedTail = try journal.repairTornTail(actor: actor)
            // Before the log is read: a fetch a crash interrupted after its files were in place gets its event.
            try completeInterruptedFetches(actor: actor, report: &report)
            let registrations = RegistrationReplay()
            let views = viewReplays(registered: registrations)
            var lastEvent: AuditEvent?
            var cursor = journal.events().makeIterator()
            while let next = cursor.next() {
                switch next {
                case .success(let event):
                    registrations.observe(event)
                    for view in views { view.observe(event) }
                    lastEvent = event
                case .failure(let error):
                    // A damaged line blocks nothing: it is reported (and left as it is: history is never
                    // rewritten), and the files whose last change it may have been are reported, not restored.
                    guard let damage = AuditJournal.DamagedLine.found(in: error) else { throw error }
                    report.unresolved.append(
                        Finding(.malformedLine, path: damage.file, line: damage.line, damage.reason))
                    for view in views { view.noteDamagedLine() }
                }
            }
            for view in views { try view.restore(lastEvent, &report) }
            report.removedLeftovers += try removeDirectoriesEmptiedByAnInterruptedEviction(lastEvent)
            try finishCollections(registrations, lastEvent: lastEvent, report: &report)
            try recoverArtifacts(registered: registrations.ids, actor: actor, report: &report)
            report.removedLeftovers += try removeLeftovers()
            report.rebuiltIndexes = try rebuildDamagedIndexes()
            if !report.isClean { updateIndexesAfterWrite() }
            // With a checkpoint key: anchor the head when no note of it does yet (a crash, or a failure, between a
            // write and its automatic checkpoint), and finish the pruning such a crash interrupted. A note already
            // in place for the head is left as it is (signing it again changes nothing).
            writeAutomaticCheckpoint()
            return report
        }
    }

    /// Rewrites one alias file from the audit log. See ``recover(actor:)-7k7gj``, which does this for every alias.
    ///
    /// - Throws: `.notFound` when the log has no record of the alias and it has no file.
    @discardableResult
    public func restoreAlias(_ alias: String, actor: String? = nil) throws -> RecoveryReport {
        try AliasName.check(alias)
        return try withWriterLock {
            // Read the log under the lock, so a promotion landing meanwhile cannot look like damage.
            var last: AliasEvent?
            try journal.forEachEvent(.init(types: Self.aliasEventTypes, alias: alias)) { event in
                if let decoded = try? event.decode(AliasEvent.self) { last = decoded }
            }
            guard last != nil || (try? FileSystem.exists(aliases.path(of: alias))) == true else {
                throw RegistryError(.notFound, "the audit log has no record of alias '\(alias)'")
            }
            let replay = LogReplay(JournaledAliases(registry: self), only: alias, last: last)
            var report = RecoveryReport()
            try replay.restore(nil, &report)
            return report
        }
    }

    /// The stores whose files are views of the log.
    func viewStores() -> [ViewStore] {
        [
            ViewStore(JournaledSignatures(store: signatures, artifacts: artifacts)),
            ViewStore(JournaledEvaluations(store: evaluationStore, artifacts: artifacts)),
            ViewStore(JournaledPolicy(store: policies)),
            ViewStore(JournaledAliases(registry: self)),
            ViewStore(JournaledStates(store: states, artifacts: artifacts)),
            ViewStore(JournaledRemotes(store: remoteStore)),
            ViewStore(JournaledEvictions(store: evictionStore, artifacts: artifacts)),
            ViewStore(JournaledPins(store: pins, artifacts: artifacts)),
        ]
    }

    /// The stores whose files are views of the log, in the order recovery restores them.
    func viewReplays(registered: RegistrationReplay? = nil) -> [LogReplay] {
        [
            LogReplay(JournaledSignatures(store: signatures, artifacts: artifacts, registered: registered)),
            LogReplay(JournaledEvaluations(store: evaluationStore, artifacts: artifacts, registered: registered)),
            LogReplay(JournaledPolicy(store: policies)),
            LogReplay(JournaledAliases(registry: self)),
            LogReplay(JournaledStates(store: states, artifacts: artifacts)),
            LogReplay(JournaledRemotes(store: remoteStore)),
            LogReplay(JournaledEvictions(store: evictionStore, artifacts: artifacts)),
            LogReplay(JournaledPins(store: pins, artifacts: artifacts)),
        ]
    }

    /// Registers the interrupted publication (its mark is present), reports any other artifact without its
    /// event and any registered artifact that is gone, and clears publishing marks.
    private func recoverArtifacts(registered: Set<ArtifactID>, actor: String, report: inout RecoveryReport) throws {
        let marked = Set(try artifacts.publishingMarks())
        let onDisk = try artifacts.list()
        for id in onDisk where !registered.contains(id) {
            // One damaged artifact must not stop the recovery of everything else; fsck reports it.
            if marked.contains(id), let artifact = try? artifacts.artifact(id) {
                report.appendedEvents.append(
                    try journal.append(ArtifactRegistered(artifact, recovered: true), actor: actor))
            } else {
                report.unresolved.append(
                    Finding(
                        .unregisteredArtifact, path: layout.relativePath(layout.artifactPath(id)),
                        "no artifact_registered event records this artifact; adopt it to register it"))
            }
        }
        let present = Set(onDisk)
        for id in registered.sorted() where !present.contains(id) {
            report.unresolved.append(
                Finding(
                    .missingArtifact, path: layout.relativePath(layout.artifactPath(id)),
                    "the log registered this artifact but its directory is missing"))
        }
        for id in marked.sorted() {
            try artifacts.clearPublishingMark(id)
            report.removedLeftovers.append(layout.publishingMarkPath(of: id))
        }
    }

    /// Removes staging directories and temp files whose creating process is gone.
    /// Rebuilds the index caches when their files disagree with each other (FORMAT.md §13): `index rebuild` or an
    /// incremental update writes several files, and a crash between two of them leaves a set no reader trusts.
    /// Costs what fsck's index check costs (the stored files are hashed, not loaded); an index that is only behind
    /// the log is left to the update that follows.
    private func rebuildDamagedIndexes() throws -> [Finding] {
        let damage = try index.status().findings.filter { $0.kind == .damagedIndex }
        if !damage.isEmpty { _ = try index.rebuildHoldingLock() }
        return damage
    }

    private func removeLeftovers() throws -> [String] {
        var removed: [String] = []
        // Signing writes its temporary copy next to the signature, inside the artifact's `signatures/`.
        // Adding an evaluation does the same inside `evaluations/<id>/`.
        let signatureDirectories = try artifacts.list().flatMap {
            [
                (layout.signaturesPath(of: $0), FileSystem.temporaryPrefix),
                (layout.evaluationsPath(of: $0), FileSystem.temporaryPrefix),
            ]
        }
        for (directory, prefix) in layout.scratchPlaces + signatureDirectories where try FileSystem.exists(directory) {
            if prefix == RegistryLayout.stagingPrefix {
                removed += try removeAbandonedStaging(in: directory)
                continue
            }
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

    /// Removes the staging directories (and their lock files) no writer holds the lock of (FORMAT.md §6). Whether a
    /// process with the pid in the name runs says nothing: a writer in another PID namespace has a pid this
    /// process cannot see, and a crashed writer's pid may have been reused.
    private func removeAbandonedStaging(in staging: String) throws -> [String] {
        var directories = Set<String>()
        var sourceModeRecords: [String] = []
        for entry in try FileSystem.listDirectory(staging) {
            guard let name = entry.name, name.hasPrefix(RegistryLayout.stagingPrefix) else { continue }
            if name.hasSuffix(FileArtifactStore.sourceModesRecordSuffix) {
                sourceModeRecords.append(name)  // judged after the staging directories
                continue
            }
            directories.insert(
                name.hasSuffix(StagingLease.lockSuffix) ? String(name.dropLast(StagingLease.lockSuffix.count)) : name)
        }
        var removed: [String] = []
        for name in directories.sorted() {
            let creator = FileSystem.creatorProcess(ofUniqueName: name, prefix: RegistryLayout.stagingPrefix)
            removed += try StagingLease.removeIfAbandoned(staging + "/" + name, creator: creator)
        }
        // A dead hard-link or move registration made its user's files read-only: give them their modes back (a
        // file a published artifact still shares stays read-only). A record whose staging directory or lock is
        // still there belongs to a live writer.
        for name in sourceModeRecords.sorted() {
            let base = staging + "/" + String(name.dropLast(FileArtifactStore.sourceModesRecordSuffix.count))
            guard try !FileSystem.exists(base), try !FileSystem.exists(base + StagingLease.lockSuffix) else { continue }
            let record = staging + "/" + name
            // A damaged record cannot say which modes to give back; it is removed all the same.
            if (try? FileArtifactStore.restoreSourceModes(recordedIn: record)) == nil {
                try FileSystem.removeTree(record)
            }
            removed.append(record)
        }
        return removed
    }
}

/// The artifacts the log registered, collected during a pass over the log: registrations and collections in log
/// order, so an artifact whose last such event is `artifact_collected` is not registered (it is in ``collected``).
final class RegistrationReplay {
    private(set) var ids = Set<ArtifactID>()
    /// Artifacts whose last registration or collection event is `artifact_collected`.
    private(set) var collected = Set<ArtifactID>()

    func observe(_ event: AuditEvent) {
        if let registered = try? event.decode(ArtifactRegistered.self) {
            ids.insert(registered.artifact)
            collected.remove(registered.artifact)
        } else if let removed = (try? event.decode(ArtifactCollected.self)) ?? nil {
            ids.remove(removed.artifact)
            collected.insert(removed.artifact)
        }
    }
}

extension Registry {
    /// Finishes the removal a crash interrupted: the log's last event collected an artifact whose directory is
    /// still in `artifacts/`. Any other collected artifact found present was put back by someone after its removal
    /// (a restore by hand, a copy): its bytes are never deleted on the log's word alone but reported, for `adopt`
    /// to register again or `rm` to remove.
    func finishCollections(_ replay: RegistrationReplay, lastEvent: AuditEvent?, report: inout RecoveryReport) throws {
        let newest = (try? lastEvent?.decode(ArtifactCollected.self))?.map(\.artifact)
        // Marks of removals that are not in flight (an event that could not be appended) or are done (the
        // directory is gone) say nothing any more.
        for entry in try FileSystem.exists(layout.stagingPath) ? FileSystem.listDirectory(layout.stagingPath) : [] {
            guard let name = entry.name, name.hasPrefix(RegistryLayout.collectingMarkPrefix),
                let id = ArtifactID(String(name.dropFirst(RegistryLayout.collectingMarkPrefix.count))),
                try id != newest || FileSystem.linkStatus(layout.artifactPath(id)) == nil
            else { continue }
            try FileSystem.removeFile(layout.collectingMarkPath(of: id))
            report.removedLeftovers.append(layout.collectingMarkPath(of: id))
        }
        for id in replay.collected.sorted() where try FileSystem.linkStatus(layout.artifactPath(id)) != nil {
            let path = layout.relativePath(layout.artifactPath(id))
            if id == newest, try finishMarkedRemoval(of: id) {
                report.completed.append(
                    Finding(
                        .collectedArtifactPresent, path: path,
                        "the log's last event collected this artifact but its directory was still present; removed"))
            } else {
                report.unresolved.append(
                    Finding(
                        .collectedArtifactPresent, path: path,
                        "the log collected this artifact earlier, but its directory is present again; 'modelreg adopt' "
                            + "registers it again, 'modelreg rm --force' removes it"))
            }
        }
    }
}
