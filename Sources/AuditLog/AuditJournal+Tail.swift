import Foundation
import RegistryCore

extension AuditJournal {
    /// The log's last complete event, as ``lastEvent()`` returns it, but re-read only when `audit/` or its
    /// newest file changed since the previous call: for read paths that must agree with the log (a change whose
    /// event is appended is in force even before its file is written, FORMAT.md §9.4) without reading the log on
    /// every call.
    ///
    /// - Returns: the last event, or nil when the log is empty or cannot be read (readers then go by the files).
    /// - Complexity: two `stat`s when nothing changed; otherwise as ``lastEvent()``.
    package func recentLastEvent() -> AuditEvent? {
        tail.withLock { cached in
            let directoryStatus = try? FileSystem.status(directory, followLinks: true)
            if let cached, cached.directory == directoryStatus,
                cached.newestFile.map({ try? FileSystem.status($0) }) == cached.newestStatus
            {
                return cached.event
            }
            guard let directoryStatus, let files = try? listing.files(in: directory) else {
                cached = nil
                return nil
            }
            let newest = files.last?.path
            let newestStatus = newest.flatMap { try? FileSystem.status($0) }
            guard let head = try? findHead(files: files, skippingTornLines: true) else {
                cached = nil
                return nil
            }
            cached = TailCache.Entry(
                directory: directoryStatus, newestFile: newest, newestStatus: newestStatus, event: head.event)
            return head.event
        }
    }
}

/// The cached last event of ``AuditJournal/recentLastEvent()``, with the stamps that keep it valid.
final class TailCache: @unchecked Sendable {
    struct Entry {
        var directory: FileStatus
        var newestFile: String?
        var newestStatus: FileStatus?
        var event: AuditEvent?
    }

    private let lock = NSLock()
    private var entry: Entry?

    func withLock<R>(_ body: (inout Entry?) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&entry)
    }
}
