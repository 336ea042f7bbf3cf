import Foundation
import RegistryCore

/// Human-readable names that point at artifacts: `aliases/<alias>.json`.
///
/// This type owns the alias *files*: reading them without locks, and replacing or removing them atomically.
/// The rules around a change — the writer lock, compare-and-swap, the promotion policy, the audit event —
/// live in the umbrella `Registry`, which is the only place that sees every store at once.
///
/// Reads never lock and never see a torn file: every change is a rename of a fresh, fully synced file.
/// ``resolve(_:)`` caches each record and re-reads it only when the file's stamp (device, inode, size,
/// mtime, ctime) changes, so resolving in a request path costs one `stat`.
public final class FileAliasStore: Sendable {
    /// The registry this store works in.
    public let layout: RegistryLayout
    private let cache = RecordCache()

    /// Creates a store over a registry layout.
    public init(layout: RegistryLayout) {
        self.layout = layout
    }

    /// The path of an alias file.
    public func path(of alias: String) -> String {
        layout.aliasPath(alias)
    }

    // MARK: Reading (lock-free)

    /// The record of an alias, from cache when the file has not changed.
    ///
    /// - Throws: `.invalidName` for a malformed name; `.notFound` when no such alias exists;
    ///   `.invalidJSON` / `.invalidDocument` naming the file when it is damaged.
    public func resolve(_ alias: String) throws -> AliasRecord {
        guard let record = try record(alias) else {
            throw RegistryError(
                .notFound, "no alias '\(alias)' in registry '\(layout.rootPath)'", path: path(of: alias))
        }
        return record
    }

    /// The record of an alias, or nil when it does not exist. Uses the stamp cache like ``resolve(_:)``.
    public func record(_ alias: String) throws -> AliasRecord? {
        try AliasName.check(alias)
        let file = path(of: alias)
        guard let status = try FileSystem.status(file) else { return nil }
        let stamp = Stamp(status)
        if let cached = cache.lookup(alias, stamp: stamp) { return cached }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(file, limit: 1 << 20)
        } catch RegistryError.Code.notFound {
            return nil  // removed between stat and open
        }
        let record = try AliasRecord(fileBytes: bytes, source: file)
        guard record.alias == alias else {
            throw RegistryError(
                .invalidDocument, "\(file): the record names alias '\(record.alias)', not '\(alias)'", path: file)
        }
        cache.store(alias, stamp: stamp, record: record)
        return record
    }

    /// The names of all aliases, sorted. Files that are not `<valid-name>.json` are ignored.
    public func names() throws -> [String] {
        guard try FileSystem.exists(layout.aliasesPath) else { return [] }
        return try FileSystem.listDirectory(layout.aliasesPath).compactMap { entry -> String? in
            guard let name = entry.name, name.hasSuffix(".json") else { return nil }
            let alias = String(name.dropLast(5))
            return (try? AliasName.check(alias)) == nil ? nil : alias
        }.sorted()
    }

    // MARK: Writing (caller holds the writer lock)

    /// Replaces (or creates) an alias file with `record`.
    ///
    /// - Durability: temp file, fsync, rename over `aliases/<alias>.json`, fsync of `aliases/`. A crash leaves
    ///   either the old record or the new one. The caller must hold the registry's writer lock.
    public func write(_ record: AliasRecord) throws {
        try AliasName.check(record.alias)
        try FileSystem.makeDirectory(layout.aliasesPath)
        try FileSystem.atomicReplace(path(of: record.alias), contents: record.fileBytes(), mode: 0o444)
    }

    /// Removes an alias file; a missing file is not an error.
    ///
    /// - Durability: unlink, then fsync of `aliases/`. The caller must hold the registry's writer lock.
    public func remove(_ alias: String) throws {
        try AliasName.check(alias)
        let file = path(of: alias)
        guard try FileSystem.exists(file) else { return }
        try FileSystem.removeFile(file)
        try FileSystem.syncDirectory(layout.aliasesPath)
    }
}

/// The cheap identity of a file version: any rename, rewrite or metadata change alters it.
struct Stamp: Hashable {
    var device, inode: UInt64
    var size, modified, changed: Int64

    init(_ status: FileStatus) {
        device = status.device
        inode = status.inode
        size = status.size
        modified = status.modified
        changed = status.changed
    }
}

/// Alias records keyed by name, valid while their file's stamp is unchanged.
private final class RecordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (Stamp, AliasRecord)] = [:]

    func lookup(_ alias: String, stamp: Stamp) -> AliasRecord? {
        lock.lock()
        defer { lock.unlock() }
        guard let (cachedStamp, record) = entries[alias], cachedStamp == stamp else { return nil }
        return record
    }

    func store(_ alias: String, stamp: Stamp, record: AliasRecord) {
        lock.lock()
        defer { lock.unlock() }
        entries[alias] = (stamp, record)
    }
}
