#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A whole file mapped read-only, so that a reader touches only the pages it needs instead of reading the file.
///
/// Made for files that are only ever *replaced* (atomic rename), never rewritten in place: the mapping keeps the
/// inode it was made from, so a writer that replaces the file does not change what an open mapping sees. The
/// caller still validates every offset it reads against ``bytes``. A file truncated in place by someone else while
/// mapped raises SIGBUS on the next access of a page past its new end; registry writers never do that.
///
/// `Sendable`: the mapping is read-only and unmapped only when the last reference goes.
package final class MappedFile: @unchecked Sendable {
    /// The file's bytes, as long as this object lives.
    package let bytes: UnsafeRawBufferPointer
    /// The status of the file the mapping was made from (descriptor `fstat`, so it names the mapped inode).
    package let status: FileStatus
    private let isMapped: Bool

    /// Maps the regular file at `path` (refusing a symbolic link as its last component).
    ///
    /// - Parameter path: the file.
    /// - Returns: the mapping, or nil when nothing is at `path`.
    /// - Throws: ``RegistryError`` when the file cannot be opened, is not a regular file, or cannot be mapped.
    package static func map(_ path: String) throws -> MappedFile? {
        guard let file = try FileSystem.openForReading(path) else { return nil }
        return try file.closeAfter { file in
            let status = try file.fileStatus()
            guard status.kind == .regular else {
                throw RegistryError(.invalidDocument, "\(path) is not a regular file", path: path)
            }
            guard status.size > 0 else { return MappedFile(empty: status) }
            guard status.size <= Int64(Int.max) else {
                throw RegistryError(.invalidDocument, "\(path) is too large to map", path: path)
            }
            do {
                let mapping = try system_mapForLookup(file.fd, length: Int(status.size), path: path)
                return MappedFile(mapping: mapping, status: status)
            } catch {
                throw RegistryError.systemCall(error, "map the file", path: path)
            }
        }
    }

    private init(mapping: UnsafeRawBufferPointer, status: FileStatus) {
        bytes = mapping
        self.status = status
        isMapped = true
    }

    private init(empty status: FileStatus) {
        bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        self.status = status
        isMapped = false
    }

    /// Lets the pages of `range` leave the process's resident set (the bytes stay readable: a later access reads
    /// them back from the page cache). For a caller that reads a large file once, such as a hash of all of it.
    package func releaseResidentPages(_ range: Range<Int>) {
        if isMapped { system_dropResidentPages(bytes, range) }
    }

    deinit {
        if isMapped { system_unmap(bytes) }
    }
}
