import Foundation

/// The serial delegate queue of one pooled URLSession, holding at most ``limit`` callbacks not yet run: the
/// back-pressure FoundationNetworking lacks.
///
/// FoundationNetworking's libcurl write callback hands every chunk of an answer (at most 16 KiB, libcurl's
/// `CURL_MAX_WRITE_SIZE`) to the session's delegate queue with `addOperation` and returns at once, so a delegate
/// slower than the network lets chunks pile up in memory without bound (hundreds of MiB for one blob on loopback).
/// Here `addOperation` waits while ``limit`` callbacks are queued: the session's work queue, and with it libcurl,
/// stops reading the socket until the delegate catches up, and TCP slows the sender — as a plain blocking read
/// would. That lets a blob be downloaded in one request in constant memory.
///
/// The wait is bounded by ``stallValve``: should a queued callback ever wait for the session's work queue (which
/// FoundationNetworking does not do on the paths this client uses), the callback is queued anyway after that
/// time, so the worst case is a slower trickle past the limit, never a deadlock.
final class BoundedDelegateQueue: OperationQueue, @unchecked Sendable {
    /// Callbacks that may be queued and not yet run.
    let limit: Int
    /// The longest one `addOperation` waits for room.
    let stallValve: TimeInterval
    private let room = NSCondition()
    private var queued = 0
    private var waiting = 0
    private var highWater = 0
    private var runsInline = false

    /// Whether a callback added while nothing is queued runs at once on the adding thread (the session's work
    /// queue) instead of on this queue's thread. Only for the body of an answer being handed to a sink: those
    /// callbacks never wait for the work queue (the sink's errors cancel the task from another thread).
    func setRunsInline(_ value: Bool) { room.withLock { runsInline = value } }

    /// A serial queue holding at most `limit` (at least 1) callbacks.
    init(limit: Int, stallValve: TimeInterval = 2) {
        self.limit = max(1, limit)
        self.stallValve = stallValve
        super.init()
        maxConcurrentOperationCount = 1
    }

    /// Queues `block`, after waiting while ``limit`` callbacks are queued (at most ``stallValve``).
    override func addOperation(_ block: @escaping @Sendable () -> Void) {
        room.lock()
        if runsInline, queued == 0 {
            // Nothing queued before it: running it here keeps the order and saves a thread hop per chunk.
            queued += 1
            room.unlock()
            block()
            room.lock()
            queued -= 1
            room.signal()
            room.unlock()
            return
        }
        let deadline = Date(timeIntervalSinceNow: stallValve)
        if queued >= limit {
            waiting += 1
            while queued >= limit, room.wait(until: deadline) {}
            waiting -= 1
        }
        queued += 1
        highWater = max(highWater, queued)
        room.unlock()
        super.addOperation { [self] in
            block()
            room.lock()
            queued -= 1
            room.signal()
            room.unlock()
        }
    }

    /// Callbacks queued and not yet finished.
    var queuedCount: Int { room.withLock { queued } }
    /// Callers of `addOperation` waiting for room right now.
    var waitingCount: Int { room.withLock { waiting } }
    /// The most callbacks ever queued at once.
    var highWaterMark: Int { room.withLock { highWater } }
}
