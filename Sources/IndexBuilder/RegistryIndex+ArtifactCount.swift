import RegistryCore

/// The recorded number of artifact directories (FORMAT.md §13.4): what lets a cold reader check an index's
/// `artifactCount` with one `stat` of `artifacts/` instead of listing 100,000 entries.
///
/// `indexes/artifact-count.json` holds the count together with the status of `artifacts/` (device, inode, size,
/// link count, modification and change times) when it was exact. Only writers write it, under the writer lock:
/// a rebuild (with the status taken before its listing) and an update that stores changes while the record agreed
/// with the index. A reader uses the count only when `artifacts/` still has exactly the recorded status, and lists
/// the directory otherwise; `RegistryIndex.status()` (and so `index status` and `fsck`) always lists.
struct ArtifactCountRecord: Equatable {
    /// The status fields of `artifacts/` that change when an entry is added or removed.
    struct DirectoryStatus: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var links: UInt64
        var modified: Int64
        var changed: Int64

        init(_ status: FileStatus) {
            device = status.device
            inode = status.inode
            size = status.size
            links = status.linkCount
            modified = status.modified
            changed = status.changed
        }

        init(device: UInt64, inode: UInt64, size: Int64, links: UInt64, modified: Int64, changed: Int64) {
            self.device = device
            self.inode = inode
            self.size = size
            self.links = links
            self.modified = modified
            self.changed = changed
        }
    }

    var status: DirectoryStatus
    var count: Int

    static let fileName = "artifact-count.json"

    private static func path(_ layout: RegistryLayout) -> String { layout.indexesPath + "/" + fileName }

    /// The record, or nil when there is none or it does not parse (a cache miss, never an error).
    static func read(_ layout: RegistryLayout) -> ArtifactCountRecord? {
        guard let bytes = try? FileSystem.readDocument(path(layout), limit: 4096), bytes.last == 0x0A,
            let value = try? CanonicalJSON.parseCanonical(bytes.dropLast(), source: path(layout)),
            let members = value.objectValue, members.count == 2,
            case .number(let number)? = members["count"], let count = number.integerValue, count >= 0,
            case .object(let directory)? = members["directory"], directory.count == 6
        else { return nil }
        // The status fields are decimal strings: nanosecond times exceed JSON's safe integers.
        func field(_ name: String) -> Int64? {
            guard case .string(let text)? = directory[name] else { return nil }
            return Int64(text)
        }
        guard let device = field("device"), let inode = field("inode"), let size = field("size"),
            let links = field("links"), let modified = field("modified"), let changed = field("changed")
        else { return nil }
        return ArtifactCountRecord(
            status: DirectoryStatus(
                device: UInt64(bitPattern: device), inode: UInt64(bitPattern: inode), size: size,
                links: UInt64(bitPattern: links), modified: modified, changed: changed),
            count: Int(count))
    }

    /// Whether `status` (of `artifacts/` now) is the recorded one.
    func matches(_ status: FileStatus?) -> Bool {
        status.map(DirectoryStatus.init) == self.status
    }

    /// Writes the record (atomic replace); the caller holds the writer lock.
    func write(_ layout: RegistryLayout) throws {
        func field(_ name: String, _ value: Int64) -> String { "\"\(name)\":\"\(value)\"" }
        let members = [
            field("changed", status.changed), field("device", Int64(bitPattern: status.device)),
            field("inode", Int64(bitPattern: status.inode)), field("links", Int64(bitPattern: status.links)),
            field("modified", status.modified), field("size", status.size),
        ]
        let text = "{\"count\":\(count),\"directory\":{" + members.joined(separator: ",") + "}}\n"
        try FileSystem.makeDirectory(layout.indexesPath)
        try FileSystem.atomicReplace(Self.path(layout), contents: Array(text.utf8))
    }
}
