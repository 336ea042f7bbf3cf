import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Named points between the system calls of a durable write, where crash tests kill the process.
///
/// In debug builds, a process started with `MODELREG_CRASH_AT=<name>` sends itself `SIGKILL` when it reaches
/// that point — no cleanup, no buffered output. Unlike a power cut, the kernel's page cache survives, so these
/// tests check the order of the steps and what recovery does with each prefix of them, not what reaches the disk
/// (docs/GUARANTEES.md). The test then reopens the registry and checks that recovery brings it back into
/// agreement. Release builds compile the calls away.
package enum CrashPoint {
    #if DEBUG
        private static let armed: String? = ProcessInfo.processInfo.environment["MODELREG_CRASH_AT"]
        /// `MODELREG_CRASH_AT_CALL=<n>`: the 1-based number of the system call to die before.
        private static let armedCall: Int? = ProcessInfo.processInfo.environment["MODELREG_CRASH_AT_CALL"].flatMap {
            Int($0)
        }
        private static let callCounter = CallCounter()
        /// `MODELREG_TRACE_CRASH_POINTS=1`: print each named point reached and how many system calls came before
        /// it, so a per-call sweep can start at a named point instead of at call 1.
        private static let traced = ProcessInfo.processInfo.environment["MODELREG_TRACE_CRASH_POINTS"] == "1"
        /// `MODELREG_STOP_AFTER_FSYNC=<k>`: the 1-based number of the successful fsync (or syncfs) to stop after.
        private static let armedSync: Int? = ProcessInfo.processInfo.environment["MODELREG_STOP_AFTER_FSYNC"].flatMap {
            Int($0)
        }
        private static let syncCounter = CallCounter()

        private final class CallCounter: @unchecked Sendable {
            private let lock = NSLock()
            private var value = 0
            func next() -> Int {
                lock.lock()
                defer { lock.unlock() }
                value += 1
                return value
            }
            var count: Int {
                lock.lock()
                defer { lock.unlock() }
                return value
            }
        }
    #endif

    /// Kills the process before its n-th system call through the file-system layer's shims when it was started
    /// with `MODELREG_CRASH_AT_CALL=<n>`: crash tests sweep n = 1, 2, … over a whole operation, so a crash is
    /// tried before *every* call, not only at the named points. Every shim calls this first.
    @inline(__always)
    package static func countSystemCall() {
        #if DEBUG
            if armedCall != nil || traced, callCounter.next() == armedCall {
                kill(getpid(), SIGKILL)
            }
        #endif
    }

    /// Stops the process (`SIGSTOP`) right after its k-th successful fsync or syncfs when it was started with
    /// `MODELREG_STOP_AFTER_FSYNC=<k>`: power-loss tests copy the disk image of a stopped writer, which holds
    /// exactly what the writer made durable so far plus whatever the kernel happened to write back, as a power cut
    /// would leave it (docs/GUARANTEES.md §2a). The shims call this after each flush returns.
    @inline(__always)
    package static func countSync() {
        #if DEBUG
            if let armedSync, syncCounter.next() == armedSync {
                kill(getpid(), SIGSTOP)
            }
        #endif
    }

    /// Kills the process here if this point is armed.
    @inline(__always)
    package static func hit(_ name: String) {
        #if DEBUG
            if traced {
                FileHandle.standardError.write(Data("crash point \(name) after \(callCounter.count) calls\n".utf8))
            }
            if let armed, armed == name {
                kill(getpid(), SIGKILL)
            }
        #endif
    }

    /// Every crash point (documented for tests). The file-system recipes have their own; every write through
    /// the registry's commit path adds `<store>.afterStateChange` and `<store>.afterEvent` for its store.
    package static let all: [String] = {
        var points = [
            "atomic.afterTempWrite", "atomic.afterTempSync", "atomic.afterRename", "atomic.afterDirectorySync",
            "append.afterWrite", "append.afterSync", "artifact.afterStaging",
            // OCI layouts (FORMAT.md §15): an import between staging and publishing, and between publishing and
            // attaching its referrers; an export just before it replaces the layout's index.json.
            "oci.afterImportStaging", "oci.afterImportPublish", "oci.beforeIndexReplace",
            // Backups (FORMAT.md §14.5).
            "backup.afterSnapshot", "backup.afterMarkIncomplete", "backup.afterLog", "backup.afterArtifact",
            "backup.afterViews", "backup.beforeSync", "backup.beforeMarker", "restore.afterCopy",
            // An incremental backup's deletions, after its new marker is durable.
            "backup.afterMarker", "backup.afterCleanupStep",
            // Eviction, fetch and remotes (FORMAT.md §14.4): `evict.afterRecord` falls between the eviction file
            // and the removal of the bundle files, `evict.afterFirstFile` after the first of them is gone,
            // `fetch.afterFirstFile` after the first fetched file was moved into the artifact directory.
            "evict.afterRecord", "evict.afterFirstFile", "fetch.afterFirstFile",
            // Removal and garbage collection (FORMAT.md §14.3).
            "collect.afterRename", "gc.afterPlan", "gc.afterFirstRemoval",
            // A pull (FORMAT.md §15.8): every blob downloaded into the staged layout, nothing imported yet.
            "oci.afterPullDownload", "oci.afterPartialDownload",
            // The query index (FORMAT.md §13): a rebuild between removing updates.jsonl and replacing index.bin; a
            // compaction of updates.jsonl into index.bin before it starts, once its new base is synced (prepared
            // without the writer lock), and between renaming the new base into place and replacing updates.jsonl.
            "index.afterUpdatesRemoved", "index.beforeCompaction", "index.compactionPrepared",
            "index.compactionBaseInstalled",
            // A file written piece by piece for an atomic replace (`index.bin` by a rebuild or compaction):
            // written but not synced, synced but not renamed, renamed but the directory not synced.
            "stream.afterTempWrite", "stream.afterTempSync", "stream.afterRename",
            // The optional SQLite index (FORMAT.md §16): before a full build's transaction commits (into
            // index.sqlite.building) or an update's, after the new file is synced and before the swap, and after
            // the old file was removed and before the new one is renamed into place; before a compaction round
            // of `additions` into posting blobs commits.
            "sqlite.rebuildBeforeCommit", "sqlite.updateBeforeCommit", "sqlite.rebuildBeforeSwap",
            "sqlite.rebuildAfterRemovingOld", "sqlite.compactionBeforeCommit",
            // An automatic checkpoint (FORMAT.md §9.6): after a write, before its note is signed; and after the new
            // note is in place, before the older one is pruned.
            "checkpoint.beforeAutomatic", "checkpoint.beforePrune",
        ]
        let stores = [
            "artifact", "alias", "state", "signature", "policy", "evaluation", "adoption", "evict", "fetch", "remote",
            "pin",
            "collect",
        ]
        for store in stores {
            points.append(store + ".afterStateChange")
            points.append(store + ".afterEvent")
        }
        return points
    }()
}
