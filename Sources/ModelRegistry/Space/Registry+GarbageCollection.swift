import Foundation
import RegistryCore

extension Registry {
    /// Removes what nothing keeps, errs toward keeping, and reports why each artifact stays or goes (FORMAT.md
    /// §14.3).
    ///
    /// Kept: alias targets and every artifact an alias's history could `rollback` to; artifacts in
    /// `options.protectedStates`; pinned artifacts; artifacts an ingest in progress shares files with (a live
    /// staging lease); lineage ancestors of kept artifacts (`options.keepAncestors`); artifacts registered within
    /// `options.gracePeriod`; artifacts without a registration event or whose manifest cannot be read (recovery's
    /// business); and anything the collector could not read enough to decide about (reported in `problems`).
    /// Everything else goes — or, with `options.maxSize`, only as much as the budget needs, oldest registration
    /// first. Each removal is audited as `artifact_collected` (reason `collected`) and made like
    /// `remove(_:force:actor:)`'s. Staging leftovers older than the grace period whose lease no writer holds
    /// go too.
    ///
    /// The plan is always made without the writer lock (planning reads the whole log and stats every file, which
    /// takes seconds at 100,000 artifacts, and writers must not wait for it). A dry run stops there. Otherwise the
    /// collector then takes the writer lock and re-validates only what changed since the plan's log position: any
    /// candidate an event appended since names (an alias moved to it, a state, a pin, a signature, a registration
    /// reviving it) is kept (`changed_since_plan`), with its lineage ancestors; ingests that started since keep the candidates whose
    /// files they share (`lease`). A log it cannot account for since the plan (a line that does not parse, a
    /// repaired tail) makes it plan again under the lock. Then it removes, holding the lock to the end, so a
    /// registration of content being removed waits, then publishes it again with a new event.
    ///
    /// - Parameters:
    ///   - options: what to keep, the budget, and whether to act.
    ///   - actor: who collects, for the audit events; the configuration's actor by default.
    /// - Returns: every decision, with exclusive and shared bytes per artifact, and what was removed.
    /// - Throws: `.lockTimeout`; `.reentrantWrite`; I/O errors listing `artifacts/`. A removal that fails is
    ///   reported in `problems` and stops the collection (what was removed stays removed, each audited).
    /// - Durability: as `remove(_:force:actor:)` for each artifact.
    /// - Complexity: the log's alias, registration and collection events since the collector's cache
    ///   (`indexes/collector.json`; the whole log without a usable one), one `stat` per artifact
    ///   file, and the manifests of the kept artifacts (for their ancestors) — all without the lock; under it, the
    ///   events appended since the plan and the files of live ingests.
    @discardableResult
    public func collectGarbage(_ options: GarbageCollectionOptions = .init(), actor: String? = nil) throws
        -> GarbageCollectionReport
    {
        try collectGarbage(options, actor: actor, afterPlanning: nil)
    }

    /// `collectGarbage(_:actor:)` with a hook called after the unlocked plan and before the writer lock is taken
    /// (tests commit there to show writers are not blocked, and that what they change is re-validated).
    package func collectGarbage(
        _ options: GarbageCollectionOptions, actor: String?, afterPlanning: (() throws -> Void)?
    ) throws -> GarbageCollectionReport {
        if options.dryRun { return try planGarbageCollection(options) }
        // A change a crash left half done is completed first (a moment's hold of the lock), so the views the
        // unlocked plan reads agree with the log up to the recorded position.
        let position = try withWriterLock {
            try completeInterruptedChange()
            return try journal.endPosition()
        }
        let plan = try planGarbageCollection(options)
        try afterPlanning?()
        return try withWriterLock {
            try completeInterruptedChange()
            var report = plan
            if try !revalidate(&report, since: position, options: options) {
                report = try planGarbageCollection(options)
            }
            CrashPoint.hit("gc.afterPlan")
            let store = JournaledCollections(registry: self)
            var stopped = false
            for index in report.decisions.indices where report.decisions[index].verdict == .collect && !stopped {
                let id = report.decisions[index].artifact
                do {
                    let change = JournaledCollections.Change(artifact: id, reason: .collected, force: false, holds: [])
                    if let committed = try commitHoldingLock(change, to: store, actor: actor) {
                        report.events.append(committed.event)
                        report.decisions[index].removed = true
                        report.decisions[index].bytesFreed = committed.payload.bytesFreed
                    }
                    if report.events.count == 1 { CrashPoint.hit("gc.afterFirstRemoval") }
                } catch {
                    report.problems.append(
                        Finding(
                            .undecidedCollection, path: layout.relativePath(layout.artifactPath(id)),
                            "could not remove it: \((error as? RegistryError)?.message ?? "\(error)")"))
                    stopped = true
                }
            }
            report.bytesFreed = report.decisions.filter(\.removed).reduce(0) { $0 + $1.bytesFreed }
            for index in report.staging.indices where report.staging[index].collect && !stopped {
                let path = layout.rootPath + "/" + report.staging[index].path
                do {
                    report.staging[index].removed = try removeStagingLeftover(path)
                } catch {
                    report.problems.append(
                        Finding(
                            .undecidedCollection, path: report.staging[index].path,
                            "could not remove it: \((error as? RegistryError)?.message ?? "\(error)")"))
                }
            }
            return report
        }
    }

    /// Async twin of the blocking `collectGarbage(_:actor:)` (same parameters and errors), run on the registry's
    /// queue.
    @discardableResult
    public func collectGarbage(_ options: GarbageCollectionOptions = .init(), actor: String? = nil) async throws
        -> GarbageCollectionReport
    {
        try await run { try self.collectGarbage(options, actor: actor) }
    }

    /// Decides about every artifact and staging entry without writing anything.
    func planGarbageCollection(_ options: GarbageCollectionOptions) throws -> GarbageCollectionReport {
        let ids = try artifacts.list()
        let protections = readProtections()
        var problems = protections.problems
        let now = configuration.clock()
        let cutoff = now.addingTimeInterval(-Self.seconds(options.gracePeriod))

        // Every file of every artifact, in parallel; per artifact its distinct inodes.
        let listed: [Result<[StoredFile], RegistryError>] = try ParallelWork.map(ids.count) { index in
            do {
                return .success(try self.inodes(of: ids[index]))
            } catch {
                return .failure(
                    error as? RegistryError
                        ?? RegistryError(.io, "\(error)", path: self.layout.artifactPath(ids[index])))
            }
        }
        // Per inode: how many artifacts hold it, and how many links to it artifacts/ has (a user's hard link
        // outside makes the inode's link count higher: its bytes are never freed).
        var holderCount: [Protections.Inode: Int32] = [:]
        var linksInArtifacts: [Protections.Inode: Int32] = [:]
        var totalBytes: Int64 = 0
        var distinct: [[StoredFile]] = Array(repeating: [], count: ids.count)
        holderCount.reserveCapacity(ids.count * 2)
        linksInArtifacts.reserveCapacity(ids.count * 2)
        for index in ids.indices {
            guard case .success(let files) = listed[index] else { continue }
            var unique = files
            if files.count > 1 {
                var seen = Set<Protections.Inode>()
                unique = files.filter { seen.insert($0.inode).inserted }
            }
            for file in files {
                let links = linksInArtifacts[file.inode, default: 0]
                if links == 0 { totalBytes += file.size }
                linksInArtifacts[file.inode] = links + 1
            }
            for file in unique { holderCount[file.inode, default: 0] += 1 }
            distinct[index] = unique
        }

        // Direct holds.
        var holds: [[ArtifactHold]] = Array(repeating: [], count: ids.count)
        for (index, id) in ids.enumerated() {
            let inodes: Set<Protections.Inode>? =
                protections.leasedInodes.isEmpty
                ? [] : (listed[index].isSuccess ? Set(distinct[index].map(\.inode)) : nil)
            var held = protections.holds(of: id, protectedStates: options.protectedStates, inodes: inodes)
            if case .failure(let error) = listed[index] {
                held.append(ArtifactHold(.undecided, error.message))
                problems.append(
                    Finding(.undecidedCollection, path: layout.relativePath(layout.artifactPath(id)), error.message))
            }
            if let registration = protections.registrations[id] {
                if let date = Timestamp.parse(registration.time) {
                    if date > cutoff { held.append(ArtifactHold(.gracePeriod, registration.time)) }
                } else {
                    held.append(ArtifactHold(.undecided, "its registration time cannot be read"))
                }
            } else {
                held.append(ArtifactHold(.unregistered, "no artifact_registered event"))
            }
            holds[index] = held
        }
        // Ancestors of everything kept, transitively.
        let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        if options.keepAncestors {
            var frontier = ids.indices.filter { !holds[$0].isEmpty }
            while !frontier.isEmpty {
                var next: [Int] = []
                for descendant in frontier {
                    for parent in lineageParents(of: ids[descendant]) {
                        guard let index = position[parent], holds[index].isEmpty else { continue }
                        holds[index] = [ArtifactHold(.ancestor, ids[descendant].description)]
                        next.append(index)
                    }
                }
                frontier = next
            }
        }

        // Candidates, oldest registration first; the budget decides how many go.
        let registrations = protections.registrations
        let times = ids.map { registrations[$0]?.time ?? "" }
        let candidates = ids.indices.filter { holds[$0].isEmpty }.sorted {
            times[$0] != times[$1] ? times[$0] < times[$1] : $0 < $1
        }
        var remaining = linksInArtifacts
        var freed = [Int64](repeating: 0, count: ids.count)
        var collecting = [Bool](repeating: false, count: ids.count)
        var bytesFreed: Int64 = 0
        for index in candidates {
            if let budget = options.maxSize, totalBytes - bytesFreed <= budget { break }
            var gain: Int64 = 0
            if case .success(let files) = listed[index] {
                for file in files {
                    let left = (remaining[file.inode] ?? 1) - 1
                    remaining[file.inode] = left
                    // The last link inside artifacts/, and no user's hard link outside it: the bytes are freed.
                    if left == 0, UInt64(linksInArtifacts[file.inode] ?? 0) >= file.linkCount { gain += file.size }
                }
            }
            freed[index] = gain
            bytesFreed += gain
            collecting[index] = true
        }

        var decisions: [GarbageCollectionReport.Decision] = []
        decisions.reserveCapacity(ids.count)
        for (index, id) in ids.enumerated() {
            var exclusive: Int64 = 0
            var shared: Int64 = 0
            for file in distinct[index] {
                if (holderCount[file.inode] ?? 0) > 1 { shared += file.size } else { exclusive += file.size }
            }
            let held = holds[index]
            let verdict: GarbageCollectionReport.Verdict =
                !held.isEmpty ? .keep : collecting[index] ? .collect : .withinBudget
            let registration = registrations[id]
            decisions.append(
                GarbageCollectionReport.Decision(
                    artifact: id, name: registration?.name ?? "", registeredAt: registration?.time, verdict: verdict,
                    holds: held, exclusiveBytes: exclusive, sharedBytes: shared, bytesFreed: freed[index],
                    removed: false))
        }
        let staging = planStaging(cutoff: cutoff, problems: &problems)
        return GarbageCollectionReport(
            isDryRun: options.dryRun, options: options, decisions: decisions, staging: staging, events: [],
            totalBytesBefore: totalBytes, bytesFreed: bytesFreed, problems: problems)
    }

    /// Decides about every entry of `staging/`: abandoned ingests (no live lease) older than `cutoff` go, and so do
    /// removals' leftovers whose process is gone; anything live or young stays.
    private func planStaging(cutoff: Date, problems: inout [Finding]) -> [GarbageCollectionReport.StagingEntry] {
        guard let entries = try? FileSystem.listDirectory(layout.stagingPath) else { return [] }
        var bases = Set<String>()
        for entry in entries {
            guard let name = entry.name else { continue }
            if name.hasPrefix(RegistryLayout.collectedPrefix) {
                bases.insert(name)
            } else if name.hasPrefix(RegistryLayout.stagingPrefix),
                !name.hasSuffix(FileArtifactStore.sourceModesRecordSuffix)
            {
                bases.insert(
                    name.hasSuffix(StagingLease.lockSuffix)
                        ? String(name.dropLast(StagingLease.lockSuffix.count)) : name)
            }
        }
        var result: [GarbageCollectionReport.StagingEntry] = []
        for name in bases.sorted() {
            let path = layout.stagingPath + "/" + name
            let relative = layout.relativePath(path)
            func entry(_ collect: Bool, _ reason: String) {
                result.append(.init(path: relative, collect: collect, reason: reason, removed: false))
            }
            if name.hasPrefix(RegistryLayout.collectedPrefix) {
                let creator = FileSystem.creatorProcess(ofUniqueName: name, prefix: RegistryLayout.collectedPrefix)
                if let creator, FileSystem.isProcessAlive(creator) {
                    entry(false, "a removal in progress (process \(creator))")
                } else {
                    entry(true, "left by an interrupted removal")
                }
                continue
            }
            do {
                let creator = FileSystem.creatorProcess(ofUniqueName: name, prefix: RegistryLayout.stagingPrefix)
                if try StagingLease.isHeld(path, creator: creator) {
                    entry(false, "an ingest in progress holds its lease")
                    continue
                }
                let status =
                    try FileSystem.status(path) ?? FileSystem.status(StagingLease.lockPath(of: path))
                let modified = status.map { Date(timeIntervalSince1970: Double($0.modified) / 1e9) }
                if let modified, modified > cutoff {
                    entry(false, "abandoned, but younger than the grace period")
                } else {
                    entry(true, "abandoned (no live lease), older than the grace period")
                }
            } catch {
                let message = (error as? RegistryError)?.message ?? "\(error)"
                problems.append(Finding(.undecidedCollection, path: relative, message))
                entry(false, "could not decide, kept (\(message))")
            }
        }
        return result + planPartialDownloads(cutoff: cutoff)
    }

    /// Partial downloads in `staging/downloads/` (FORMAT.md §15.8): kept while a pull holds one or while it is
    /// younger than the grace period (the next pull of the same blob resumes it); removed after that.
    private func planPartialDownloads(cutoff: Date) -> [GarbageCollectionReport.StagingEntry] {
        guard let entries = try? FileSystem.listDirectory(layout.partialDownloadsPath) else { return [] }
        var result: [GarbageCollectionReport.StagingEntry] = []
        for name in entries.compactMap(\.name).sorted() {
            let path = layout.partialDownloadsPath + "/" + name
            let relative = layout.relativePath(path)
            if OCIPartialDownload.isHeld(path) {
                result.append(.init(path: relative, collect: false, reason: "a pull is downloading it", removed: false))
            } else if let status = try? FileSystem.status(path),
                Date(timeIntervalSince1970: Double(status.modified) / 1e9) > cutoff
            {
                result.append(
                    .init(
                        path: relative, collect: false,
                        reason: "a partial download the next pull resumes, younger than the grace period",
                        removed: false))
            } else {
                result.append(
                    .init(
                        path: relative, collect: true, reason: "a partial download older than the grace period",
                        removed: false))
            }
        }
        return result
    }

    /// Removes one staging leftover under the writer lock, re-checking its lease. Returns whether it went.
    private func removeStagingLeftover(_ path: String) throws -> Bool {
        if path.hasPrefix(layout.partialDownloadsPath + "/") { return try OCIPartialDownload.removeIfAbandoned(path) }
        let name = String(path.dropFirst(layout.stagingPath.count + 1))
        if name.hasPrefix(RegistryLayout.collectedPrefix) {
            try FileSystem.removeTree(path)
            return true
        }
        let creator = FileSystem.creatorProcess(ofUniqueName: name, prefix: RegistryLayout.stagingPrefix)
        return try !StagingLease.removeIfAbandoned(path, creator: creator).isEmpty
    }

    /// The lineage parents of an artifact: its manifest's `parents` and the `parents` of its `lineage.json`
    /// (FORMAT.md §12.9), read leniently — a lineage file that does not parse adds nothing. Empty when the
    /// manifest cannot be read.
    func lineageParents(of id: ArtifactID) -> [ArtifactID] {
        guard let artifact = try? artifacts.artifact(id) else { return [] }
        var parents = artifact.manifest.metadata.parents
        guard artifact.manifest.entry(at: Lineage.fileName) != nil else { return parents }
        let path = layout.artifactPath(id) + "/" + Lineage.fileName
        guard let bytes = try? FileSystem.readDocument(path, limit: 1 << 20),
            let document = try? JSONObjectReader(CanonicalJSON.parse(bytes, source: path), source: path),
            let listed = try? document.optionalStringArray("parents")
        else { return parents }
        for text in listed {
            if let parent = ArtifactID(text), !parents.contains(parent) { parents.append(parent) }
        }
        return parents
    }

    /// A duration in seconds, as a `TimeInterval`.
    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Result {
    /// Whether this is a success.
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
