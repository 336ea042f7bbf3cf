import Foundation
import RegistryCore

extension AuditJournal {
    /// The log's last complete event, as ``lastEvent()`` returns it, but re-read only when the day files or the
    /// newest of them changed since the previous call: for read paths that must agree with the log (a change whose
    /// event is appended is in force even before its file is written, FORMAT.md §9.4) without reading the log on
    /// every call.
    ///
    /// `audit/` itself is checked once, by the day-file listing (``DayFileListing``), whose settling rule keeps a
    /// day file created in the same clock tick as the previous change from going unseen; an equal list and an
    /// unchanged newest file mean an unchanged last event.
    ///
    /// - Returns: the last event, or nil when the log is empty or cannot be read (readers then go by the files).
    /// - Complexity: two `stat`s when nothing changed (`audit/` and the newest file); otherwise as ``lastEvent()``.
    package func recentLastEvent() -> AuditEvent? {
        tail.withLock { cached in
            guard let files = try? listing.files(in: directory) else {
                cached = nil
                return nil
            }
            let newestStatus = files.last.flatMap { try? FileSystem.status($0.path) }
            if let cached, cached.files == files, cached.newestStatus == newestStatus {
                return cached.event
            }
            guard let head = try? findHead(files: files, skippingTornLines: true) else {
                cached = nil
                return nil
            }
            cached = TailCache.Entry(files: files, newestStatus: newestStatus, event: head.event)
            return head.event
        }
    }
}

/// The cached last event of ``AuditJournal/recentLastEvent()``, with the stamps that keep it valid.
final class TailCache: @unchecked Sendable {
    struct Entry {
        /// The day files as listed when the event was read.
        var files: [JournalFile]
        /// The newest file's status then (nil when there was none).
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
