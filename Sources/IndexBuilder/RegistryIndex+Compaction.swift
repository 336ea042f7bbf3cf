import ArtifactStore
import Dispatch
import Foundation
import RegistryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension RegistryIndex {
    /// The most prepare-and-install rounds one ``compact()`` runs: a backend that compacts a bounded part per
    /// round (SQLite) finishes a large backlog over several calls rather than holding on forever.
    static let compactionRoundLimit = 64

    /// Folds the stored index's incremental updates into its base when they have grown past the backend's
    /// threshold (1 MiB of `updates.jsonl` for ``FileIndexBackend``), so that a cold reader keeps paying little
    /// for them.
    ///
    /// The expensive part — re-encoding the index, seconds at a million artifacts — runs **without** the writer
    /// lock, so writes and queries go on meanwhile; only installing the result takes the lock, for two renames and
    /// a copy of the update lines appended meanwhile. One compaction runs at a time per registry, across
    /// processes: while another holds `locks/index-compaction.lock`, this returns false at once.
    ///
    /// Writes never compact inside the write. The umbrella `Registry` calls this on a background thread after a
    /// write that leaves a compaction due (`Registry.Configuration.indexCompaction`); `modelreg index compact`
    /// calls it in the foreground, and the command-line tool starts that command detached after a write that
    /// leaves one due. An index created without the umbrella never compacts on its own: call this.
    ///
    /// ```swift
    /// try registry.index.compact()  // or: modelreg index compact
    /// ```
    ///
    /// - Returns: true when something was compacted (or a damaged index was rebuilt).
    /// - Throws: ``RegistryError/Code/lockTimeout`` when another writer held the lock too long to install (what
    ///   was prepared is removed); I/O errors. A damaged stored index is rebuilt instead, under the writer lock.
    /// - Complexity: one `stat` when nothing is due; otherwise the backend's re-encode (for files, the memory of
    ///   a rebuild's encoding).
    @discardableResult
    public func compact() throws -> Bool {
        guard try backend.isCompactionDue() else { return false }
        guard let exclusive = try CompactionLock.acquire(artifacts.layout.indexCompactionLockPath) else {
            return false  // another process is compacting this registry
        }
        defer { exclusive.release() }
        var compacted = false
        for _ in 0..<Self.compactionRoundLimit {
            do {
                guard let prepared = try backend.prepareCompaction() else { break }
                let installed: Bool
                do {
                    installed = try withWriterLockIfHeld { try prepared.install() }
                } catch {
                    prepared.discard()
                    throw error
                }
                guard installed else { break }  // a rebuild replaced the index meanwhile
                compacted = true
                // The round's encoder freed its memory in this thread's malloc arena, where glibc keeps it: hand it
                // back, as a rebuild does, so that a server's resident size does not keep a compaction's peak.
                FreedMemory.returnToSystem()
            } catch let error as RegistryError
                where [.invalidDocument, .invalidJSON, .unsupportedFormatVersion].contains(error.code)
            {
                _ = try rebuild()  // the stored index is damaged: replace it, under the writer lock
                return true
            }
        }
        return compacted
    }

    /// Starts ``compact()`` on a background thread when a compaction is due and this process is not running one
    /// already. Called by the umbrella after a write, outside the writer lock; the one `stat` it costs is the
    /// write's only share of compaction. A failure is kept as ``lastUpdateProblem`` (the index is a cache).
    package func compactInBackgroundIfDue() {
        guard (try? backend.isCompactionDue()) == true else { return }
        let started = state.withLock { values in
            if values.isCompacting { return false }
            values.isCompacting = true
            return true
        }
        guard started else { return }
        backgroundCompactions.enter()
        DispatchQueue.global(qos: .utility).async { [self] in
            defer {
                state.withLock { $0.isCompacting = false }
                backgroundCompactions.leave()
            }
            do {
                try compact()
            } catch {
                noteUpdateFailure(error)
            }
        }
    }

    /// Waits until the compactions that writes of this process started in the background have finished.
    ///
    /// A long-running process need not call it. A short-lived one (a script that registers a model and exits)
    /// may call it before exiting so that a compaction it started is not cut off, in which case the next write
    /// starts it again; nothing is lost either way.
    public func waitForBackgroundCompaction() {
        backgroundCompactions.wait()
    }

    /// Runs `body` under the writer lock when this index was created with one; otherwise the caller holds it.
    private func withWriterLockIfHeld<R>(_ body: () throws -> R) throws -> R {
        guard let writerLock else { return try body() }
        return try writerLock.withLock(timeout: lockTimeout, body)
    }
}

/// `locks/index-compaction.lock`, taken with `flock(LOCK_EX|LOCK_NB)`: held by the one process compacting, and
/// released by the kernel if that process dies.
struct CompactionLock {
    private let file: OpenFile

    /// Takes the lock, or returns nil when another open file description holds it.
    ///
    /// - Throws: I/O errors opening the file, naming it.
    static func acquire(_ path: String) throws -> CompactionLock? {
        try FileSystem.makeDirectory(FileSystem.parent(of: path))
        return try OpenFile.lockedIfFree(path, "the index compaction lock").map(CompactionLock.init(file:))
    }

    /// Releases the lock.
    func release() {
        try? file.closeReleasingLock()
    }
}
