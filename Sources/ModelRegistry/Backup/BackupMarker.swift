import Foundation
import RegistryCore

/// `backup.json`: what a backup directory or tar holds, written last (FORMAT.md §14.5).
///
/// `{"artifacts":N,"createdAt":…,"events":N,"format":"modelregistry-backup","head":"sha256:…",
/// "log":[{"file":"2026-11-27.jsonl","size":N}],"schemaVersion":1}`. A directory whose marker is
/// `backup.partial.json` instead is a backup being written (or interrupted): restore refuses it, and the next
/// backup into it continues from the extent the partial marker records.
struct BackupMarker: Hashable, Sendable {
    /// The marker of a complete backup.
    static let fileName = "backup.json"
    /// The marker of a backup being written; holds the extent of the last complete one (empty for a first).
    static let partialFileName = "backup.partial.json"
    static let formatName = "modelregistry-backup"

    /// Artifacts in the snapshot.
    var artifacts: Int
    /// When the snapshot was taken.
    var createdAt: String
    /// Events in the snapshot's log.
    var events: Int64
    /// The hash of the snapshot's last log line.
    var head: Digest
    /// Every journal file of the snapshot and its length.
    var log: [AuditJournal.ExtentFile]

    /// The marker of an empty starting point: a first backup continues from it.
    static let empty = BackupMarker(artifacts: 0, createdAt: "", events: 0, head: AuditEvent.genesisHash, log: [])

    var bytes: [UInt8] {
        let value: JSONValue = .object([
            "artifacts": .number(JSONNumber(artifacts)), "createdAt": .string(createdAt),
            "events": .number(JSONNumber(events)), "format": .string(Self.formatName),
            "head": .string(head.description),
            "log": .array(
                log.map { .object(["file": .string($0.name), "size": .number(JSONNumber($0.size))]) }),
            "schemaVersion": .number(JSONNumber(1)),
        ])
        return CanonicalJSON.encode(value) + [0x0A]
    }

    /// Parses a marker, refusing anything but this schema; `source` names the file in errors.
    init(bytes: [UInt8], source: String) throws {
        let json = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        try json.rejectUnknownKeys(allowed: [
            "artifacts", "createdAt", "events", "format", "head", "log", "schemaVersion",
        ])
        guard try json.string("format") == Self.formatName else {
            throw json.makeError(at: "format", "must be \"\(Self.formatName)\"")
        }
        guard try json.integer("schemaVersion") == 1 else {
            throw json.makeError(at: "schemaVersion", "this version reads schema 1 only")
        }
        artifacts = Int(try json.integer("artifacts", in: 0...Int64(Int32.max)))
        createdAt = try json.string("createdAt")
        events = try json.integer("events", in: 0...(1 << 53 - 1))
        guard let head = Digest(parsing: try json.string("head")), head.algorithm == "sha256" else {
            throw json.makeError(at: "head", "must be sha256: followed by 64 hex digits")
        }
        self.head = head
        var files: [AuditJournal.ExtentFile] = []
        for file in try json.objects("log") {
            try file.rejectUnknownKeys(allowed: ["file", "size"])
            let name = try file.string("file")
            guard AuditJournal.isJournalFileName(name), files.last.map({ $0.name < name }) ?? true else {
                throw file.makeError(at: "file", "'\(name)' is not a journal file name in order (YYYY-MM-DD.jsonl)")
            }
            files.append(.init(name: name, size: try file.integer("size", in: 0...(1 << 53 - 1))))
        }
        log = files
    }

    init(artifacts: Int, createdAt: String, events: Int64, head: Digest, log: [AuditJournal.ExtentFile]) {
        self.artifacts = artifacts
        self.createdAt = createdAt
        self.events = events
        self.head = head
        self.log = log
    }

    /// Reads the marker at `path`, or nil when there is none.
    static func read(_ path: String, source: String) throws -> BackupMarker? {
        guard try FileSystem.exists(path) else { return nil }
        return try BackupMarker(bytes: FileSystem.readDocument(path, limit: 16 << 20), source: source)
    }
}
