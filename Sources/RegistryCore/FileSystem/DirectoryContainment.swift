#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tells whether a path lies inside one of a few guarded directories, by identity rather than by name.
///
/// Comparing path strings misses every other way to reach the same directory: a bind mount or a second mount
/// of the same file system, a symbolic link, a hard-linked directory on file systems that allow one. So this
/// walks up from the path with `stat` (each step `..` of the last, as the kernel resolves it) and compares each
/// ancestor's (device, inode) with the guarded directories'. A bind mount shares the device and inodes of what
/// it mounts, so its directories compare equal to the originals.
///
/// Not thread-safe (it remembers the directories already found outside); use one per operation.
package struct DirectoryContainment {
    private struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64

        init(_ status: FileStatus) {
            device = status.device
            inode = status.inode
        }
    }

    private let guarded: [Identity: String]
    /// Directories already walked up from without meeting a guarded one.
    private var outside = Set<Identity>()

    /// Guards `directories` (each resolved through links; a missing one guards nothing).
    package init(guarding directories: [String]) throws {
        var guarded: [Identity: String] = [:]
        for directory in directories {
            if let status = try FileSystem.status(directory, followLinks: true) {
                guarded[Identity(status)] = directory
            }
        }
        self.guarded = guarded
    }

    /// The guarded directory that `directory` is, or lies somewhere below, or nil.
    ///
    /// - Complexity: one `stat` per ancestor not yet seen by this value.
    /// - Throws: `RegistryError` when an ancestor cannot be inspected (its path names it).
    package mutating func guardedAncestor(of directory: String) throws -> String? {
        var current = directory
        var visited: [Identity] = []
        guard var status = try FileSystem.status(current, followLinks: true) else { return nil }
        while true {
            let identity = Identity(status)
            if let found = guarded[identity] { return found }
            if outside.contains(identity) { break }
            visited.append(identity)
            current += "/.."
            guard let parent = try FileSystem.status(current, followLinks: true) else { break }
            // The root of the file-system tree is its own parent.
            if Identity(parent) == identity { break }
            status = parent
        }
        outside.formUnion(visited)
        return nil
    }
}
