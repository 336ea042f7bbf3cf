import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Calls back when entries of watched directories are created, replaced, renamed or removed: inotify on Linux,
/// kqueue (through `DispatchSource`) on Darwin.
///
/// It says only *that* something changed, never what: callers re-read the state they care about, so a dropped or
/// merged notification (an inotify queue overflow, a burst of renames) can never make them miss the final state.
/// Network file systems deliver no notifications for changes made on other machines; callers poll there.
///
/// `Sendable`: the descriptors are owned here, guarded by a lock, and closed by ``cancel()`` (or on deinit) on
/// the callback queue, after the last callback.
package final class DirectoryMonitor: @unchecked Sendable {
    private let queue: DispatchQueue
    private let onChange: @Sendable () -> Void
    private let lock = NSLock()
    private var isCancelled = false
    private var watched = Set<String>()
    #if os(Linux)
        private let inotify: Int32
        private let source: any DispatchSourceRead
    #else
        private var sources: [any DispatchSourceFileSystemObject] = []
    #endif

    /// Starts a monitor that watches nothing yet; add directories with ``watch(_:)``.
    ///
    /// - Parameters:
    ///   - queue: where `onChange` runs (serially).
    ///   - onChange: called after one or more changes in any watched directory.
    /// - Throws: `SystemCallError` when the kernel refuses a new inotify instance (the per-user limit,
    ///   `fs.inotify.max_user_instances`); callers fall back to polling.
    package init(queue: DispatchQueue, onChange: @escaping @Sendable () -> Void) throws {
        self.queue = queue
        self.onChange = onChange
        #if os(Linux)
            let fd = try system_inotifyInit()
            inotify = fd
            source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler {
                Self.drain(fd)
                onChange()
            }
            source.setCancelHandler { try? system_close(fd, path: "inotify") }
            source.resume()
        #endif
    }

    deinit {
        cancel()
    }

    /// Watches the entries of `directory` (not its subdirectories). Watching a directory again does nothing.
    ///
    /// - Returns: false when `directory` does not exist (yet) or cannot be watched; call again later.
    @discardableResult
    package func watch(_ directory: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !isCancelled else { return false }
        #if os(Linux)
            let mask =
                UInt32(IN_CREATE) | UInt32(IN_DELETE) | UInt32(IN_MOVED_TO) | UInt32(IN_MOVED_FROM)
                | UInt32(IN_CLOSE_WRITE) | UInt32(IN_DELETE_SELF) | UInt32(IN_ONLYDIR)
            // Re-adding is cheap and idempotent, and re-arms a directory that was removed and created again.
            guard (try? system_inotifyAddWatch(inotify, directory, mask)) != nil else { return false }
            watched.insert(directory)
            return true
        #else
            if watched.contains(directory) { return true }
            guard let fd = try? system_open(directory, O_EVTONLY) else { return false }
            let source = DispatchSource.makeFileSystemObjectSource(
                fileDescriptor: fd, eventMask: [.write, .delete, .rename, .link], queue: queue)
            let onChange = self.onChange
            source.setEventHandler { onChange() }
            source.setCancelHandler { try? system_close(fd, path: directory) }
            source.resume()
            sources.append(source)
            watched.insert(directory)
            return true
        #endif
    }

    /// Stops watching and closes the descriptors (asynchronously, on the callback queue, after any callback in
    /// progress). Idempotent.
    package func cancel() {
        lock.lock()
        defer { lock.unlock() }
        guard !isCancelled else { return }
        isCancelled = true
        #if os(Linux)
            source.cancel()
        #else
            for source in sources { source.cancel() }
            sources = []
        #endif
    }

    #if os(Linux)
        /// Reads every pending inotify event so the descriptor stops being readable; their content does not matter.
        private static func drain(_ fd: Int32) {
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            while true {
                let count = buffer.withUnsafeMutableBytes { bytes -> Int in
                    guard let base = bytes.baseAddress else { return -1 }
                    return (try? system_read(fd, base, bytes.count, path: "inotify")) ?? -1
                }
                if count <= 0 { return }  // EAGAIN: drained
            }
        }
    #endif
}
