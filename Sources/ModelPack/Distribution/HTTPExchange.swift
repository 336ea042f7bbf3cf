import Foundation
import RegistryCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP request and its answer, run on a session of the client's ``HTTPSessionPool`` and waited for: the
/// transport under ``DistributionClient``.
///
/// The body of an answer is kept in memory up to a limit (manifests, error documents, tokens) or handed, chunk by
/// chunk as it arrives, to a ``Sink`` (blobs), so memory stays constant whatever the blob's size. A redirect to
/// another host, port or scheme is followed without the `Authorization` header: credentials go to the registry's
/// own host only.
struct HTTPExchange {
    /// What a request sends.
    enum Body {
        case none
        case bytes(Data)
        /// The whole file, of `size` bytes, streamed by URLSession.
        case file(URL, size: Int64)
    }

    /// Receives a blob's bytes as they arrive.
    final class Sink: @unchecked Sendable {
        /// Called once with the status before any byte; throws to abandon the request.
        let begin: (Int, [String: String]) throws -> Void
        /// Called for every chunk of the body of a 2xx answer.
        let write: (Data) throws -> Void
        init(begin: @escaping (Int, [String: String]) throws -> Void, write: @escaping (Data) throws -> Void) {
            self.begin = begin
            self.write = write
        }
    }

    /// An answer.
    struct Response {
        var status: Int
        /// Header names lowercased.
        var headers: [String: String]
        /// The body, unless a sink took it.
        var body: [UInt8]
        /// The URL that answered (after redirects).
        var url: URL?

        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// The body of an answer was larger than the limit.
    struct TooLarge: Error {
        var limit: Int
        var announced: Int64?
    }

    /// Sends `request` and waits for the whole answer.
    ///
    /// - Throws: the transport's error (a `URLError` for a dropped connection), ``TooLarge``, or what the sink threw.
    static func send(_ request: URLRequest, body: Body, limit: Int, sink: Sink?, pool: HTTPSessionPool) throws
        -> Response
    {
        let delegate = Delegate(limit: limit, sink: sink, origin: request.url)
        return try pool.withSession { pooled in
            guard let session = pooled.session else { throw URLError(.unknown) }
            let task: URLSessionTask
            switch body {
            case .none: task = session.dataTask(with: request)
            case .bytes(let data): task = session.uploadTask(with: request, from: data)
            case .file(let url, let size):
                // Streamed from an InputStream, not `uploadTask(with:fromFile:)`: FoundationNetworking stats a file
                // body (`attributesOfItem`, half a dozen system calls) for its progress after every chunk it sends.
                // A stream's length is unknown to it, so the length is sent as `Content-Length`, and libcurl's
                // chunked encoding is turned off by a blank `Transfer-Encoding` (a header libcurl then omits).
                guard let stream = InputStream(url: url) else { throw URLError(.fileDoesNotExist) }
                var streamed = request
                streamed.httpBodyStream = stream
                streamed.setValue(String(size), forHTTPHeaderField: "Content-Length")
                streamed.setValue(" ", forHTTPHeaderField: "Transfer-Encoding")
                task = session.dataTask(with: streamed)
            }
            pooled.begin(delegate, for: task)
            defer { pooled.finish() }
            task.resume()
            delegate.done.wait()
            return try delegate.result()
        }
    }

    /// Per-request state, filled on URLSession's delegate queue and read once `done` is signalled.
    final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        private let limit: Int
        private let sink: Sink?
        private let origin: URL?
        private let lock = NSLock()
        private var response: HTTPURLResponse?
        private var body: [UInt8] = []
        private var failure: (any Error)?
        private var sinking = false
        private var declinedChallenge = false

        init(limit: Int, sink: Sink?, origin: URL?) {
            self.limit = limit
            self.sink = sink
            self.origin = origin
        }

        /// Whether the body of the answer goes to the sink (a 2xx answer to a request with one).
        var isSinking: Bool { lock.withLock { sinking && failure == nil } }

        func result() throws -> Response {
            try lock.withLock {
                // FoundationNetworking on Linux answers a 401 with an authentication challenge and, once it is
                // declined, cancels the task: the 401 itself — received whole before — is the answer.
                if let failure, !(declinedChallenge && response?.statusCode == 401) { throw failure }
                guard let response else { throw URLError(.badServerResponse) }
                var headers: [String: String] = [:]
                for (key, value) in response.allHeaderFields {
                    if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
                }
                return Response(status: response.statusCode, headers: headers, body: body, url: response.url)
            }
        }

        /// Records the first error and cancels the task — from another thread: `cancel()` waits for the session's
        /// work queue, which may itself be waiting for room on the delegate queue this runs on
        /// (``BoundedDelegateQueue``). Chunks that arrive meanwhile are dropped.
        private func fail(_ error: any Error, _ task: URLSessionTask) {
            lock.withLock { if failure == nil { failure = error } }
            DispatchQueue.global().async { task.cancel() }
        }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
        ) {
            guard let http = response as? HTTPURLResponse else {
                fail(URLError(.badServerResponse), dataTask)
                completionHandler(.cancel)
                return
            }
            lock.withLock { self.response = http }
            if let sink, (200..<300).contains(http.statusCode) {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields {
                    if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
                }
                do {
                    try sink.begin(http.statusCode, headers)
                    lock.withLock { sinking = true }
                } catch {
                    fail(error, dataTask)
                    completionHandler(.cancel)
                    return
                }
            } else if dataTask.originalRequest?.httpMethod != "HEAD", http.expectedContentLength > Int64(limit) {
                // A HEAD's Content-Length is the size of what a GET would send, not a body.
                fail(TooLarge(limit: limit, announced: http.expectedContentLength), dataTask)
                completionHandler(.cancel)
                return
            }
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let toSink = lock.withLock { sinking && failure == nil }
            if toSink, let sink {
                do { try sink.write(data) } catch { fail(error, dataTask) }
                return
            }
            let overflow = lock.withLock { () -> Bool in
                guard failure == nil else { return false }
                guard body.count + data.count <= limit else { return true }
                body.append(contentsOf: data)
                return false
            }
            if overflow { fail(TooLarge(limit: limit, announced: nil), dataTask) }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            if let error { lock.withLock { if failure == nil { failure = error } } }
            done.signal()
        }

        /// Authentication is ours (``DistributionClient`` answers the `WWW-Authenticate` challenge itself), so
        /// URLSession's own handling is declined.
        func urlSession(
            _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
            completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
        ) {
            lock.withLock { declinedChallenge = true }
            completionHandler(.cancelAuthenticationChallenge, nil)
        }

        /// Credentials stay with the registry's host: a redirect elsewhere (a storage bucket) is followed without
        /// the `Authorization` header.
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            var next = request
            if !HTTPExchange.isSameOrigin(request.url, origin) {
                next.setValue(nil, forHTTPHeaderField: "Authorization")
            }
            completionHandler(next)
        }
    }

    /// Whether two URLs share scheme, host and port.
    static func isSameOrigin(_ left: URL?, _ right: URL?) -> Bool {
        guard let left, let right else { return false }
        return left.scheme?.lowercased() == right.scheme?.lowercased()
            && left.host?.lowercased()
                == right.host?.lowercased()
            && left.port == right.port
    }
}
