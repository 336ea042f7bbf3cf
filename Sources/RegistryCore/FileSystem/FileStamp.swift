/// The cheap identity of a file's bytes — device, inode, size, mtime, ctime — reduced to the JSON-safe integer
/// range (microsecond times, 53-bit device and inode), as the caches that let the registry skip hashing store it:
/// the verifier's stamps (`indexes/stamps/`) and the source-digest cache (`indexes/sources/`).
///
/// Any write to a file changes its mtime and ctime, so an equal stamp means the bytes were not touched since it
/// was taken (within the limits FORMAT.md §10 lists).
package struct FileStamp: Hashable, Sendable {
    package var device, inode, size, modifiedMicroseconds, changedMicroseconds: Int64

    /// The stamp of a file's current status.
    package init(_ status: FileStatus) {
        device = Int64(truncatingIfNeeded: status.device & 0x1F_FFFF_FFFF_FFFF)
        inode = Int64(truncatingIfNeeded: status.inode & 0x1F_FFFF_FFFF_FFFF)
        size = status.size
        modifiedMicroseconds = status.modified / 1000
        changedMicroseconds = status.changed / 1000
    }

    /// Reads the members ``jsonMembers`` writes.
    package init(json: JSONObjectReader) throws {
        device = try json.integer("device")
        inode = try json.integer("inode")
        size = try json.integer("size")
        modifiedMicroseconds = try json.integer("mtimeMicroseconds")
        changedMicroseconds = try json.integer("ctimeMicroseconds")
    }

    /// The stamp as JSON members, for a document that may add its own beside them.
    package var jsonMembers: [String: JSONValue] {
        [
            "device": .number(JSONNumber(device)), "inode": .number(JSONNumber(inode)),
            "size": .number(JSONNumber(size)), "mtimeMicroseconds": .number(JSONNumber(modifiedMicroseconds)),
            "ctimeMicroseconds": .number(JSONNumber(changedMicroseconds)),
        ]
    }
}
