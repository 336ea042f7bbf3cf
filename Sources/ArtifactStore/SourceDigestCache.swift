import Foundation
import RegistryCore

/// The source-digest cache: (device, inode, size, mtime, ctime) → digest for the *source* files of
/// registrations, like git's index or DVC's state database (FORMAT.md §10.2).
///
/// One document per source directory, `indexes/sources/<sha256 of the directory's absolute path>.json`:
/// `{"algorithm":"sha256","directory":"/abs/dir","files":{"<name>":{"ctimeMicroseconds":…,"device":…,
/// "digest":"sha256:…","inode":…,"mtimeMicroseconds":…,"size":…}}}`. A source file whose current status equals
/// its record is taken to hold the recorded digest without being read. A record is written only for a file
/// whose status did not change while it was read, and whose mtime is at least ``racyInterval`` older than the
/// start of the read (a file written again within its file system's timestamp granularity would otherwise
/// keep its stamp, git's "racily clean" problem).
///
/// Not `Sendable` across registrations: one instance per staging, used from its worker threads under a lock.
final class SourceDigestCache: @unchecked Sendable {
    /// How much older than the read a file's mtime must be for its digest to be recorded: two seconds, the
    /// coarsest common timestamp granularity (FAT; ext3 and HFS+ have one second).
    static let racyInterval: Int64 = 2_000_000_000

    /// One source file's record: its stamp and the digest its bytes had.
    struct Record: Equatable {
        var stamp: FileStamp
        var digest: Digest

        init(_ status: FileStatus, digest: Digest) {
            stamp = FileStamp(status)
            self.digest = digest
        }

        init(json: JSONObjectReader) throws {
            stamp = try FileStamp(json: json)
            let text = try json.string("digest")
            guard let digest = Digest(parsing: text) else { throw json.makeError(at: "digest", "not a digest") }
            self.digest = digest
        }

        var json: JSONValue { .object(stamp.jsonMembers.merging(["digest": .string(digest.description)]) { $1 }) }

        /// Whether `status` is the recorded file, unchanged.
        func matches(_ status: FileStatus) -> Bool {
            status.kind == .regular && FileStamp(status) == stamp
        }
    }

    private let directory: String
    private let algorithm: String
    private let lock = NSLock()
    /// Loaded documents by source directory, then file name.
    private var loaded: [String: [String: Record]] = [:]
    /// Directories whose document changed.
    private var changed: Set<String> = []

    /// A cache over `layout`'s `indexes/sources/`, for digests of `algorithm`.
    init(layout: RegistryLayout, algorithm: String) {
        self.directory = layout.indexesPath + "/sources"
        self.algorithm = algorithm
    }

    /// The digest recorded for the source at `path` when `status` (its current status) equals the record.
    func digest(forSource path: String, status: FileStatus) -> Digest? {
        let (parent, name) = Self.split(path)
        return lock.withLock {
            guard let record = records(in: parent)[name], record.matches(status),
                record.digest.algorithm == algorithm
            else { return nil }
            return record.digest
        }
    }

    /// Remembers that the source at `path` with `status` hashed to `digest`, read from `readStarted` (nanoseconds
    /// since the epoch) on; ignored when its mtime is too recent to be trusted (see ``racyInterval``).
    func record(source path: String, status: FileStatus, digest: Digest, readStarted: Int64) {
        guard status.kind == .regular, status.modified < readStarted - Self.racyInterval,
            digest.algorithm == algorithm
        else { return }
        let (parent, name) = Self.split(path)
        let record = Record(status, digest: digest)
        lock.withLock {
            var records = records(in: parent)
            guard records[name] != record else { return }
            records[name] = record
            loaded[parent] = records
            changed.insert(parent)
        }
    }

    /// Writes the documents that changed. Failures are ignored: the cache only saves time.
    func save() {
        let pending = lock.withLock { changed.map { ($0, loaded[$0] ?? [:]) } }
        for (parent, records) in pending {
            let value: JSONValue = .object([
                "algorithm": .string(algorithm), "directory": .string(parent),
                "files": .object(records.mapValues(\.json)),
            ])
            _ = try? FileSystem.makeDirectories(directory)
            _ = try? FileSystem.atomicReplace(documentPath(parent), contents: CanonicalJSON.encode(value) + [0x0A])
        }
        lock.withLock { changed = [] }
    }

    private func documentPath(_ parent: String) -> String {
        directory + "/" + SHA256Algorithm().hash(Array(parent.utf8)).hex + ".json"
    }

    /// The records of one directory, read on first use (the caller holds the lock). A document that is damaged,
    /// names another directory or another algorithm counts as empty.
    private func records(in parent: String) -> [String: Record] {
        if let known = loaded[parent] { return known }
        var records: [String: Record] = [:]
        let file = documentPath(parent)
        if let bytes = try? FileSystem.readDocument(file), let value = try? CanonicalJSON.parse(bytes, source: file),
            let reader = try? JSONObjectReader(value, source: file),
            (try? reader.string("directory")) == parent, (try? reader.string("algorithm")) == algorithm,
            let files = try? reader.object("files")
        {
            for name in files.keys {
                guard let entry = try? files.object(name), let record = try? Record(json: entry) else {
                    records = [:]
                    break
                }
                records[name] = record
            }
        }
        loaded[parent] = records
        return records
    }

    private static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}
