import Foundation

/// The process-wide table of writer locks, keyed by the registry root's (device, inode).
///
/// `flock` locks belong to open file descriptions, so two handles on one registry in one process would block
/// each other forever; sharing one `WriterLock` per root (GRDB's "connect to a database file only once")
/// makes them queue instead.
final class OpenRegistries: @unchecked Sendable {
    static let shared = OpenRegistries()

    private let lock = NSLock()
    private var locks: [[UInt64]: (rootPath: String, lock: WriterLock)] = [:]

    func writerLock(for layout: RegistryLayout) throws -> WriterLock {
        guard let status = try FileSystem.status(layout.rootPath, followLinks: true) else {
            throw RegistryError(.notFound, "registry '\(layout.rootPath)' disappeared", path: layout.rootPath)
        }
        let key = [status.device, status.inode]
        lock.lock()
        defer { lock.unlock() }
        // Inode numbers are reused once a directory is deleted, so an entry only counts while its own path
        // still names the same (device, inode).
        if let existing = locks[key], let current = try? FileSystem.status(existing.rootPath, followLinks: true),
            [current.device, current.inode] == key
        {
            return existing.lock
        }
        let writerLock = WriterLock(path: layout.writerLockPath)
        locks[key] = (layout.rootPath, writerLock)
        return writerLock
    }
}
