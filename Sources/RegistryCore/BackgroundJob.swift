import Dispatch

/// Work started on another thread, whose result (or error) ``wait()`` returns: for two passes that do not depend on
/// each other until the end (the log and the artifacts of `fsck` or of an index rebuild).
package final class BackgroundJob<Result: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Swift.Result<Result, any Error>?

    package init(_ body: @escaping @Sendable () throws -> Result) {
        DispatchQueue.global().async {
            self.outcome = Swift.Result { try body() }
            self.done.signal()
        }
    }

    /// Waits for the job and returns its result, or throws its error. May be called more than once.
    package func wait() throws -> Result {
        done.wait()
        done.signal()  // for the next caller
        guard let outcome else { preconditionFailure("the job signals only after setting its outcome") }
        return try outcome.get()
    }
}
