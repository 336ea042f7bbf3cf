import Foundation
import RegistryCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension DistributionClient {
    /// A manifest as the registry served it.
    public struct FetchedManifest: Sendable {
        /// The bytes, at most ``OCIImageManifest/maximumSize``.
        public var bytes: [UInt8]
        /// The media type the registry gave (`Content-Type`), or the document's own when the header is missing.
        public var mediaType: String
        /// The SHA-256 of ``bytes`` — computed here, never taken from the registry's `Docker-Content-Digest`.
        public var digest: Digest

        /// A descriptor of these bytes.
        public var descriptor: OCIDescriptor {
            OCIDescriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
        }
    }

    /// What manifest GET and HEAD ask for: Distribution 2.8 answers 404 to a manifest request without an OCI
    /// `Accept` header.
    static let manifestAccept = [OCIMediaType.imageManifest, OCIMediaType.imageIndex].joined(separator: ", ")

    /// Reads a manifest or image index by tag or digest.
    ///
    /// - Parameter reference: a tag (checked) or `sha256:<hex>`.
    /// - Returns: the manifest; asked for by digest, its bytes hash to that digest.
    /// - Throws: `.notFound` for a tag or digest the repository lacks; `.invalidArgument` for a manifest above
    ///   4 MiB (the download stops there); `.digestMismatch` for bytes that do not hash to the digest asked
    ///   for; `.unauthorized`, `.remoteUnavailable`.
    public func manifest(_ reference: String) throws -> FetchedManifest {
        let asked = Digest(parsing: reference)
        if asked == nil { try OCITag.check(reference) }
        let call = Call(method: "GET", url: try url("manifests/\(reference)"), headers: ["Accept": Self.manifestAccept])
        let response = try perform(call, limit: OCIImageManifest.maximumSize)
        guard response.status == 200 else {
            throw unexpected(response, to: call, what: "manifest '\(reference)' in \(repository.repository)")
        }
        let digest = SHA256Algorithm().hash(response.body)
        if let asked, asked != digest {
            throw RegistryError(
                .digestMismatch,
                "\(repository.host) served manifest \(asked) as bytes hashing to \(digest); refused")
        }
        var mediaType = response.header("content-type")?.split(separator: ";").first.map {
            String($0).trimmingCharacters(in: .whitespaces)
        }
        if mediaType == nil || mediaType == "application/octet-stream" || mediaType == "application/json" {
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            mediaType = object?["mediaType"] as? String ?? OCIMediaType.imageManifest
        }
        return FetchedManifest(bytes: response.body, mediaType: mediaType ?? OCIMediaType.imageManifest, digest: digest)
    }

    /// Whether the repository has the manifest with this digest.
    public func hasManifest(_ digest: Digest) throws -> Bool {
        let call = Call(method: "HEAD", url: try url("manifests/\(digest)"), headers: ["Accept": Self.manifestAccept])
        let response = try perform(call)
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw unexpected(response, to: call, what: "manifest \(digest)")
        }
    }

    /// Stores a manifest under a tag or its digest (`PUT` with its `Content-Type`).
    ///
    /// - Parameters:
    ///   - bytes: the manifest; at most 4 MiB.
    ///   - mediaType: its media type.
    ///   - reference: a tag (checked) or the manifest's digest.
    /// - Returns: whether the registry handles the `subject` itself (it answered with an `OCI-Subject` header), so
    ///   that no `sha256-<hex>` referrers tag is needed.
    /// - Throws: `.invalidArgument` for a manifest above 4 MiB; `.unauthorized`, `.remoteUnavailable` (with the
    ///   registry's error code, e.g. `MANIFEST_BLOB_UNKNOWN`).
    @discardableResult
    public func putManifest(_ bytes: [UInt8], mediaType: String, reference: String) throws -> Bool {
        guard bytes.count <= OCIImageManifest.maximumSize else {
            throw RegistryError(
                .invalidArgument,
                "a manifest of \(bytes.count) bytes is above the \(OCIImageManifest.maximumSize)-byte limit of registries"
            )
        }
        if Digest(parsing: reference) == nil { try OCITag.check(reference) }
        let call = Call(
            method: "PUT", url: try url("manifests/\(reference)"), headers: ["Content-Type": mediaType],
            body: .bytes(Data(bytes)))
        let response = try perform(call)
        guard response.status == 201 || response.status == 200 else {
            throw unexpected(response, to: call, what: "manifest '\(reference)'")
        }
        return response.header("oci-subject") != nil
    }

    /// The referrers of a manifest: the referrers API (`GET /v2/<name>/referrers/<digest>`) where the registry has
    /// it, else the `sha256-<hex>` tag fallback; nil when neither lists any.
    ///
    /// - Throws: `.unauthorized`, `.remoteUnavailable`; what parsing the index throws.
    public func referrers(of subject: Digest) throws -> OCIImageIndex? {
        let call = Call(
            method: "GET", url: try url("referrers/\(subject)"), headers: ["Accept": OCIMediaType.imageIndex])
        let response = try perform(call, limit: OCIImageIndex.maximumSize)
        if response.status == 200, response.header("content-type")?.hasPrefix(OCIMediaType.imageIndex) == true {
            return try OCIImageIndex(parsing: response.body, source: "\(repository) referrers of \(subject)")
        }
        guard [404, 400, 405].contains(response.status) || response.status == 200 else {
            throw unexpected(response, to: call, what: "the referrers of \(subject)")
        }
        do {
            let fallback = try manifest(OCITag.referrers(of: subject))
            return try OCIImageIndex(parsing: fallback.bytes, source: "\(repository):\(OCITag.referrers(of: subject))")
        } catch let error as RegistryError where error.code == .notFound {
            return nil
        }
    }

    /// Runs `body` for every item, at most ``Settings/maximumParallelTransfers`` at once, each on a thread of its
    /// own; the first error is thrown once all have stopped (items not started yet are skipped).
    ///
    /// Threads rather than Dispatch's global queues: a transfer blocks while URLSession works, and URLSession's own
    /// callbacks need the global queues' few threads (one per core).
    ///
    /// What `body` captures (this client and its URLSessions, for a pull) is released on the calling thread before
    /// this returns, never by a worker thread: a `Thread` releases its block only while the exiting thread's
    /// thread-specific data is destroyed, after libdispatch has torn down its per-thread caches, and a client
    /// whose last reference went there invalidated its sessions with `dispatch_async` from that thread, which
    /// corrupted the heap (`malloc(): unaligned fastbin chunk detected`, issue #14).
    public func forEachConcurrently<Item: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item) throws -> Void
    ) throws {
        let run = ParallelRun(items, body)
        let workers = min(max(1, settings.maximumParallelTransfers), items.count)
        for _ in 0..<workers {
            let worker = Thread { run.work() }
            worker.stackSize = 1 << 20
            worker.start()
        }
        if let error = run.wait(for: workers) { throw error }
    }
}

/// The shared state of one ``DistributionClient/forEachConcurrently(_:_:)``: items handed out one at a time to the
/// worker threads, the body they run, the first error, and how many workers have stopped. ``wait(for:)`` empties
/// it on the calling thread, so that the workers' blocks, released when their threads exit, hold nothing else.
private final class ParallelRun<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item]
    private var position = 0
    private var body: ((Item) throws -> Void)?
    private var firstError: (any Error)?
    private var stopped = 0

    init(_ items: [Item], _ body: @escaping (Item) throws -> Void) {
        self.items = items
        self.body = body
    }

    /// The next item and the body to run it with; nil once all are handed out or one failed.
    private func next() -> (Item, (Item) throws -> Void)? {
        condition.withLock {
            guard firstError == nil, position < items.count, let body else { return nil }
            defer { position += 1 }
            return (items[position], body)
        }
    }

    /// A worker thread's loop: runs items until none is left or one failed, then reports that it stopped.
    func work() {
        while let (item, body) = next() {
            do { try body(item) } catch { condition.withLock { if firstError == nil { firstError = error } } }
        }
        condition.withLock {
            stopped += 1
            condition.broadcast()
        }
    }

    /// Waits until `workers` workers have stopped, drops the body and the items, and returns the first error.
    func wait(for workers: Int) -> (any Error)? {
        condition.withLock {
            while stopped < workers { condition.wait() }
            body = nil
            items = []
            defer { firstError = nil }
            return firstError
        }
    }
}
