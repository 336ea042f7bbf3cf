import Foundation

/// Counts staged bytes and files from the concurrent ingest jobs and passes reports to a callback at a bounded
/// rate: after every file, and in between at most once per ``interval``. The callback runs under the meter's lock,
/// so reports arrive one at a time and in order, and their counts never go down.
final class ProgressMeter: @unchecked Sendable {
    /// The shortest time between two reports that are not for a finished file or a new phase.
    static let interval: Duration = .milliseconds(100)

    private let lock = NSLock()
    private let callback: @Sendable (RegistrationProgress) -> Void
    private let clock = ContinuousClock()
    private var progress: RegistrationProgress
    private var lastReport: ContinuousClock.Instant

    /// Starts counting and reports the starting point.
    init(
        phase: RegistrationProgress.Phase, bytesTotal: Int64, filesTotal: Int,
        callback: @escaping @Sendable (RegistrationProgress) -> Void
    ) {
        self.callback = callback
        self.progress = RegistrationProgress(
            phase: phase, bytesCompleted: 0, bytesTotal: bytesTotal, filesCompleted: 0, filesTotal: filesTotal)
        self.lastReport = clock.now
        callback(progress)
    }

    /// Adds bytes one job just staged; reports when the last report is older than ``interval``.
    func addBytes(_ count: Int64) {
        lock.lock()
        defer { lock.unlock() }
        progress.bytesCompleted += count
        // A file that grew since its size was taken must not push the count past the total mid-way.
        progress.bytesTotal = max(progress.bytesTotal, progress.bytesCompleted)
        let now = clock.now
        guard now - lastReport >= Self.interval else { return }
        lastReport = now
        callback(progress)
    }

    /// Counts one finished file and reports; `uncountedBytes` are the file's bytes no ``addBytes(_:)`` call
    /// counted (a path that staged them without reporting chunks).
    func finishFile(uncountedBytes: Int64) {
        lock.lock()
        defer { lock.unlock() }
        progress.bytesCompleted += max(0, uncountedBytes)
        progress.bytesTotal = max(progress.bytesTotal, progress.bytesCompleted)
        progress.filesCompleted += 1
        lastReport = clock.now
        callback(progress)
    }

    /// Reports the start of publishing, with the totals set to what was actually staged (`bytes` read in all,
    /// which can differ from the sizes taken before staging when a file changed meanwhile).
    func startPublishing(bytes: Int64) {
        lock.lock()
        defer { lock.unlock() }
        progress.phase = .publishing
        progress.bytesCompleted = max(progress.bytesCompleted, bytes)
        progress.bytesTotal = progress.bytesCompleted
        progress.filesCompleted = progress.filesTotal
        lastReport = clock.now
        callback(progress)
    }
}
