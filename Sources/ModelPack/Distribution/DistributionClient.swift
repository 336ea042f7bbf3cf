import Foundation
import RegistryCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client of one repository of an OCI registry, speaking the OCI Distribution API with Foundation's URLSession
/// only (FORMAT.md §15.8).
///
/// ```swift
/// let client = try DistributionClient(repository: OCIReference(parsing: "http://127.0.0.1:5000/team/model:v1"))
/// if try !client.hasBlob(descriptor) { try client.uploadBlob(descriptor, from: .file(path)) }
/// ```
///
/// It authenticates as the registry asks (`WWW-Authenticate`: basic, or a bearer token fetched from the realm),
/// retries 5xx, 429 and dropped connections with exponential backoff, streams blobs in constant memory (uploads
/// from a file, downloads to a file hashed as they arrive, resumed with a `Range` request), checks every blob's
/// size and digest itself, caps manifests at 4 MiB, and never puts credentials into an error message or onto a
/// redirect to another host. Blocking; safe to use from several threads at once (`Sendable`).
public final class DistributionClient: @unchecked Sendable {
    /// How the client transfers.
    public struct Settings: Sendable {
        /// How many blobs are transferred at once.
        public var maximumParallelTransfers: Int = 4
        /// How many times a request is tried before its error is reported.
        public var maximumAttempts: Int = 4
        /// The wait before the first retry; doubled for each further one.
        public var retryDelay: Duration = .milliseconds(200)
        /// Blobs above this size are uploaded in chunks (`PATCH`); smaller ones in one `PUT` whose body streams
        /// from the file. By default every blob goes in one `PUT` (constant memory, one request); lower it for a
        /// registry or proxy that caps the size of a request.
        public var monolithicUploadLimit: Int64 = .max
        /// The size of one chunk of a chunked upload (held in memory while it is sent).
        public var chunkSize: Int = 8 << 20
        /// The bytes all of this client's transfers together may have received and not yet written: each of the
        /// ``maximumParallelTransfers`` sessions holds at most its share of this in chunks its delegate has not
        /// taken yet, and makes libcurl stop reading the socket until it has (FoundationNetworking has no
        /// back-pressure of its own; FORMAT.md §15.8). A blob is therefore downloaded in one request,
        /// whatever its size, in this much memory.
        public var downloadBufferBudget: Int64 = 8 << 20
        /// How many blobs are downloaded at once (never more than ``maximumParallelTransfers``): a download's pace
        /// is CPU — ours hashing and writing, the registry's serving — more than the network, and on a machine of
        /// a few cores more streams only add contention (measured in docs/PERFORMANCE.md, #12).
        public var maximumParallelDownloads: Int = 2
        /// Seconds without progress before a request is abandoned (and retried).
        public var timeout: TimeInterval = 60
        /// The longest wait a `Retry-After` header of a 429 or 503 answer is honoured for; a registry asking for
        /// longer gets this wait (the bound keeps a push or pull from hanging on a hostile header).
        public var maximumRetryAfter: Duration = .seconds(30)

        /// The default settings.
        public init() {}
    }

    /// The repository this client talks to (its tag and digest are not used).
    public let repository: OCIReference
    /// The settings.
    public let settings: Settings
    private let credentials: DistributionCredentials?
    private let lock = NSLock()
    private var authorization: String?
    private var counts: [String: Int] = [:]
    /// The sessions requests run on, reused (one per concurrent transfer).
    private let pool: HTTPSessionPool

    private var runningDownloads = 0
    /// Signalled when a download ends, for one waiting in ``withDownloadSlot(_:)``.
    private let downloadEnded = NSCondition()

    /// How many downloads may run at once: ``Settings/maximumParallelDownloads``, at most
    /// ``Settings/maximumParallelTransfers``, at least one.
    var downloadSlots: Int {
        max(1, min(settings.maximumParallelTransfers, settings.maximumParallelDownloads))
    }

    /// Runs `body` as one of the downloads running, after waiting for one of ``downloadSlots``.
    func withDownloadSlot<R>(_ body: () throws -> R) rethrows -> R {
        let slots = downloadSlots
        downloadEnded.lock()
        while runningDownloads >= slots { downloadEnded.wait() }
        runningDownloads += 1
        downloadEnded.unlock()
        defer {
            downloadEnded.lock()
            runningDownloads -= 1
            downloadEnded.signal()
            downloadEnded.unlock()
        }
        return try body()
    }

    /// How many chunks of an answer (at most 16 KiB each, libcurl's `CURL_MAX_WRITE_SIZE`) one session may hold
    /// for its delegate: its share of ``Settings/downloadBufferBudget``, at least one.
    static func delegateQueueLimit(_ settings: Settings) -> Int {
        let share = settings.downloadBufferBudget / Int64(max(1, settings.maximumParallelTransfers))
        return max(1, Int(clamping: share / (16 << 10)))
    }

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - repository: the registry host and repository.
    ///   - credentials: what to log in with; by default ``DistributionCredentials/lookup(host:environment:)``.
    ///   - settings: how to transfer.
    /// - Throws: what the credentials lookup throws.
    public init(
        repository: OCIReference, credentials: DistributionCredentials?? = nil, settings: Settings = Settings()
    ) throws {
        self.repository = repository
        self.settings = settings
        pool = HTTPSessionPool(timeout: settings.timeout, queueLimit: Self.delegateQueueLimit(settings))
        self.credentials = try credentials ?? DistributionCredentials.lookup(host: repository.host)
    }

    /// How many requests were sent, by method (`HEAD`, `GET`, `POST`, `PUT`, `PATCH`): a second push of the same
    /// artifact shows no `POST`, `PATCH`, and no blob `PUT`.
    public var requestCounts: [String: Int] { lock.withLock { counts } }

    // MARK: Requests

    /// What a request is, for error messages: `GET /v2/team/model/manifests/v1`.
    struct Call {
        var method: String
        var url: URL
        var headers: [String: String] = [:]
        var body: HTTPExchange.Body = .none
        /// Whether a failed attempt may simply be sent again.
        var isRetryable = true

        var shown: String { "\(method) \(url.path)" }
    }

    /// The URL of `path` under `/v2/<repository>/`.
    func url(_ path: String, query: [(String, String)] = []) throws -> URL {
        try url(absolute: repository.apiBase + repository.repository + "/" + path, query: query)
    }

    func url(absolute text: String, query: [(String, String)] = []) throws -> URL {
        guard var components = URLComponents(string: text) else {
            throw RegistryError(.invalidArgument, "'\(text)' is not a URL")
        }
        if !query.isEmpty {
            components.queryItems = (components.queryItems ?? []) + query.map { URLQueryItem(name: $0.0, value: $0.1) }
            // `+` in a query means a space to some servers; a digest never has one, but a token scope may.
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        }
        guard let url = components.url else { throw RegistryError(.invalidArgument, "'\(text)' is not a URL") }
        return url
    }

    /// Sends a call, authenticating and retrying as needed, and returns the answer whatever its status.
    ///
    /// - Throws: `.unauthorized` for 401/403 that credentials do not fix; `.remoteUnavailable` when the registry
    ///   cannot be reached or keeps answering 5xx/429; `.invalidArgument` for an answer above `limit`.
    func perform(_ call: Call, limit: Int = 1 << 20, sink: HTTPExchange.Sink? = nil) throws -> HTTPExchange.Response {
        var attempt = 0
        var authenticated = false
        while true {
            attempt += 1
            var request = URLRequest(url: call.url)
            request.httpMethod = call.method
            for (name, value) in call.headers { request.setValue(value, forHTTPHeaderField: name) }
            if let header = lock.withLock({ authorization }), HTTPExchange.isSameOrigin(call.url, baseURL) {
                request.setValue(header, forHTTPHeaderField: "Authorization")
            }
            if case .none = call.body, ["PUT", "POST", "PATCH"].contains(call.method) {
                request.setValue("0", forHTTPHeaderField: "Content-Length")
            }
            lock.withLock { counts[call.method, default: 0] += 1 }
            let response: HTTPExchange.Response
            do {
                response = try HTTPExchange.send(
                    request, body: call.body, limit: limit, sink: sink, pool: pool)
            } catch let error as HTTPExchange.TooLarge {
                throw RegistryError(
                    .invalidArgument,
                    "\(repository.host) answered \(call.shown) with more than \(error.limit) bytes"
                        + (error.announced.map { " (\($0) announced)" } ?? "") + "; refused")
            } catch let error as RegistryError {
                throw error
            } catch {
                guard call.isRetryable, attempt < settings.maximumAttempts, Self.isTransient(error) else {
                    throw RegistryError(
                        .remoteUnavailable,
                        "\(call.shown) to \(repository.host) failed after \(attempt) attempt(s): "
                            + "\(error.localizedDescription)", underlying: error)
                }
                backoff(attempt)
                continue
            }
            if response.status == 401, !authenticated, let challenge = response.header("www-authenticate") {
                authenticated = true
                try authenticate(challenge: challenge, call: call)
                attempt -= 1
                continue
            }
            if [429, 500, 502, 503, 504].contains(response.status), call.isRetryable,
                attempt < settings.maximumAttempts
            {
                backoff(attempt, response: response)
                continue
            }
            return response
        }
    }

    /// Whether an error of the transport is worth another attempt (a dropped or refused connection, a timeout).
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? URLError else { return false }
        return [
            .networkConnectionLost, .timedOut, .cannotConnectToHost, .notConnectedToInternet, .badServerResponse,
            .cannotFindHost, .dnsLookupFailed, .resourceUnavailable,
        ].contains(error.code)
    }

    /// Waits before another attempt: the exponential backoff, or — for a 429 or 503 with a `Retry-After` header —
    /// what the registry asks for, at most ``Settings/maximumRetryAfter``.
    func backoff(_ attempt: Int, response: HTTPExchange.Response? = nil) {
        Thread.sleep(forTimeInterval: retryWait(attempt, response: response))
    }

    /// The wait ``backoff(_:response:)`` sleeps, in seconds.
    func retryWait(_ attempt: Int, response: HTTPExchange.Response?) -> TimeInterval {
        let base = settings.retryDelay * (1 << min(attempt - 1, 10))
        let backoff = min(Self.seconds(base), 30)
        guard let response, [429, 503].contains(response.status),
            let asked = response.header("retry-after").flatMap({ Self.retryAfter($0, now: Date()) })
        else { return backoff }
        return min(asked, Self.seconds(settings.maximumRetryAfter))
    }

    /// The seconds a `Retry-After` value asks for: a number of seconds, or an HTTP date (RFC 9110 §10.2.3); nil
    /// for anything else, so a malformed header falls back to the backoff.
    static func retryAfter(_ value: String, now: Date) -> TimeInterval? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = UInt32(trimmed) { return TimeInterval(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    var baseURL: URL? { URL(string: repository.apiBase) }

    /// An error for an answer the caller did not expect: `.unauthorized` for 401/403, `.notFound` for 404,
    /// `.remoteUnavailable` otherwise, with the registry's own error code when it sent one.
    func unexpected(_ response: HTTPExchange.Response, to call: Call, what: String) -> RegistryError {
        let detail = Self.errorDetail(response.body)
        switch response.status {
        case 401, 403:
            let login =
                credentials == nil
                ? "no credentials were found for \(repository.host); set MODELREG_REGISTRY_USERNAME and "
                    + "MODELREG_REGISTRY_PASSWORD or run 'docker login \(repository.host)'"
                : "the credentials of user '\(credentials?.username ?? "")' were refused or lack the right"
            return RegistryError(
                .unauthorized,
                "\(repository.host) answered \(response.status) to \(call.shown) (\(what)): \(login)\(detail)")
        case 404:
            return RegistryError(
                .notFound, "\(repository.host) has no \(what) (\(call.shown) answered 404)\(detail)")
        default:
            return RegistryError(
                .remoteUnavailable,
                "\(repository.host) answered \(response.status) to \(call.shown) (\(what))"
                    + (response.status == 429 ? " too many times: it limits the request rate" : "") + detail)
        }
    }

    /// The `errors[0].code` and `message` of a distribution error document, printable characters only.
    static func errorDetail(_ body: [UInt8]) -> String {
        guard !body.isEmpty, body.count <= 64 << 10,
            let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let first = (object["errors"] as? [[String: Any]])?.first
        else { return "" }
        let code = (first["code"] as? String) ?? ""
        let message = (first["message"] as? String) ?? ""
        let text = String(
            "\(code) \(message)".unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.prefix(200))
        return text.trimmingCharacters(in: .whitespaces).isEmpty ? "" : "; the registry says: \(text)"
    }

    // MARK: Authentication

    /// Answers a `WWW-Authenticate` challenge: basic credentials, or a bearer token from the realm.
    private func authenticate(challenge: String, call: Call) throws {
        let (scheme, parameters) = Self.parseChallenge(challenge)
        switch scheme {
        case "basic":
            guard let credentials else { return }  // the 401 is reported by the caller
            lock.withLock { authorization = credentials.basicHeader }
        case "bearer":
            guard let realm = parameters["realm"], let realmURL = URL(string: realm),
                ["http", "https"].contains(realmURL.scheme?.lowercased() ?? "")
            else {
                throw RegistryError(
                    .unauthorized, "\(repository.host) asked for a bearer token without a usable realm URL")
            }
            var query: [(String, String)] = []
            if let service = parameters["service"] { query.append(("service", service)) }
            query.append(("scope", parameters["scope"] ?? "repository:\(repository.repository):pull,push"))
            var request = URLRequest(url: try url(absolute: realm, query: query))
            request.httpMethod = "GET"
            if let credentials { request.setValue(credentials.basicHeader, forHTTPHeaderField: "Authorization") }
            lock.withLock { counts["GET", default: 0] += 1 }
            let response: HTTPExchange.Response
            do {
                response = try HTTPExchange.send(
                    request, body: .none, limit: 1 << 20, sink: nil, pool: pool)
            } catch {
                throw RegistryError(
                    .remoteUnavailable,
                    "the token service \(realmURL.host ?? realm) of \(repository.host) could not be reached: "
                        + "\(error.localizedDescription)", underlying: error)
            }
            guard response.status == 200,
                let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                let token = (object["token"] as? String) ?? (object["access_token"] as? String), !token.isEmpty
            else {
                throw RegistryError(
                    .unauthorized,
                    "the token service of \(repository.host) answered \(response.status) without a token"
                        + (credentials == nil
                            ? "; no credentials were found: set MODELREG_REGISTRY_USERNAME and "
                                + "MODELREG_REGISTRY_PASSWORD or run 'docker login \(repository.host)'"
                            : " for user '\(credentials?.username ?? "")'"))
            }
            lock.withLock { authorization = "Bearer " + token }
        default:
            return
        }
    }

    /// The scheme (lowercased) and parameters of a `WWW-Authenticate` value: `Bearer realm="…",service="…"`.
    static func parseChallenge(_ value: String) -> (String, [String: String]) {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let space = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        let scheme = trimmed[..<space].lowercased()
        var parameters: [String: String] = [:]
        var rest = trimmed[space...].drop(while: { $0 == " " })
        while let equals = rest.firstIndex(of: "=") {
            let name = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " ,")).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    if character == "\\", rest.count > 1 { rest = rest.dropFirst() }
                    value.append(rest.first ?? character)
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            parameters[name] = value
            rest = rest.drop(while: { $0 == "," || $0 == " " })
        }
        return (scheme, parameters)
    }
}
