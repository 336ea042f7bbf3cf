extension Registry {
    /// When the query index's incremental updates are folded into its base (``Configuration/indexCompaction``).
    ///
    /// Writes append short update records to the index instead of rewriting it; once those pass the backend's
    /// threshold (1 MiB of `indexes/updates.jsonl` for the built-in index, about 3,500 writes), they are folded into
    /// a new base so that cold readers keep paying little. That re-encodes the whole index (seconds at a million
    /// artifacts), so it never runs inside a write: the write returns as soon as its own change is durable.
    public enum IndexCompactionMode: Sendable, Equatable {
        /// After a write that leaves a compaction due, compact on a background thread of this process, outside
        /// the writer lock (taking it only to install the result). A process that exits meanwhile leaves it to
        /// the next write; nothing is lost. The default, for servers, notebooks and training scripts.
        case background
        /// Compact only when asked: `compactIndex()` or `modelreg index compact`. For a process
        /// that must not start threads of its own, or that schedules maintenance itself. (The command-line tool
        /// uses this and starts `modelreg index compact` detached after a write that leaves a compaction due.)
        case manual
    }

    /// Folds the query index's incremental updates into its base when they have passed the backend's threshold;
    /// otherwise does nothing. See `RegistryIndex.compact()`: the expensive part runs without the writer lock, and
    /// one process compacts a registry at a time (this returns false at once while another does).
    ///
    /// ```swift
    /// try registry.compactIndex()  // what `modelreg index compact` runs
    /// ```
    ///
    /// - Returns: true when something was compacted (or a damaged index rebuilt).
    /// - Throws: `.unsupportedOperation` on a registry opened read-only; `.lockTimeout`; I/O errors.
    @discardableResult
    public func compactIndex() throws -> Bool {
        try requireWritable()
        return try index.compact()
    }

    /// Async twin of the blocking `compactIndex()` (same errors), run on the registry's queue.
    @discardableResult
    public func compactIndex() async throws -> Bool {
        try await run { try self.compactIndex() }
    }

    /// Waits until the index compactions that writes of this process started in the background have finished
    /// (``IndexCompactionMode/background``). A short-lived script may call it before it exits so that a
    /// compaction it started is not cut off; without it the next write starts the compaction again.
    public func waitForIndexCompaction() {
        index.waitForBackgroundCompaction()
    }

    /// After a write released the writer lock: starts a compaction in the background when one is due and the
    /// configuration allows it. One `stat` for the built-in index.
    func compactIndexInBackgroundIfDue() {
        guard configuration.indexCompaction == .background, !isReadOnly else { return }
        index.compactInBackgroundIfDue()
    }
}
