import Dispatch
import Foundation

/// Runs independent jobs on all cores and stops handing out new ones after the first failure.
package enum ParallelWork {
    /// Calls `body(index)` for every index in `0..<count` on up to `maxConcurrency` threads, largest-first order
    /// being the caller's job. Rethrows the first error; jobs not yet started are skipped after one fails.
    package static func forEach(
        _ count: Int, maxConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
        _ body: @Sendable (Int) throws -> Void
    ) throws {
        guard count > 0 else { return }
        let state = SharedState()
        let workers = max(1, min(maxConcurrency, count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = state.claim(limit: count) {
                do {
                    try body(index)
                } catch {
                    state.fail(error)
                }
            }
        }
        if let error = state.firstError { throw error }
    }

    /// Like ``forEach(_:maxConcurrency:_:)``, collecting each job's result in index order.
    package static func map<T>(
        _ count: Int, maxConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
        _ body: @Sendable (Int) throws -> T
    ) throws -> [T] {
        let results = Results<T>(count: count)
        try forEach(count, maxConcurrency: maxConcurrency) { index in results.set(index, try body(index)) }
        return results.values.compactMap { $0 }
    }

    /// How many threads to use for work that mostly waits on the file system (`stat`, small reads, directory
    /// listings): more than the cores, so that a cold page cache serves several requests at once.
    package static var ioConcurrency: Int { max(4, 2 * ProcessInfo.processInfo.activeProcessorCount) }

    /// Calls `body` for every element, in batches of `batchSize` on up to `maxConcurrency` threads, and returns the
    /// results in the elements' order. For per-artifact checks over a million artifacts, where one job per element
    /// would cost more in hand-offs than the work.
    package static func mapInBatches<Element: Sendable, T>(
        _ elements: [Element], batchSize: Int = 64, maxConcurrency: Int = ioConcurrency,
        _ body: @Sendable (Element) throws -> T
    ) throws -> [T] {
        let size = max(1, batchSize)
        let batches = try map((elements.count + size - 1) / size, maxConcurrency: maxConcurrency) { batch in
            try elements[(batch * size)..<min(elements.count, (batch + 1) * size)].map(body)
        }
        return batches.flatMap { $0 }
    }

    private final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [T?]

        init(count: Int) { storage = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ value: T) {
            lock.lock()
            storage[index] = value
            lock.unlock()
        }

        var values: [T?] {
            lock.lock()
            defer { lock.unlock() }
            return storage
        }
    }

    private final class SharedState: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private(set) var firstError: (any Error)?

        func claim(limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard firstError == nil, next < limit else { return nil }
            defer { next += 1 }
            return next
        }

        func fail(_ error: any Error) {
            lock.lock()
            defer { lock.unlock() }
            if firstError == nil { firstError = error }
        }
    }
}
