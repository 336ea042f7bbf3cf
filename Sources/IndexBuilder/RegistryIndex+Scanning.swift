import ArtifactStore
import AuditLog
import Foundation
import RegistryCore

extension RegistryIndex {
    /// The result of ``RegistryIndex/scan()``: the contents of a fresh index and what could not be read.
    public struct Scan: Sendable {
        /// The contents, ready for ``IndexBackend/replaceContents(with:persist:)``.
        public var contents: Contents
        /// What was skipped or ignored.
        public var report: Report
    }

    /// The name of the bundle file whose `parents` add to the manifest's.
    public static let lineageFileName = "lineage.json"
    /// The largest `lineage.json` the index reads (1 MiB).
    static let maximumLineageSize = 1 << 20

    /// Reads the whole registry into index contents without writing anything: every artifact's manifest (in
    /// parallel) and `lineage.json`, and the whole audit log.
    ///
    /// Problems are collected, not thrown: an artifact whose manifest cannot be read, does not parse or does not
    /// hash to its directory name is left out (it still counts in ``Stamp/artifactCount``); a malformed
    /// `lineage.json` is ignored; an audit line that cannot be read is skipped.
    ///
    /// - Returns: the contents and the report.
    /// - Throws: I/O errors listing `artifacts/` or opening the log.
    /// - Complexity: O(*n*) in the number of artifacts plus the length of the log.
    public func scan() throws -> Scan {
        var summaries: [ArtifactSummary] = []
        let streamed = try scan { summaries.append($0) }
        let contents = Contents(sortedStamp: streamed.stamp, summaries: summaries, states: streamed.states)
        return Scan(contents: contents, report: streamed.report)
    }

    /// How many manifests a streaming scan reads (in parallel) before handing their summaries over: bounds the
    /// summaries held at once.
    static let scanBatchSize = 4096

    /// ``scan()`` without holding the summaries: each one goes to `consume` as soon as its batch of manifests is
    /// read, in id order (bytes ascending), with its audit facts and state set, as ``Contents`` holds them.
    ///
    /// - Parameters:
    ///   - batchSize: how many manifests to read before handing their summaries over (tests use small ones to
    ///     cross batch boundaries).
    ///   - order: id order, or registration order (``IndexBuildOrder/registration``: the log is then read before
    ///     the first manifest, and a permutation of the ids, eight bytes each, is held).
    ///   - chunkSize: how many ids (and registration facts) are let go at once as a scan in id order passes them
    ///     (tests use small ones).
    ///   - consume: takes each summary.
    /// - Returns: the stamp, the latest state of every artifact the log names, and the report.
    /// - Throws: I/O errors listing `artifacts/` or opening the log.
    /// - Complexity: O(*n*) in the number of artifacts plus the length of the log; memory for the log's facts
    ///   (registration time and sequence, state, evaluations per artifact) and two batches of summaries (the one
    ///   handed over and the next, read meanwhile). In id order the listing of `artifacts/` and the registration
    ///   facts are let go as the scan passes them, so that the end of the scan, where the backend's index is
    ///   largest, holds neither.
    func scan(
        batchSize: Int = scanBatchSize, order: IndexBuildOrder = .id,
        chunkSize: Int = ChunkedArray<SHA256Key>.defaultChunkSize, _ consume: (ArtifactSummary) throws -> Void
    ) throws -> (
        stamp: Stamp, states: [ArtifactID: String], report: Report
    ) {
        // The log and the manifests do not depend on each other until a summary is completed: the log is read on
        // another thread while `artifacts/` is listed and the first batch of manifests is read, and each next
        // batch is read while the one before is handed over.
        let logPass = BackgroundJob { [self] in self.readLogFacts(chunkSize: chunkSize) }
        var ids: SortedArtifactIDs
        do {
            ids = try SortedArtifactIDs(listing: artifacts.layout.artifactsPath, chunkSize: chunkSize)
        } catch {
            _ = try? logPass.wait()
            throw error
        }
        let size = max(1, batchSize)
        // In registration order, which manifest comes when depends on the log, so it is read first.
        var logRead: LogFacts?
        var permutation: [Int]?
        if order == .registration {
            let facts = try logPass.wait()
            logRead = facts
            permutation = Self.registrationOrder(of: ids, facts.registrations)
        }
        func readBatch(startingAt start: Int) -> BackgroundJob<ResultSlots<(ArtifactSummary?, [Finding])>>? {
            guard start < ids.count else { return nil }
            let batch = (start..<min(ids.count, start + size)).map { ids[permutation?[$0] ?? $0] }
            return BackgroundJob { [self] in
                let slots = ResultSlots<(ArtifactSummary?, [Finding])>(count: batch.count)
                // More threads than cores: reading a manifest mostly waits for the file system when the page cache
                // is cold (a million small files), and several waits overlap.
                try ParallelWork.forEach(batch.count, maxConcurrency: ParallelWork.ioConcurrency) { index in
                    slots[index] = self.readSummary(batch[index])
                }
                return slots
            }
        }
        var nextBatch = readBatch(startingAt: 0)
        // In id order, what the scan has passed is let go (in registration order it jumps about).
        let releases = order == .id
        if releases { ids.release(below: size) }  // the first batch holds its own copy
        var log = try logRead ?? logPass.wait()
        logRead = nil
        var findings = log.findings
        var summaryCount = 0
        var batchStart = 0
        while let current = nextBatch {
            let slots = try current.wait()
            let count = min(size, ids.count - batchStart)
            batchStart += count
            nextBatch = readBatch(startingAt: batchStart)
            // Freed here, returned to the system once the scan is over (returning it after each chunk instead raised
            // the peak at 1,000,000 artifacts from 233 to 261 MiB).
            if releases { ids.release(below: batchStart + size) }
            var lastKey: SHA256Key?
            defer { if releases, let lastKey { log.registrations.release(through: lastKey) } }
            for index in 0..<count {
                // Taken out of its slot, so that the summary's storage is uniquely referenced and the changes
                // below do not copy it.
                switch slots.take(index) {
                case nil:
                    continue
                case (nil, let problems)?:
                    findings.append(contentsOf: problems)
                case (var summary?, let problems)?:
                    findings.append(contentsOf: problems)
                    lastKey = SHA256Key(summary.id) ?? lastKey
                    if let registration = log.registrations.fact(of: summary.id) {
                        summary.registeredAt = registration.time
                        summary.registrationSequence = registration.sequence
                    }
                    for change in log.evaluations[summary.id] ?? [] {
                        summary.merge(evaluationMetrics: change.metrics, sequence: change.sequence)
                    }
                    summary.stateName = log.states[summary.id]
                    summaryCount += 1
                    try consume(summary)
                }
            }
        }
        let stamp = Stamp(artifactCount: ids.count, auditSequence: log.last.sequence, auditTime: log.last.time)
        return (stamp, log.states, Report(stamp: stamp, summaryCount: summaryCount, findings: findings))
    }

    /// The indexes of `ids` in registration order: ascending registration sequence, then the ids without a
    /// registration in id order.
    static func registrationOrder(of ids: SortedArtifactIDs, _ registrations: RegistrationFacts) -> [Int] {
        var keys: [(sequence: Int64, index: Int)] = []
        keys.reserveCapacity(ids.count)
        for index in 0..<ids.count {
            keys.append((registrations.fact(of: ids[index])?.sequence ?? Int64.max, index))
        }
        keys.sort { ($0.sequence, $0.index) < ($1.sequence, $1.index) }
        return keys.map(\.index)
    }

    /// What a scan takes from the log: per artifact, the registration facts, latest state and evaluations.
    struct LogFacts: Sendable {
        var registrations = RegistrationFacts()
        var states: [ArtifactID: String] = [:]
        var evaluations: [ArtifactID: [EvaluationChange]] = [:]
        var findings: [Finding] = []
        var last = AuditPosition.start
    }

    /// Reads the whole log once. Unreadable lines become findings, not errors.
    ///
    /// - Parameter chunkSize: registration facts per chunk (``RegistrationFacts/seal(chunkSize:)``).
    func readLogFacts(chunkSize: Int = ChunkedArray<SHA256Key>.defaultChunkSize) -> LogFacts {
        var facts = LogFacts()
        // Only the two facts a summary takes from its registration event, not the event: the log is as long as
        // the registry is large, and whole events would be most of a rebuild's memory.
        var states: [ArtifactID: (state: String, sequence: Int64)] = [:]
        var cursor = journal.events().makeIterator()
        while let result = cursor.next() {
            switch result {
            case .failure(let error):
                facts.findings.append(Finding(.unusableAuditEvent, path: error.path ?? "", error.message))
            case .success(let event):
                facts.last = Self.position(of: event)
                switch Self.interpret(event) {
                case .none:
                    break
                case .registration(let id):
                    facts.registrations.register(id, time: event.time, sequence: event.sequence)
                case .collection(let id):
                    // A later registration publishes it again.
                    facts.registrations.collect(id, sequence: event.sequence)
                case .state(let change):
                    if (states[change.artifact]?.sequence ?? 0) < change.sequence {
                        states[change.artifact] = (change.state, change.sequence)
                    }
                case .evaluation(let change):
                    facts.evaluations[change.artifact, default: []].append(change)
                case .unusable(let problem):
                    facts.findings.append(
                        Finding(.unusableAuditEvent, "audit event #\(event.sequence): \(problem)"))
                }
            }
        }
        facts.registrations.seal(chunkSize: chunkSize)
        facts.states = states.mapValues(\.state)
        return facts
    }

    // MARK: Artifacts

    /// Reads one artifact's summary (without audit facts), or the problems that kept it out.
    func readSummary(_ id: ArtifactID) -> (ArtifactSummary?, [Finding]) {
        let artifact: Artifact
        do {
            artifact = try artifacts.artifact(id)
        } catch {
            let path = artifacts.layout.manifestPath(of: id)
            let message = Self.withoutSource((error as? RegistryError)?.message ?? "\(error)", path: path)
            return (nil, [Finding(.unreadableManifest, path: path, "\(message); the artifact is not indexed")])
        }
        return readSummary(of: artifact)
    }

    /// The summary of an artifact already opened, with the problems of its lineage file.
    func readSummary(of artifact: Artifact) -> (ArtifactSummary?, [Finding]) {
        let (parents, problem) = lineageParents(of: artifact)
        var summary = ArtifactSummary(artifact: artifact, lineageParents: parents)
        summary.cardMetrics = cardMetrics(of: artifact)
        return (summary, problem.map { [Finding(.malformedLineage, path: $0.path, $0.message)] } ?? [])
    }

    /// Removes a leading `<path>: ` from an error message, since the finding names the path.
    static func withoutSource(_ message: String, path: String) -> String {
        for prefix in [path + ": ", path + ":"] where message.hasPrefix(prefix) {
            return String(message.dropFirst(prefix.count))
        }
        return message
    }

    /// The parents listed in an artifact's `lineage.json`, or the problem that made the file unusable.
    ///
    /// The file must be listed in the manifest (and match its size and digest), parse as strict JSON, and be an
    /// object whose optional `parents` member is an array of artifact ids; other members are ignored.
    func lineageParents(of artifact: Artifact) -> ([ArtifactID], (path: String, message: String)?) {
        guard let entry = artifact.manifest.entry(at: Self.lineageFileName) else { return ([], nil) }
        let path = artifacts.layout.artifactPath(artifact.id) + "/" + Self.lineageFileName
        func problem(_ text: String) -> ([ArtifactID], (path: String, message: String)?) {
            ([], (path, "\(Self.withoutSource(text, path: path)); its parents are ignored"))
        }
        guard entry.size <= Int64(Self.maximumLineageSize) else {
            return problem(
                "\(entry.size) bytes is larger than the \(Self.maximumLineageSize) bytes a lineage file may have")
        }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(path, limit: Self.maximumLineageSize)
        } catch {
            return problem((error as? RegistryError)?.message ?? "\(error)")
        }
        guard let algorithm = artifacts.knownAlgorithms[artifact.manifest.hashAlgorithm],
            Int64(bytes.count) == entry.size, algorithm.hash(bytes) == entry.digest
        else {
            return problem("the file does not match its manifest entry (\(entry.size) bytes, \(entry.digest))")
        }
        do {
            let document = try JSONObjectReader(CanonicalJSON.parse(bytes, source: path), source: path)
            guard let texts = try document.optionalStringArray("parents") else { return ([], nil) }
            var parents: [ArtifactID] = []
            for (index, text) in texts.enumerated() {
                guard let id = ArtifactID(text) else {
                    return problem("parents[\(index)] is '\(NameRules.printable(text))', not an artifact id")
                }
                if !parents.contains(id) { parents.append(id) }
            }
            return (parents, nil)
        } catch {
            return problem((error as? RegistryError)?.message ?? "\(error)")
        }
    }

    /// The name of the bundle file whose `metrics` the summaries carry as ``ArtifactSummary/cardMetrics``.
    public static let evaluationCardFileName = "evaluation-card.json"

    /// The `metrics` of an artifact's `evaluation-card.json`: empty when there is none, or when it is larger than
    /// 1 MiB, does not match its manifest entry, or is not a JSON object whose `metrics` member maps names to
    /// numbers (the card's other members are not checked here; the promotion gate checks the whole card).
    func cardMetrics(of artifact: Artifact) -> [String: Double] {
        guard let entry = artifact.manifest.entry(at: Self.evaluationCardFileName),
            entry.size <= Int64(Self.maximumLineageSize),
            let algorithm = artifacts.knownAlgorithms[artifact.manifest.hashAlgorithm]
        else { return [:] }
        let path = artifacts.layout.artifactPath(artifact.id) + "/" + Self.evaluationCardFileName
        guard let bytes = try? FileSystem.readDocument(path, limit: Self.maximumLineageSize),
            Int64(bytes.count) == entry.size, algorithm.hash(bytes) == entry.digest,
            let document = try? JSONObjectReader(CanonicalJSON.parse(bytes, source: path), source: path),
            let metrics = try? document.object("metrics")
        else { return [:] }
        var result: [String: Double] = [:]
        for name in metrics.keys {
            guard let value = try? metrics.double(name) else { return [:] }
            result[name] = value
        }
        return result
    }

    // MARK: Events

    /// What one audit event means for the index.
    enum EventMeaning {
        case none
        case registration(ArtifactID)
        case collection(ArtifactID)
        case state(StateChange)
        case evaluation(EvaluationChange)
        case unusable(String)
    }

    /// The one place that decides which events the index uses, shared by full and incremental builds so that
    /// both reach the same contents. Events are read through their typed payloads (FORMAT.md §9.3):
    ///
    /// - `artifact_registered` (``ArtifactRegistered``) registers its artifact (the first such event for an id
    ///   wins, or the first after its last `artifact_collected`);
    /// - `artifact_collected` (``ArtifactCollected``) removes its artifact;
    /// - `state_changed` (``StateChanged``) sets its artifact's state (the last such event wins);
    /// - `evaluation_added` (``EvaluationAdded``) sets its artifact's evaluation metrics (per metric, the last such
    ///   event wins);
    /// - everything else is ignored; an event of those three types whose payload does not decode is unusable.
    static func interpret(_ event: AuditEvent) -> EventMeaning {
        do {
            if let registered = try event.decode(ArtifactRegistered.self) {
                return .registration(registered.artifact)
            }
            if let collected = try event.decode(ArtifactCollected.self) {
                return .collection(collected.artifact)
            }
            if let change = try event.decode(StateChanged.self) {
                return .state(
                    StateChange(artifact: change.artifact, state: change.state.rawValue, sequence: event.sequence))
            }
            if let added = try event.decode(EvaluationAdded.self) {
                return .evaluation(
                    EvaluationChange(artifact: added.artifact, metrics: added.record.metrics, sequence: event.sequence))
            }
            return .none
        } catch {
            return .unusable((error as? RegistryError)?.message ?? "\(error)")
        }
    }

    /// Turns a contiguous run of events into changes. Artifacts whose manifest cannot be read are left out, as
    /// a full scan leaves them out — unless `strict`: a writer storing the changes fails instead, so that a read
    /// error of the moment never becomes a stored index that claims the position but lacks the artifact (the
    /// index stays behind, and the next update catches up).
    ///
    /// - Throws: with `strict`, the error of a registered artifact whose manifest cannot be read.
    func makeChanges(from events: [AuditEvent], after: AuditPosition, strict: Bool = false) throws -> Changes {
        var changes = Changes(after: after, through: events.last.map(Self.position(of:)) ?? after)
        var seen = Set<ArtifactID>()
        for event in events {
            switch Self.interpret(event) {
            case .registration(let id) where seen.insert(id).inserted:
                var found = (nil, []) as (ArtifactSummary?, [Finding])
                if strict {
                    do {
                        found = readSummary(of: try artifacts.artifact(id))
                    } catch let error as RegistryError
                        where ![.notFound, .invalidJSON, .invalidDocument, .digestMismatch].contains(error.code)
                    {
                        throw error  // a read error of the moment, not damage a full scan would skip too
                    } catch {
                        found = readSummary(id)
                    }
                } else {
                    found = readSummary(id)
                }
                guard case (var summary?, _) = found else { continue }
                summary.registeredAt = event.time
                summary.registrationSequence = event.sequence
                changes.registered.append(summary)
            case .collection(let id):
                // A registration earlier in this run is undone; a later one registers the artifact again.
                changes.registered.removeAll { $0.id == id }
                seen.remove(id)
                changes.removed.append(RemovedArtifact(artifact: id, sequence: event.sequence))
            case .state(let change):
                changes.stateChanges.append(change)
            case .evaluation(let change):
                changes.evaluations.append(change)
            default:
                continue
            }
        }
        return changes
    }

    /// Reads the events after `position` (at least through `sequence`) and turns them into changes.
    ///
    /// Starts at the day file of `position`'s time and falls back to reading the whole log when that misses
    /// events (a clock that went backwards).
    ///
    /// - Parameter chunked: split into updates of at most ``changesPerUpdate`` changes, for storing.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the log does not continue without a gap from
    ///   `position`; read errors.
    func collectChanges(after position: AuditPosition, through sequence: Int64, chunked: Bool) throws -> [Changes] {
        func read(_ filter: AuditJournal.Filter) throws -> [AuditEvent] {
            var events: [AuditEvent] = []
            try journal.forEachEvent(filter) { event in
                if event.sequence > position.sequence { events.append(event) }
            }
            return events
        }
        func isContiguous(_ events: [AuditEvent]) -> Bool {
            guard let last = events.last, last.sequence >= sequence else { return false }
            return events.enumerated().allSatisfy { $0.element.sequence == position.sequence + 1 + Int64($0.offset) }
        }
        var since: Date?
        if let time = position.time, let date = Timestamp.parse(time), let day = Timestamp.day(of: date) {
            since = Timestamp.parse(day + "T00:00:00Z")
        }
        var events = try read(AuditJournal.Filter(since: since))
        if !isContiguous(events) && since != nil { events = try read(AuditJournal.Filter()) }
        guard isContiguous(events) else {
            throw RegistryError(
                .invalidDocument,
                "the audit log does not continue without a gap from event #\(position.sequence) to #\(sequence)",
                path: journal.layout.auditPath)
        }
        guard chunked else { return [try makeChanges(from: events, after: position)] }
        var batches: [Changes] = []
        var start = 0
        var after = position
        while start < events.count {
            var end = start
            var relevant = 0
            while end < events.count && relevant < Self.changesPerUpdate {
                if case .none = Self.interpret(events[end]) {} else { relevant += 1 }
                end += 1
            }
            // Chunked changes are the ones a writer stores: strict.
            let batch = try makeChanges(from: Array(events[start..<end]), after: after, strict: true)
            batches.append(batch)
            after = batch.through
            start = end
        }
        return batches
    }
}

/// Fixed slots that parallel jobs fill, each slot by exactly one job.
final class ResultSlots<Value>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Value?>
    private let count: Int

    init(count: Int) {
        self.count = count
        storage = UnsafeMutablePointer<Value?>.allocate(capacity: max(1, count))
        storage.initialize(repeating: nil, count: max(1, count))
    }

    deinit {
        storage.deinitialize(count: max(1, count))
        storage.deallocate()
    }

    subscript(index: Int) -> Value? {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    /// The value of a slot, leaving it empty.
    func take(_ index: Int) -> Value? {
        let value = storage[index]
        storage[index] = nil
        return value
    }
}
