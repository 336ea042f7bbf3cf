import Foundation
import RegistryCore

extension AuditJournal {
    /// Cuts a torn final line off the log and records that it did, so the log verifies and accepts appends again.
    ///
    /// A line is torn when the newest non-empty file ends with bytes after its last newline (a crash during an
    /// append), or when its final, newline-terminated line is not JSON at all. A final line that is JSON but not
    /// a valid event is damage, not a torn tail: it is left in place (``verify()`` lists it) and this returns nil.
    /// Only that one torn line is removed; damage anywhere else is left for a person to inspect.
    ///
    /// After truncating, the journal appends a ``AuditEvent/Kind/logRepaired`` event whose payload records what
    /// was removed:
    ///
    /// | Member | Value |
    /// |---|---|
    /// | `file` | the day file, `2026-11-23.jsonl` |
    /// | `offset` | the byte offset where the removed bytes started (the file's new length) |
    /// | `removedByteCount` | how many bytes were removed |
    /// | `removedDigest` | `sha256:<hex>` of the removed bytes |
    /// | `reason` | `incomplete_line` (no final newline) or `unparseable_line` (a final line that is not JSON) |
    ///
    /// Before changing anything it checks that the line before the torn one is a valid event to chain after;
    /// otherwise it throws and changes nothing.
    ///
    /// - Precondition: the caller holds the registry's writer lock, as for ``append(_:actor:payload:)``.
    ///
    /// **Durability:** the truncation is fsynced before the `log_repaired` event is appended, and that event is
    /// durable when this returns (as for ``append(_:actor:payload:)``). A crash between the two leaves the log
    /// intact but without the record of the repair; the removed bytes were an append that never completed.
    ///
    /// - Parameter actor: who is running the recovery, recorded in the `log_repaired` event.
    /// - Returns: the `log_repaired` event, or nil when the log did not end with a torn line.
    /// - Throws: ``RegistryError/Code/invalidDocument`` when the line before the torn one is not an event either;
    ///   ``RegistryError/Code/invalidArgument`` for a bad actor; I/O codes.
    /// - Complexity: O(*t*) in the length of the torn part, plus an append.
    @discardableResult
    public func repairTornTail(actor: String) throws -> AuditEvent? {
        try Self.checkNewEvent(type: .logRepaired, actor: actor)
        return try state.withLock { cached in
            cached = nil
            let files = try listFilesCreatingDirectory()
            guard let damage = try findTornTail(files: files) else { return nil }
            // What would the chain end with afterwards? Refuse now, before removing anything, if it is bad too.
            _ = try findHead(
                files: files, skippingTornLines: false, truncation: (damage.file, damage.offset))
            let digest = try Self.digest(of: damage.file.path, from: damage.offset, count: damage.count)
            try FileSystem.truncate(damage.file.path, to: damage.offset)
            let repaired = LogRepaired(
                file: damage.file.name, offset: damage.offset, removedByteCount: damage.count, removedDigest: digest,
                reason: damage.reason)
            return try appendHoldingState(
                .logRepaired, actor: actor, payload: repaired.payloadMembers, cached: &cached)
        }
    }

    /// Takes `lock`, runs ``repairTornTail(actor:)`` and releases it.
    @discardableResult
    package func repairTornTailLocked(
        actor: String, lock: WriterLock, timeout: Duration = .seconds(30)
    ) throws -> AuditEvent? {
        try lock.withLock(timeout: timeout) { try repairTornTail(actor: actor) }
    }

    /// A torn final line: where it is and why it counts as torn.
    struct TornTail {
        var file: JournalFile
        var offset: Int64
        var count: Int64
        var reason: String
    }

    /// Finds a torn line at the end of the newest non-empty file, if there is one.
    func findTornTail(files: [JournalFile]) throws -> TornTail? {
        for file in files.reversed() {
            guard let tail = try JournalTail.read(file.path), tail.size > 0 else { continue }
            if tail.isTorn {
                return TornTail(file: file, offset: tail.end, count: tail.size - tail.end, reason: "incomplete_line")
            }
            guard let line = tail.lastLine, Self.isTornFinalLine(line.bytes) else { return nil }
            return TornTail(
                file: file, offset: line.offset, count: tail.size - line.offset, reason: "unparseable_line")
        }
        return nil
    }

    /// Whether a complete (newline-terminated) final line counts as torn (FORMAT.md §9.2): only when it is not
    /// JSON at all — empty, not strict JSON (§2), or longer than any event (`bytes` is nil). A final line that is
    /// JSON but not a valid event (an unknown member, a non-canonical spelling, a wrong `previousHash`) is not
    /// what a crash leaves: it is damage, which ``verify()`` reports and recovery never removes.
    static func isTornFinalLine(_ bytes: [UInt8]?) -> Bool {
        guard let bytes, !bytes.isEmpty else { return true }
        return (try? CanonicalJSON.parse(bytes, source: "")) == nil
    }

    /// The SHA-256 of `count` bytes of a file from `offset`, read in 64 KiB chunks.
    static func digest(of path: String, from offset: Int64, count: Int64) throws -> Digest {
        guard let file = try FileSystem.openForReading(path) else {
            throw RegistryError(.notFound, "'\(path)' disappeared during the repair", path: path)
        }
        return try file.closeAfter { file in
            var state = SHA256Algorithm().makeState()
            var position = offset
            let end = offset + count
            while position < end {
                let bytes = try file.read(at: position, count: Int(min(Int64(64 << 10), end - position)))
                if bytes.isEmpty { break }
                state.update(bytes)
                position += Int64(bytes.count)
            }
            return state.finalize()
        }
    }
}
