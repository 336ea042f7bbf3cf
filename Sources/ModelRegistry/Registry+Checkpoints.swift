import Foundation

extension Registry {
    /// What ``checkLog(against:)-6s823`` found: whether the audit log still has the heads that trusted checkpoints
    /// signed, and how much of it no checkpoint covers yet.
    public struct AnchorReport: Sendable, CustomStringConvertible {
        /// Every problem: `checkpoint_mismatch`, `log_shorter_than_checkpoint`, `untrusted_checkpoint`,
        /// `damaged_checkpoint`.
        public var findings: [Finding] = []
        /// How many checkpoints were examined.
        public var checkpointCount = 0
        /// How many events the log holds (the highest sequence number read).
        public var eventCount = 0
        /// The size of the newest checkpoint a trusted key signed, or nil when there is none.
        public var newestTrustedSize: Int64?
        /// Events after the newest trusted checkpoint (all events when there is none): a change to them would not
        /// be detected by any checkpoint.
        public var unanchoredEvents = 0

        /// Whether nothing was found.
        public var isClean: Bool { findings.isEmpty }

        /// One line per finding, then a summary line.
        public var description: String {
            let anchor = newestTrustedSize.map { "anchored at \($0)" } ?? "no trusted checkpoint"
            return
                (findings.map(\.description)
                + [
                    "\(checkpointCount) checkpoint(s), \(eventCount) event(s), \(anchor), "
                        + "\(unanchoredEvents) unanchored: \(findings.count) problem(s)"
                ])
                .joined(separator: "\n")
        }
    }

    /// Signs the audit log's current head with `key` and stores it as `checkpoints/<size>.note`
    /// (FORMAT.md §9.6), under the writer lock so no event is appended meanwhile.
    ///
    /// The checkpoint states the number of events, the hash of the last event's line and the time, and is signed
    /// as a C2SP signed note under the key's id. Keep `key` outside the registry, and keep a copy of the printed
    /// note outside it too: someone who can rewrite the registry can also delete checkpoint files, but not the
    /// copies. When `checkpoints/<size>.note` already exists for the same head, `key`'s signature is added to it
    /// (co-signing); a key that already signed it changes nothing.
    ///
    /// ```swift
    /// let checkpoint = try registry.writeCheckpoint(signedBy: try KeyFiles.loadPrivateKey(at: "/secure/log.key"))
    /// print(checkpoint.note)
    /// ```
    ///
    /// - Parameter key: the signing key; its ``Ed25519PrivateKey/keyID`` is the note's key name.
    /// - Returns: the stored checkpoint with all its signatures.
    /// - Throws: `.invalidArgument` when the log is empty; `.conflict` when `checkpoints/<size>.note` already holds
    ///   a different head or cannot be read as a checkpoint (the log changed after it was signed: run
    ///   ``fsck(depth:)``); `.lockTimeout`; `.reentrantWrite`; I/O errors.
    /// - Durability: the note is written with an atomic replace (temp file, fsync, rename, directory fsync); after
    ///   a crash the file is either absent or complete.
    /// - Complexity: reads the first and the last line of the log, one Ed25519 signature, one synced file write.
    @discardableResult
    public func writeCheckpoint(signedBy key: Ed25519PrivateKey) throws -> Checkpoint {
        try withWriterLock { try writeCheckpointHoldingLock(signedBy: key) }
    }

    /// The body of ``writeCheckpoint(signedBy:)``; the caller holds the writer lock.
    func writeCheckpointHoldingLock(signedBy key: Ed25519PrivateKey) throws -> Checkpoint {
        var first = journal.events(.init(limit: 1)).makeIterator()
        guard let last = try journal.lastEvent(), let genesis = try first.nextEvent() else {
            throw RegistryError(.invalidArgument, "the audit log is empty: there is nothing to anchor yet")
        }
        let path = layout.checkpointPath(size: last.sequence)
        var checkpoint = try Checkpoint(
            origin: Self.checkpointOrigin(firstEventHash: genesis.hash), size: last.sequence, headHash: last.hash,
            time: Timestamp.format(configuration.clock()))
        let exists = try FileSystem.exists(path)
        if exists {
            let stored: Checkpoint
            do {
                stored = try Checkpoint(parsing: FileSystem.readDocument(path, limit: Checkpoint.maximumNoteLength))
            } catch {
                throw RegistryError(
                    .conflict,
                    "\(layout.relativePath(path)) cannot be read as a checkpoint (\(error)); inspect it and move it "
                        + "away before signing this size again",
                    path: path)
            }
            guard stored.origin == checkpoint.origin, stored.headHash == checkpoint.headHash else {
                throw RegistryError(
                    .conflict,
                    "\(layout.relativePath(path)) anchors another head (\(stored.headHash)) than the log's event "
                        + "\(last.sequence) (\(checkpoint.headHash)): the log changed after it was signed; run fsck",
                    path: path)
            }
            checkpoint = stored
        }
        let signed = try checkpoint.signed(by: key)
        if exists && signed == checkpoint { return signed }
        try FileSystem.makeDirectory(layout.checkpointsPath)
        let bytes = Array(signed.note.utf8)
        do {
            try FileSystem.atomicReplace(path, contents: bytes)
        } catch {
            // The rename may have happened and only the directory's fsync failed. The note is then in place, and
            // it is a true statement about the log, so it stays — and the error must not say nothing changed.
            let found = Result { try FileSystem.readDocument(path, limit: Checkpoint.maximumNoteLength) }
            if case .failure(let readError as RegistryError) = found, readError.code == .notFound { throw error }
            if case .success(let stored) = found, stored != bytes { throw error }
            let failed = error as? RegistryError
            let place = (try? found.get()) == bytes ? "is in place" : "may be in place (it could not be read back)"
            throw RegistryError(
                failed?.code ?? .io,
                "the checkpoint note \(layout.relativePath(path)) \(place), but it could not be made durable "
                    + "(\(failed?.message ?? "\(error)")); it anchors the log either way, and a power cut may take it "
                    + "back out: write it again once the disk works",
                path: path, underlying: error)
        }
        return signed
    }

    /// The checkpoints stored in `checkpoints/`, oldest (smallest size) first, without checking signatures or the
    /// log (no lock). Files that are not well-formed checkpoints are left out; ``fsck(depth:)`` reports them.
    ///
    /// - Returns: the parsed checkpoints, sorted by size.
    /// - Throws: I/O errors listing `checkpoints/`; none when it does not exist.
    /// - Complexity: one read per file.
    public func checkpoints() throws -> [Checkpoint] {
        try storedCheckpoints().compactMap { try? $0.result.get() }
    }

    /// Checks the audit log against signed checkpoints (FORMAT.md §9.6), using the Ed25519 keys of
    /// ``Configuration/trust``; read-only, no lock.
    ///
    /// Each checkpoint a trusted key signed must name this log's origin, and the log must hold an event at its
    /// size whose line hashes to its head hash. Checkpoints no trusted key signed are reported as
    /// `untrusted_checkpoint`; a signature by a trusted key that fails makes it `damaged_checkpoint`.
    ///
    /// ```swift
    /// // A copy kept outside the registry is the anchor that someone rewriting the registry cannot delete.
    /// let copy = try Checkpoint(parsing: Array(try Data(contentsOf: copyURL)))
    /// let report = try registry.checkLog(against: [copy])
    /// ```
    ///
    /// - Parameter checkpoints: the checkpoints to check, for example copies kept elsewhere; nil (the default)
    ///   checks the ones stored in `checkpoints/`, and reports files there that do not parse.
    /// - Returns: the findings and how many events no trusted checkpoint covers.
    /// - Throws: I/O errors listing `checkpoints/` or reading the log's files.
    /// - Complexity: one streamed pass over the log and one Ed25519 verification per signature by a trusted key.
    public func checkLog(against checkpoints: [Checkpoint]? = nil) throws -> AnchorReport {
        let audit = CheckpointAudit(
            checkpoints: try checkpoints.map { $0.map { (path: "", result: .success($0)) } } ?? storedCheckpoints(),
            keys: trustedCheckpointKeys, checksSignatures: true)
        do {
            try journal.forEachEvent { audit.observe($0) }
        } catch {
            // The events before the line that stops reading are compared; `fsck` reports the line itself.
        }
        return audit.report()
    }

    /// The origin line of this registry's checkpoints: `modelregistry/hashchain/` and the hex of the first
    /// 16 bytes of event 1's hash, which names this log and no other.
    static func checkpointOrigin(firstEventHash: Digest) -> String {
        "modelregistry/hashchain/" + Digest.encodeHex(firstEventHash.bytes.prefix(16))
    }

    /// The Ed25519 keys of the configured trust store.
    var trustedCheckpointKeys: [Ed25519PublicKey] {
        configuration.trust.keyIDs.compactMap { configuration.trust.verifiers[$0] as? Ed25519PublicKey }
    }

    /// Every file in `checkpoints/` (temporary files of a writer aside), with its registry-relative path and the
    /// checkpoint or why it is not one; sorted by size, then name.
    func storedCheckpoints() throws -> [(path: String, result: Result<Checkpoint, RegistryError>)] {
        let entries: [FileSystem.DirectoryEntry]
        do {
            entries = try FileSystem.listDirectory(layout.checkpointsPath)
        } catch RegistryError.Code.notFound {
            return []
        }
        var stored: [(size: Int64, path: String, result: Result<Checkpoint, RegistryError>)] = []
        for entry in entries {
            let name = String(decoding: entry.nameBytes, as: UTF8.self)
            if name.hasPrefix(FileSystem.temporaryPrefix) { continue }
            let path = layout.checkpointsPath + "/" + name
            let relative = layout.relativePath(path)
            let stem = name.hasSuffix(".note") ? String(name.dropLast(".note".count)) : ""
            guard let size = Int64(stem), size >= 1, stem == String(size) else {
                let error = RegistryError(.invalidDocument, "not a checkpoint file name (expected <size>.note)")
                stored.append((.max, relative, .failure(error)))
                continue
            }
            let result: Result<Checkpoint, RegistryError>
            do {
                let checkpoint = try Checkpoint(
                    parsing: FileSystem.readDocument(path, limit: Checkpoint.maximumNoteLength + 1))
                result =
                    checkpoint.size == size
                    ? .success(checkpoint)
                    : .failure(
                        RegistryError(
                            .invalidDocument, "the file is named for size \(size) but holds size \(checkpoint.size)"))
            } catch let error as RegistryError {
                result = .failure(error)
            }
            stored.append((size, relative, result))
        }
        return stored.sorted { ($0.size, $0.path) < ($1.size, $1.path) }.map { ($0.path, $0.result) }
    }
}

/// Compares checkpoints with the log during one streamed pass (shared by ``Registry/fsck(depth:)`` and
/// ``Registry/checkLog(against:)``): `observe` every event in order, then take the `report`.
final class CheckpointAudit {
    private var findings: [Finding] = []
    /// Checkpoints a trusted key signed, to compare with the log.
    private var anchors: [(path: String, checkpoint: Checkpoint)] = []
    private var wantedSizes: Set<Int64> = []
    private var hashes: [Int64: Digest] = [:]
    private var origin: String?
    private var lastSequence: Int64 = 0
    private let checkpointCount: Int
    /// Whether signatures were checked; when not, only the files' form is.
    let checksSignatures: Bool

    init(
        checkpoints: [(path: String, result: Result<Checkpoint, RegistryError>)], keys: [Ed25519PublicKey],
        checksSignatures: Bool
    ) {
        self.checksSignatures = checksSignatures
        checkpointCount = checkpoints.count
        for (path, result) in checkpoints {
            let checkpoint: Checkpoint
            switch result {
            case .failure(let error):
                findings.append(Finding(.damagedCheckpoint, path: path, error.message))
                continue
            case .success(let parsed):
                checkpoint = parsed
            }
            guard checksSignatures else { continue }
            let check = checkpoint.verify(against: keys)
            let name = path.isEmpty ? "the checkpoint of size \(checkpoint.size)" : "the checkpoint"
            if !check.failed.isEmpty {
                findings.append(
                    Finding(
                        .damagedCheckpoint, path: path,
                        "\(name) has a signature by trusted key \(check.failed.joined(separator: ", ")) that does not "
                            + "verify: the note was changed after it was signed"))
            } else if check.verified.isEmpty {
                let signers = check.unknown.joined(separator: ", ")
                findings.append(
                    Finding(
                        .untrustedCheckpoint, path: path, "\(name) is signed by no trusted key (signers: \(signers))")
                )
            } else {
                anchors.append((path, checkpoint))
                wantedSizes.insert(checkpoint.size)
            }
        }
    }

    /// Notes what the comparison needs from one event: the origin from event 1, the hash at each wanted size.
    func observe(_ event: AuditEvent) {
        guard checksSignatures else { return }
        if event.sequence == 1 { origin = Registry.checkpointOrigin(firstEventHash: event.hash) }
        if wantedSizes.contains(event.sequence) { hashes[event.sequence] = event.hash }
        lastSequence = max(lastSequence, event.sequence)
    }

    /// The findings, and the events after the newest trusted checkpoint.
    func report() -> Registry.AnchorReport {
        var report = Registry.AnchorReport()
        report.checkpointCount = checkpointCount
        report.findings = findings
        report.eventCount = Int(lastSequence)
        for (path, checkpoint) in anchors {
            let name = path.isEmpty ? "the checkpoint of size \(checkpoint.size)" : "the checkpoint"
            if let hash = hashes[checkpoint.size] {
                if hash != checkpoint.headHash {
                    report.findings.append(
                        Finding(
                            .checkpointMismatch, path: path,
                            "\(name) signed head \(checkpoint.headHash) at event \(checkpoint.size), but that event "
                                + "now hashes to \(hash): the log was changed after it was signed"))
                } else if checkpoint.origin != origin {
                    report.findings.append(
                        Finding(
                            .checkpointMismatch, path: path,
                            "\(name) is for log '\(checkpoint.origin)', but this log is '\(origin ?? "?")'"))
                }
            } else {
                report.findings.append(
                    Finding(
                        .logShorterThanCheckpoint, path: path,
                        "\(name) covers \(checkpoint.size) events, but the log holds \(lastSequence): events it "
                            + "signed were dropped"))
            }
        }
        report.newestTrustedSize = anchors.map(\.checkpoint.size).max()
        report.unanchoredEvents = Int(max(0, lastSequence - (report.newestTrustedSize ?? 0)))
        return report
    }
}

extension Registry {
    /// After a write, when ``Configuration/checkpointKey`` is set: signs the new head and removes the older
    /// checkpoints that key alone signed (the newest anchors every event before it). The caller holds the writer
    /// lock. Never fails the write it follows: a missed checkpoint only leaves events unanchored, which `fsck`
    /// reports.
    func writeAutomaticCheckpoint() {
        guard let key = configuration.checkpointKey else { return }
        CrashPoint.hit("checkpoint.beforeAutomatic")
        guard let written = try? writeCheckpointHoldingLock(signedBy: key),
            let last = try? journal.lastEvent(), last.sequence == written.size
        else { return }
        // Only the note one event older can be checked for free (the newest event links to it): a note that
        // the log no longer matches is evidence of a rewrite, and stays.
        for (path, result) in (try? storedCheckpoints()) ?? [] {
            guard case .success(let older) = result, older.size == written.size - 1,
                older.headHash == last.previousHash, older.signatures.map(\.keyName) == [key.keyID]
            else { continue }
            CrashPoint.hit("checkpoint.beforePrune")
            try? FileSystem.removeFile(layout.rootPath + "/" + path)
        }
    }
}
