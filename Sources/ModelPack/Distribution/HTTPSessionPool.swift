import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The URLSessions of one ``DistributionClient``, each running one request at a time and reused by the next.
///
/// A session per request leaked memory in FoundationNetworking (tens of kilobytes each, hundreds of requests for a
/// pull in `Range` segments) and opened a new connection every time; a session shared by concurrent transfers
/// would run all their delegate callbacks on one serial queue. So each transfer thread checks out a session of its
/// own — at most as many as run at once — whose connection stays open between requests, and whose serial delegate
/// queue keeps one answer's bytes in order and holds at most `queueLimit` of its chunks (``BoundedDelegateQueue``).
/// The sessions are invalidated when the pool goes away.
final class HTTPSessionPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [PooledSession] = []
    private var all: [PooledSession] = []
    private let timeout: TimeInterval
    private let queueLimit: Int

    init(timeout: TimeInterval, queueLimit: Int) {
        self.timeout = timeout
        self.queueLimit = queueLimit
    }

    deinit {
        for pooled in all { pooled.session?.finishTasksAndInvalidate() }
    }

    /// Runs `body` with a session no other request is using.
    func withSession<R>(_ body: (PooledSession) throws -> R) rethrows -> R {
        let pooled = lock.withLock { () -> PooledSession in
            if let reused = idle.popLast() { return reused }
            let created = PooledSession(timeout: timeout, queueLimit: queueLimit)
            all.append(created)
            return created
        }
        defer { lock.withLock { idle.append(pooled) } }
        return try body(pooled)
    }
}

/// One session of a ``HTTPSessionPool`` and the request it is running: URLSession's delegate callbacks go to that
/// request's handler.
final class PooledSession: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var handler: HTTPExchange.Delegate?
    private var taskIdentifier: Int?
    private(set) var session: URLSession?

    /// The session's delegate queue.
    let delegateQueue: BoundedDelegateQueue

    init(timeout: TimeInterval, queueLimit: Int) {
        delegateQueue = BoundedDelegateQueue(limit: queueLimit)
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: delegateQueue)
    }

    /// Makes `handler` receive the callbacks of `task` (created, not resumed yet), until `finish()`; callbacks of
    /// any other task — a late one of a cancelled request — go nowhere.
    func begin(_ handler: HTTPExchange.Delegate, for task: URLSessionTask) {
        lock.withLock {
            self.handler = handler
            taskIdentifier = task.taskIdentifier
        }
    }

    func finish() {
        delegateQueue.setRunsInline(false)
        lock.withLock {
            handler = nil
            taskIdentifier = nil
        }
    }

    private func handler(for task: URLSessionTask) -> HTTPExchange.Delegate? {
        lock.withLock { taskIdentifier == task.taskIdentifier ? handler : nil }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let current = handler(for: dataTask) else { return completionHandler(.cancel) }
        current.urlSession(session, dataTask: dataTask, didReceive: response, completionHandler: completionHandler)
        // The body's chunks go to a sink: they are taken on the work queue as they arrive.
        if current.isSinking { delegateQueue.setRunsInline(true) }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        handler(for: dataTask)?.urlSession(session, dataTask: dataTask, didReceive: data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        handler(for: task)?.urlSession(session, task: task, didCompleteWithError: error)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        guard let current = handler(for: task) else { return completionHandler(.cancelAuthenticationChallenge, nil) }
        current.urlSession(session, task: task, didReceive: challenge, completionHandler: completionHandler)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        guard let current = handler(for: task) else { return completionHandler(nil) }
        current.urlSession(
            session, task: task, willPerformHTTPRedirection: response, newRequest: request,
            completionHandler: completionHandler)
    }
}
