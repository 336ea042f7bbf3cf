import Foundation
import RegistryCore

/// The day files of `audit/` as last listed, reused while the directory is unchanged.
///
/// A write asks for the list several times (recovery's check of the last event, the append, the index update),
/// and a registry that has run for years holds a file per day: listing and sorting a thousand names each time
/// made a `state set` cost grow with the registry's age. The directory's status (inode, size, modification and
/// change times) changes whenever a file is added, removed or renamed in it, so an equal status means an equal
/// list — except within one tick of the file system's clock, which can leave the times unchanged across two
/// changes. A listing is therefore kept only when the directory last changed at least a second before it was
/// taken (the rule git uses for its index, "racy git").
final class DayFileListing: @unchecked Sendable {
    private let lock = NSLock()
    /// The last listing: the directory's status when it was settled (nil otherwise), its day numbers and files.
    private var settledStatus: FileStatus?
    private var listed: (directory: String, days: [UInt32], files: [JournalFile])?

    /// How long before a listing the directory must have last changed for the listing to be kept.
    let settledAfterNanoseconds: Int64
    /// Reads the directory's status: `FileSystem.status(_:followLinks:)`, or in tests a file system whose clock
    /// does not tick between two changes.
    private let directoryStatus: @Sendable (String) throws -> FileStatus?

    /// - Parameters:
    ///   - settledAfterNanoseconds: how long before a listing the directory must have last changed for the listing
    ///     to be kept (one second; tests choose 0 or an hour).
    ///   - directoryStatus: reads the directory's status (tests freeze its times as a coarse clock would).
    init(
        settledAfterNanoseconds: Int64 = 1_000_000_000,
        directoryStatus: @escaping @Sendable (String) throws -> FileStatus? = { try FileSystem.status($0) }
    ) {
        self.settledAfterNanoseconds = settledAfterNanoseconds
        self.directoryStatus = directoryStatus
    }

    /// The journal files in `directory`, oldest first, as ``JournalFile/list(in:)`` returns them.
    ///
    /// While the day files are the same, so is the array returned (the same storage, so comparing two results
    /// costs nothing, unless `directory` is not a plain directory): a cache over the log's files, such as the
    /// reader's last event (``AuditJournal/recentLastEvent()``), compares the list instead of checking the
    /// directory itself, with no `stat` of its own and with the settling rule applied.
    ///
    /// - Throws: what ``JournalFile/list(in:)`` throws (``RegistryError/Code/notFound`` when the directory does not
    ///   exist; I/O errors).
    /// - Complexity: one `stat` when the directory is unchanged since a settled listing; otherwise a listing, whose
    ///   files are reused from the previous one where it is a prefix (a new day's file was added).
    func files(in directory: String) throws -> [JournalFile] {
        let now = Int64((Date().timeIntervalSince1970 * 1e9).rounded(.down))
        // Not a plain directory (absent, a link, a file): list as before, which reports the problem or follows the link.
        guard let status = try directoryStatus(directory), status.kind == .directory else {
            lock.withLock { settledStatus = nil }
            return try JournalFile.list(in: directory)
        }
        let kept = lock.withLock { () -> [JournalFile]? in
            guard let listed, listed.directory == directory, settledStatus == status else { return nil }
            return listed.files
        }
        if let kept { return kept }
        let days = try JournalFile.dayNumbers(in: directory)
        let settled = now - max(status.modified, status.changed) >= settledAfterNanoseconds
        return lock.withLock {
            var files: [JournalFile] = []
            if let listed, listed.directory == directory, listed.days.count <= days.count,
                listed.days.elementsEqual(days.prefix(listed.days.count))
            {
                files = listed.files
            }
            for day in days.dropFirst(files.count) { files.append(JournalFile(dayNumber: day, directory: directory)) }
            listed = (directory, days, files)
            settledStatus = settled ? status : nil
            return files
        }
    }
}
