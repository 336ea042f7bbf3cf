import Foundation

extension Registry {
    /// What ``fsck(depth:)`` checked and found.
    public struct IntegrityReport: Sendable, CustomStringConvertible {
        /// Every problem, each naming its file relative to the registry root (and its line for the audit log).
        public var findings: [Finding] = []
        /// How many artifact directories were verified.
        public var artifactCount = 0
        /// How many audit events were read.
        public var eventCount = 0
        /// How deep artifacts were verified.
        public var depth: VerificationReport.Depth
        /// How many events follow the newest checkpoint a trusted key signed (all of them when there is none), or
        /// nil when checkpoint signatures were not checked (no Ed25519 key in ``Configuration/trust`` and a depth
        /// other than `.trust`). A change to these events is not detectable by any checkpoint (FORMAT.md §9.6).
        public var unanchoredEvents: Int?

        /// Whether nothing was found.
        public var isClean: Bool { findings.isEmpty }

        /// One line per finding, then a summary line.
        public var description: String {
            let unanchored = unanchoredEvents.map { ", \($0) unanchored" } ?? ""
            return
                (findings.map(\.description)
                + [
                    "\(artifactCount) artifacts (\(depth)), \(eventCount) events\(unanchored): "
                        + "\(findings.count) problem(s)"
                ])
                .joined(separator: "\n")
        }
    }

    /// Checks the whole registry against FORMAT.md and against its own audit log, without taking a lock or
    /// writing anything.
    ///
    /// - the audit log's chain, sequence, times and torn tail (§9.2), and every event's payload (§9.3);
    /// - every artifact directory (§5.6) at `depth` — `.full` re-hashes every file, `.trust` also checks
    ///   signatures against ``Configuration/trust`` — and that the log registered it, and every artifact the log
    ///   registered still exists;
    /// - every alias, lifecycle state, signature, policy, remote and eviction file equals what the log's last event
    ///   for it says (an evicted artifact's missing bundle files are what the log says, not damage; files it still
    ///   has are `evicted_files_present`),
    ///   and no such file exists that the log does not account for;
    /// - every alias points at an artifact that exists and is not revoked;
    /// - no private key is stored inside the registry;
    /// - every file in `checkpoints/` is a well-formed signed checkpoint (§9.6); when ``Configuration/trust`` holds
    ///   an Ed25519 key or `depth` is `.trust`, also what ``checkLog(against:)-6s823`` checks: each checkpoint a trusted
    ///   key signed still matches the log, and ``IntegrityReport/unanchoredEvents`` counts the events after the
    ///   newest one;
    /// - the index caches are current (a stale index is reported, never trusted).
    ///
    /// A writer running meanwhile can make its one in-flight change show up as a difference; run `fsck` again,
    /// or run ``recover(actor:)-7k7gj`` after a crash. What the log alone cannot reveal — its last events dropped or the
    /// whole log re-chained — only a trusted checkpoint can show, and only for the events it covers.
    ///
    /// - Parameter depth: how deep artifacts are verified (default `.quick`: no file contents read).
    /// - Returns: every problem found; a clean registry has none.
    /// - Throws: only when the check cannot run at all (the registry cannot be listed).
    /// - Complexity: one streamed pass over the log, one directory listing per store, and per-artifact
    ///   verification at `depth`.
    public func fsck(depth: VerificationReport.Depth = .quick) throws -> IntegrityReport {
        var report = IntegrityReport(depth: depth)
        let stored = try storedCheckpoints()
        // Artifacts are verified on other threads while this one reads the log: the two are independent.
        let artifactChecks = BackgroundJob { [self] in try checkArtifacts(depth: depth) }
        do {
            try checkLogAndViews(depth: depth, checkpoints: stored, into: &report)
        } catch {
            _ = try? artifactChecks.wait()  // never leave it running after returning
            throw error
        }
        let (artifactCount, artifactFindings) = try artifactChecks.wait()
        report.artifactCount = artifactCount
        // An artifact the log says is evicted whose eviction file is missing is reported as that missing view;
        // its absent bundle files are what the log says, not damage (FORMAT.md §14.4).
        let evictedWithoutView = Set(
            report.findings.filter { $0.kind == .viewMissing && $0.path.hasPrefix("evicted/") }.map {
                "artifacts/" + $0.path.dropFirst("evicted/".count).dropLast(".json".count) + "/"
            })
        report.findings += artifactFindings.filter { finding in
            !(finding.kind == .missingFile && evictedWithoutView.contains { finding.path.hasPrefix($0) })
        }
        report.findings += try aliasTargetFindings()
        report.findings += privateKeyFindings(in: layout.rootPath, artifactContents: depth >= .full)
        // An index that is only behind the log, or not stored yet, is a cache doing its job: readers catch up.
        let status = try index.status()
        if status.stored != nil && !status.isBehind || status.findings.contains(where: { $0.kind == .damagedIndex }) {
            report.findings += status.findings
        }
        return report
    }

    /// Verifies every artifact directory at `depth`, in batches on several threads (more than the cores: a quick
    /// check mostly waits for `stat` and small reads, which a cold page cache serves one at a time per thread).
    /// Findings come back in id order, their paths relative to the registry root.
    private func checkArtifacts(depth: VerificationReport.Depth) throws -> (count: Int, findings: [Finding]) {
        let verifier = ArtifactVerifier(store: artifacts, trust: configuration.trust, recordsStamps: false)
        let ids = try artifacts.list()
        let threads = depth >= .full ? ProcessInfo.processInfo.activeProcessorCount : ParallelWork.ioConcurrency
        let findings = try ParallelWork.mapInBatches(ids, maxConcurrency: threads) { [layout] id in
            let prefix = layout.relativePath(layout.artifactPath(id))
            return try verifier.verify(id, depth: depth).findings.compactMap { finding -> Finding? in
                guard finding.kind != .badStateFile && finding.kind != .evicted else { return nil }
                var finding = finding
                finding.path = finding.path.isEmpty ? prefix : prefix + "/" + finding.path
                return finding
            }
        }
        return (ids.count, findings.flatMap { $0 })
    }

    /// The log's chain and payloads, every view against it, and the checkpoints: one pass over the log.
    private func checkLogAndViews(
        depth: VerificationReport.Depth, checkpoints: [(path: String, result: Result<Checkpoint, RegistryError>)],
        into report: inout IntegrityReport
    ) throws {
        let presence = RegistrationReplay()
        let replays = [LogReplay(JournaledArtifacts(store: artifacts, presence: presence))] + viewReplays()
        let keys = trustedCheckpointKeys
        let anchors = CheckpointAudit(
            checkpoints: checkpoints, keys: keys, checksSignatures: depth == .trust || !keys.isEmpty)
        // One pass over the log: the chain check (this thread) hands every event it reads to a second thread,
        // which decodes each payload once — by the store it belongs to, or by its own type (log_repaired).
        var payloadFindings: [Finding] = []
        let decoding = OrderedPipeline<(AuditEvent, String, Int)> { event, file, line in
            presence.observe(event)
            do {
                var taken = false
                for replay in replays where !taken { taken = try replay.take(event) }
                if !taken { _ = try event.decodePayload() }
            } catch {
                payloadFindings.append(
                    Finding(.badPayload, path: file, line: line, (error as? RegistryError)?.message ?? "\(error)"))
            }
            anchors.observe(event)
        }
        let audit: AuditJournal.Verification
        do {
            audit = try journal.verify(forEachEvent: { decoding.push(($0, $1, $2)) })
        } catch {
            decoding.finish()
            throw error
        }
        decoding.finish()  // every event decoded: the replays and payloadFindings may be read here
        report.findings += audit.findings + payloadFindings
        report.eventCount = Int(audit.eventCount)
        for replay in replays { report.findings += try replay.discrepancies() }
        let anchored = anchors.report()
        report.findings += anchored.findings
        report.unanchoredEvents = anchors.checksSignatures ? anchored.unanchoredEvents : nil
    }

    /// Aliases that point at an artifact that is missing or revoked.
    private func aliasTargetFindings() throws -> [Finding] {
        var findings: [Finding] = []
        for alias in try aliases.names() {
            guard let record = try? aliases.record(alias) else { continue }  // reported as a damaged view
            let path = layout.relativePath(aliases.path(of: alias))
            if try !artifacts.contains(record.artifact) {
                let removed = lastCollection(of: record.artifact).map { " (removed by audit event #\($0.sequence))" }
                findings.append(
                    Finding(
                        .danglingAlias, path: path, "points at \(record.artifact), which is missing\(removed ?? "")"))
            } else if (try? states.state(of: record.artifact)) == .revoked {
                findings.append(Finding(.aliasToRevoked, path: path, "points at \(record.artifact), which was revoked"))
            }
        }
        return findings
    }

    /// Files under `directory` that hold a private key (PEM or OpenSSH), which must be kept outside a registry.
    /// Inside artifact directories only `signatures/` is read unless `artifactContents` (a deep check reads every
    /// byte anyway; a quick one reads no file contents of a bundle).
    private func privateKeyFindings(in directory: String, artifactContents: Bool) -> [Finding] {
        guard let entries = try? FileSystem.listDirectory(directory) else { return [] }
        if !artifactContents, directory == layout.artifactsPath {
            // One listing of each artifact's `signatures/` (a million artifacts are a million listings), on
            // several threads; other entries of `artifacts/` are walked as anywhere else.
            let found = try? ParallelWork.mapInBatches(entries) { [self] entry in
                let path = directory + "/" + String(decoding: entry.nameBytes, as: UTF8.self)
                let isDirectory = entry.isDirectory ?? ((try? FileSystem.status(path))??.kind == .directory)
                return isDirectory
                    ? privateKeyFindings(in: path + "/signatures", artifactContents: true)
                    : privateKeyFindings(of: [entry], in: directory, artifactContents: true)
            }
            return found?.flatMap { $0 } ?? []
        }
        return privateKeyFindings(of: entries, in: directory, artifactContents: artifactContents)
    }

    /// ``privateKeyFindings(in:artifactContents:)`` for the given entries of `directory`.
    private func privateKeyFindings(
        of entries: [FileSystem.DirectoryEntry], in directory: String, artifactContents: Bool
    ) -> [Finding] {
        var findings: [Finding] = []
        for entry in entries {
            let path = directory + "/" + String(decoding: entry.nameBytes, as: UTF8.self)
            guard let status = try? FileSystem.status(path) else { continue }
            if status.kind == .directory {
                findings += privateKeyFindings(in: path, artifactContents: artifactContents)
            } else if status.kind == .regular, status.size < 1 << 16, Self.holdsPrivateKey(path) {
                findings.append(
                    Finding(
                        .privateKeyInRegistry, path: layout.relativePath(path),
                        "holds a private key; keep keys outside the registry and remove this file"))
            }
        }
        return findings
    }

    private static func holdsPrivateKey(_ path: String) -> Bool {
        guard let file = try? FileSystem.openForReading(path) else { return false }
        defer { try? file.close() }
        guard let head = try? file.read(at: 0, count: 64) else { return false }
        let text = String(decoding: head, as: UTF8.self)
        return text.hasPrefix("-----BEGIN ") && text.contains("PRIVATE KEY-----")
    }
}

/// Hands items to one consumer thread in order, in batches, with a bounded backlog; ``finish()`` waits until
/// every item pushed so far was consumed. The producer and the consumer never touch the consumer's state at the
/// same time: the producer reads it only after ``finish()``.
final class OrderedPipeline<Item>: @unchecked Sendable {
    /// Released by the consumer thread before it signals the end, so that what the closure holds is never freed
    /// while that thread exits (the teardown that corrupted the heap of parallel transfers: GUARANTEES.md P16).
    private var consume: ((Item) -> Void)?
    private let lock = NSLock()
    private var batches: [[Item]] = []
    private var pending: [Item] = []
    private var closed = false
    private let available = DispatchSemaphore(value: 0)
    private let space = DispatchSemaphore(value: 4)
    private let done = DispatchSemaphore(value: 0)
    private static var batchSize: Int { 2048 }

    init(_ consume: @escaping (Item) -> Void) {
        self.consume = consume
        Thread.detachNewThread { [self] in run() }
    }

    /// Queues one item (blocks while the consumer is four batches behind).
    func push(_ item: Item) {
        pending.append(item)
        if pending.count >= Self.batchSize { flush() }
    }

    /// Hands over what is queued and waits until the consumer has taken everything. Call once.
    func finish() {
        flush()
        lock.lock()
        closed = true
        lock.unlock()
        available.signal()
        done.wait()
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        space.wait()
        lock.lock()
        batches.append(pending)
        lock.unlock()
        pending = []
        available.signal()
    }

    private func run() {
        while true {
            available.wait()
            lock.lock()
            let batch = batches.isEmpty ? nil : batches.removeFirst()
            let finished = batch == nil && closed
            lock.unlock()
            if finished { break }
            guard let batch else { continue }
            for item in batch { consume?(item) }
            space.signal()
        }
        consume = nil
        done.signal()
    }
}
