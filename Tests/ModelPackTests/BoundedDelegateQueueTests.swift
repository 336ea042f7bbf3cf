import Foundation
import RegistryCore
import Testing

@testable import ModelPack

/// The delegate queue of a pooled session (FORMAT.md §15.8): at most its limit of callbacks queued, the caller of
/// `addOperation` (URLSession's work queue, and so libcurl) held back while it is full, callbacks run in order.
@Suite struct BoundedDelegateQueueTests {
    /// Adds `count` callbacks from a thread of its own, the first of which blocks until `release` is signalled;
    /// each appends its number to `order`.
    private final class Producer: @unchecked Sendable {
        let queue: BoundedDelegateQueue
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var ran: [Int] = []
        private var added = 0

        init(queue: BoundedDelegateQueue) { self.queue = queue }

        var order: [Int] { lock.withLock { ran } }
        var addedCount: Int { lock.withLock { added } }

        func start(count: Int) {
            let thread = Thread { [self] in
                for number in 0..<count {
                    queue.addOperation { [self] in
                        if number == 0 { release.wait() }
                        lock.withLock { ran.append(number) }
                    }
                    lock.withLock { added += 1 }
                }
                finished.signal()
            }
            thread.start()
        }

        /// Waits (polling, no deadline asserted) until `condition` holds.
        func waitUntil(_ condition: () -> Bool) {
            while !condition() { usleep(1000) }
        }
    }

    @Test func aFullQueueHoldsTheCallerBackUntilACallbackRuns() throws {
        let queue = BoundedDelegateQueue(limit: 4, stallValve: 3600)
        let producer = Producer(queue: queue)
        producer.start(count: 10)
        // The first callback blocks, so the queue fills and the caller waits with the fifth one in hand.
        producer.waitUntil { queue.waitingCount == 1 }
        #expect(queue.queuedCount == 4)
        #expect(producer.addedCount == 4, "the caller is held back before its fifth callback is queued")
        producer.release.signal()
        producer.finished.wait()
        queue.waitUntilAllOperationsAreFinished()
        #expect(producer.order == Array(0..<10), "callbacks run one at a time, in order")
        #expect(queue.highWaterMark == 4, "never more than the limit queued")
        #expect(queue.queuedCount == 0)
    }

    @Test func theStallValveLetsACallbackThroughRatherThanDeadlock() throws {
        // A callback that never finishes (one waiting for the caller's own queue) must not hold the caller forever.
        let queue = BoundedDelegateQueue(limit: 1, stallValve: 0.05)
        let producer = Producer(queue: queue)
        producer.start(count: 3)
        producer.finished.wait()
        #expect(producer.addedCount == 3, "every callback was queued once the valve opened")
        producer.release.signal()
        queue.waitUntilAllOperationsAreFinished()
        #expect(producer.order == [0, 1, 2])
    }

    @Test func aCallbackAddedToAnIdleQueueRunsOnTheCallerWhenInlineIsOn() throws {
        let queue = BoundedDelegateQueue(limit: 4)
        queue.setRunsInline(true)
        let caller = Thread.current
        let ranOn = LockedBox<Thread?>(nil)
        queue.addOperation { ranOn.set(Thread.current) }
        #expect(ranOn.get() === caller, "run before addOperation returned, on the adding thread")
        queue.setRunsInline(false)
        let done = DispatchSemaphore(value: 0)
        queue.addOperation {
            ranOn.set(Thread.current)
            done.signal()
        }
        done.wait()
        #expect(ranOn.get() !== caller, "queued to the queue's own thread once inline is off")
    }

    @Test func theQueueLimitIsTheSessionsShareOfTheBudgetInChunks() throws {
        var settings = DistributionClient.Settings()
        #expect(DistributionClient.delegateQueueLimit(settings) == 128, "8 MiB over 4 sessions, 16 KiB chunks")
        settings.downloadBufferBudget = 1000
        #expect(DistributionClient.delegateQueueLimit(settings) == 1, "at least one chunk")
    }
}

/// A value shared between threads.
private final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ new: Value) { lock.withLock { value = new } }
}
