import RegistryCore

/// The cheap identity of each verified file — device, inode, size, mtime, ctime — kept per artifact in
/// `indexes/stamps/<artifact-id>.json`.
///
/// When a file's stamp still matches, its bytes have not been touched since they were last hashed, so opening
/// an artifact for loading costs one `stat` per file instead of re-hashing gigabytes. Any write to a file
/// (including through a hard link to the user's original) changes its mtime and ctime, so a changed file is
/// re-hashed, and reported if its bytes no longer match. Stamps are a cache: losing them only means re-hashing.
struct FileStamps: Sendable {
    /// One file's stamp, reduced to the JSON-safe integer range: microsecond times, 53-bit device and inode.
    struct Stamp: Hashable, Sendable {
        var device, inode, size, modifiedMicroseconds, changedMicroseconds: Int64

        init(_ status: FileStatus) {
            device = Int64(truncatingIfNeeded: status.device & 0x1F_FFFF_FFFF_FFFF)
            inode = Int64(truncatingIfNeeded: status.inode & 0x1F_FFFF_FFFF_FFFF)
            size = status.size
            modifiedMicroseconds = status.modified / 1000
            changedMicroseconds = status.changed / 1000
        }

        init(json: JSONObjectReader) throws {
            device = try json.integer("device")
            inode = try json.integer("inode")
            size = try json.integer("size")
            modifiedMicroseconds = try json.integer("mtimeMicroseconds")
            changedMicroseconds = try json.integer("ctimeMicroseconds")
        }

        var json: JSONValue {
            .object([
                "device": .number(JSONNumber(device)), "inode": .number(JSONNumber(inode)),
                "size": .number(JSONNumber(size)), "mtimeMicroseconds": .number(JSONNumber(modifiedMicroseconds)),
                "ctimeMicroseconds": .number(JSONNumber(changedMicroseconds)),
            ])
        }
    }

    let layout: RegistryLayout

    var directory: String { layout.indexesPath + "/stamps" }

    func path(_ id: ArtifactID) -> String { directory + "/" + id.description + ".json" }

    /// The stored stamps by bundle path; empty when none are stored or the file is damaged (a cache miss).
    func load(_ id: ArtifactID) -> [String: Stamp] {
        guard let bytes = try? FileSystem.readDocument(path(id), limit: 64 << 20),
            let value = try? CanonicalJSON.parse(bytes, source: path(id)),
            let files = value.objectValue?["files"]?.objectValue
        else { return [:] }
        var stamps: [String: Stamp] = [:]
        for (file, entry) in files {
            guard let reader = try? JSONObjectReader(entry, source: path(id)), let stamp = try? Stamp(json: reader)
            else {
                return [:]
            }
            stamps[file] = stamp
        }
        return stamps
    }

    /// Stores stamps atomically. Failures are ignored: the cache only makes the next check faster.
    func store(_ id: ArtifactID, _ stamps: [String: Stamp]) {
        let value: JSONValue = .object([
            "artifact": .string(id.description),
            "files": .object(stamps.mapValues { $0.json }),
        ])
        try? FileSystem.makeDirectories(directory)
        try? FileSystem.atomicReplace(path(id), contents: CanonicalJSON.encode(value) + [0x0A])
    }
}
