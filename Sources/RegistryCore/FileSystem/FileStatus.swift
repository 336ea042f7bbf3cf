#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The parts of `stat` the registry uses, so that no module outside the file-system layer touches `struct stat`.
///
/// Device, inode, size, mtime and ctime together form the cheap "stamp" that tells whether a file changed
/// since it was last hashed.
package struct FileStatus: Hashable, Sendable {
    /// What kind of file this is.
    package enum Kind: Hashable, Sendable { case regular, directory, symbolicLink, other }

    package var kind: Kind
    package var device: UInt64
    package var inode: UInt64
    package var size: Int64
    package var permissions: UInt32
    /// The owning user id.
    package var owner: UInt32
    package var linkCount: UInt64
    /// Modification time in nanoseconds since the epoch.
    package var modified: Int64
    /// Status-change time in nanoseconds since the epoch.
    package var changed: Int64

    package init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        device = UInt64(truncatingIfNeeded: info.st_dev)
        inode = UInt64(truncatingIfNeeded: info.st_ino)
        size = Int64(info.st_size)
        permissions = UInt32(info.st_mode & 0o7777)
        owner = UInt32(info.st_uid)
        linkCount = UInt64(truncatingIfNeeded: info.st_nlink)
        #if canImport(Darwin)
            modified = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
            changed = Int64(info.st_ctimespec.tv_sec) * 1_000_000_000 + Int64(info.st_ctimespec.tv_nsec)
        #else
            modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        #endif
    }
}

extension FileSystem {
    /// The status of `path`, or nil when nothing is there.
    ///
    /// - Parameter followLinks: describe the link's target rather than the link (a dangling link then reads as absent).
    package static func status(_ path: String, followLinks: Bool = false) throws -> FileStatus? {
        do {
            return FileStatus(try followLinks ? system_stat(path) : system_lstat(path))
        } catch let error where error.errno == ENOENT || error.errno == ENOTDIR {
            return nil
        } catch {
            throw RegistryError.systemCall(error, "inspect", path: path)
        }
    }
}

extension OpenFile {
    /// The status of the open file.
    package func fileStatus() throws -> FileStatus {
        do {
            return FileStatus(try status())
        } catch {
            throw RegistryError.systemCall(error, "inspect", path: path)
        }
    }
}
