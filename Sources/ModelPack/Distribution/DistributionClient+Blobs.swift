import Foundation
import RegistryCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension DistributionClient {
    /// Where an upload's bytes come from.
    public enum BlobSource: Sendable {
        /// Bytes in memory (configs, manifests' own blobs, signatures).
        case bytes([UInt8])
        /// A file, streamed from disk; it must hold exactly the descriptor's bytes.
        case file(String)
    }

    /// How a blob got to the registry.
    public enum UploadOutcome: String, Sendable {
        /// The registry had it already (`HEAD` answered 200 with the right size).
        case present
        /// Mounted from another repository of the same registry.
        case mounted
        /// Its bytes were sent.
        case uploaded
    }

    /// Whether the repository has the blob, with the descriptor's size.
    ///
    /// - Throws: `.unauthorized`, `.remoteUnavailable` (see ``DistributionClient``).
    public func hasBlob(_ descriptor: OCIDescriptor) throws -> Bool {
        let call = Call(method: "HEAD", url: try url("blobs/\(descriptor.digest)"))
        let response = try perform(call)
        switch response.status {
        case 200:
            // Distribution does not check descriptor sizes: a blob of another size is not the one we mean.
            if let length = response.header("content-length").flatMap(Int64.init), length != descriptor.size {
                return false
            }
            return true
        case 404: return false
        default: throw unexpected(response, to: call, what: "blob \(descriptor.digest)")
        }
    }

    /// Puts a blob into the repository unless it is there: `HEAD` first, then a cross-repository mount from each
    /// of `mountFrom` (repositories of the same registry), then an upload — monolithic (`POST`, then `PUT
    /// ?digest=`) up to ``Settings/monolithicUploadLimit``, else chunked (`PATCH` with `Content-Range`).
    ///
    /// - Parameters:
    ///   - descriptor: the blob's digest and size.
    ///   - source: its bytes.
    ///   - mountFrom: repositories on this registry that may hold it.
    ///   - progress: told how many bytes of this blob were sent so far.
    /// - Returns: what happened.
    /// - Throws: `.digestMismatch` for a source whose size is not the descriptor's; `.unauthorized`,
    ///   `.remoteUnavailable` (after retries of the whole upload), I/O errors reading the file.
    @discardableResult
    public func uploadBlob(
        _ descriptor: OCIDescriptor, from source: BlobSource, mountFrom: [String] = [],
        progress: (@Sendable (Int64) -> Void)? = nil
    ) throws -> UploadOutcome {
        if try hasBlob(descriptor) { return .present }
        for other in mountFrom where other != repository.repository {
            if try mountBlob(descriptor, from: other) { return .mounted }
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                try uploadOnce(descriptor, from: source, progress: progress)
                return .uploaded
            } catch let error as RegistryError
                where error.code == .remoteUnavailable && attempt < settings.maximumAttempts
            {
                progress?(0)
                backoff(attempt)
            }
        }
    }

    /// `POST ?mount=DIGEST&from=REPO`: 201 means mounted; 202 opens an upload, which is abandoned.
    private func mountBlob(_ descriptor: OCIDescriptor, from other: String) throws -> Bool {
        let call = Call(
            method: "POST",
            url: try url("blobs/uploads/", query: [("mount", descriptor.digest.description), ("from", other)]))
        let response = try perform(call)
        switch response.status {
        case 201: return true
        case 202:
            if let location = response.header("location"), let session = try? resolve(location) {
                _ = try? perform(Call(method: "DELETE", url: session, isRetryable: false))
            }
            return false
        default: throw unexpected(response, to: call, what: "a mount of \(descriptor.digest) from \(other)")
        }
    }

    private func uploadOnce(
        _ descriptor: OCIDescriptor, from source: BlobSource, progress: (@Sendable (Int64) -> Void)?
    ) throws {
        let size: Int64
        switch source {
        case .bytes(let bytes): size = Int64(bytes.count)
        case .file(let path):
            size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? -1
        }
        guard size == descriptor.size else {
            throw RegistryError(
                .digestMismatch,
                "the blob \(descriptor.digest) to upload has \(size) bytes, not the \(descriptor.size) its descriptor "
                    + "says")
        }
        let start = Call(method: "POST", url: try url("blobs/uploads/"))
        let opened = try perform(start)
        guard opened.status == 202, let location = opened.header("location") else {
            throw unexpected(opened, to: start, what: "an upload session")
        }
        var session = try resolve(location)
        let octets = ["Content-Type": "application/octet-stream"]
        if case .file(let path) = source, size > settings.monolithicUploadLimit {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw RegistryError(.io, "cannot open '\(path)' to upload it", path: path)
            }
            defer { try? handle.close() }
            var offset: Int64 = 0
            while offset < size {
                let chunk = try handle.read(upToCount: settings.chunkSize) ?? Data()
                guard !chunk.isEmpty else {
                    throw RegistryError(
                        .io, "'\(path)' ended at \(offset) of \(size) bytes while uploading", path: path)
                }
                let end = offset + Int64(chunk.count) - 1
                let patch = Call(
                    method: "PATCH", url: session,
                    headers: octets.merging(["Content-Range": "\(offset)-\(end)"]) { $1 }, body: .bytes(chunk),
                    isRetryable: false)
                let answer = try perform(patch)
                guard answer.status == 202 else {
                    throw unexpected(answer, to: patch, what: "chunk \(offset)-\(end) of \(descriptor.digest)")
                }
                if let next = answer.header("location") { session = try resolve(next) }
                offset = end + 1
                progress?(offset)
            }
            let finish = Call(
                method: "PUT", url: try appending(digest: descriptor.digest, to: session), headers: octets,
                isRetryable: false)
            let done = try perform(finish)
            guard done.status == 201 else { throw unexpected(done, to: finish, what: "blob \(descriptor.digest)") }
            return
        }
        let body: HTTPExchange.Body
        switch source {
        case .bytes(let bytes): body = .bytes(Data(bytes))
        case .file(let path): body = .file(URL(fileURLWithPath: path), size: size)
        }
        let put = Call(
            method: "PUT", url: try appending(digest: descriptor.digest, to: session),
            headers: octets.merging(["Content-Length": String(size)]) { $1 }, body: body, isRetryable: false)
        let done = try perform(put)
        guard done.status == 201 else { throw unexpected(done, to: put, what: "blob \(descriptor.digest)") }
        progress?(size)
    }

    /// A `Location` header as a URL on this registry; one on another host is refused.
    func resolve(_ location: String) throws -> URL {
        guard let base = baseURL, let resolved = URL(string: location, relativeTo: base)?.absoluteURL else {
            throw RegistryError(
                .remoteUnavailable, "\(repository.host) sent the unusable Location '\(location.prefix(200))'")
        }
        guard HTTPExchange.isSameOrigin(resolved, base) else {
            throw RegistryError(
                .remoteUnavailable,
                "\(repository.host) sent an upload to another host (\(resolved.host ?? "?")); refused, so that "
                    + "credentials stay with \(repository.host)")
        }
        return resolved
    }

    private func appending(digest: Digest, to session: URL) throws -> URL {
        try url(absolute: session.absoluteString, query: [("digest", digest.description)])
    }

    /// A small blob (a config, a signature) read into memory, its size and digest checked.
    ///
    /// - Throws: `.invalidArgument` for a descriptor above 4 MiB; `.digestMismatch` for other bytes; `.notFound`,
    ///   `.unauthorized`, `.remoteUnavailable`.
    public func blobBytes(_ descriptor: OCIDescriptor) throws -> [UInt8] {
        let limit = 4 << 20
        guard descriptor.size <= Int64(limit) else {
            throw RegistryError(
                .invalidArgument, "blob \(descriptor.digest) is \(descriptor.size) bytes, above the \(limit)-byte limit"
            )
        }
        let call = Call(method: "GET", url: try url("blobs/\(descriptor.digest)"))
        let response = try perform(call, limit: Int(descriptor.size))
        guard response.status == 200 else { throw unexpected(response, to: call, what: "blob \(descriptor.digest)") }
        let digest = SHA256Algorithm().hash(response.body)
        guard Int64(response.body.count) == descriptor.size, digest == descriptor.digest else {
            throw RegistryError(
                .digestMismatch,
                "\(repository.host) served \(response.body.count) bytes hashing to \(digest) for blob "
                    + "\(descriptor.digest) (\(descriptor.size) bytes); refused")
        }
        return response.body
    }

    /// Downloads a blob to `path`, hashing it as it arrives, and checks its size and digest.
    ///
    /// The blob is asked for in one request, its bytes written and hashed in 1 MiB batches as they arrive: the
    /// session's delegate queue holds at most its share of ``Settings/downloadBufferBudget`` and holds libcurl
    /// back while it is full, so memory stays constant whatever the blob's size.
    ///
    /// A file already at `path` is taken for the start of the blob: it is re-hashed and the rest asked for with a
    /// `Range` request; a registry that answers 416 gets the whole blob asked for again (the partial file is
    /// discarded). A dropped connection resumes the same way. A kept start that turns out not to be the blob's
    /// (the whole hashes to another digest) is discarded and the blob downloaded again from its first byte, once.
    ///
    /// - Parameters:
    ///   - descriptor: the blob's digest and size (from a manifest we parsed).
    ///   - path: where the blob goes; left complete, checked and synced, or removed on a digest mismatch. Any
    ///     other error leaves what arrived in the file, for a later call to resume from.
    ///   - progress: told how many bytes of this blob are on disk.
    /// - Returns: how many bytes were kept from the file and how many were received.
    /// - Throws: `.digestMismatch` for bytes that are not the descriptor's (more, fewer, or other), with the file
    ///   removed; `.notFound` for a blob the registry lacks; `.unauthorized`, `.remoteUnavailable`.
    @discardableResult
    public func downloadBlob(
        _ descriptor: OCIDescriptor, to path: String, progress: (@Sendable (Int64) -> Void)? = nil
    ) throws -> DownloadOutcome {
        try withDownloadSlot { try download(descriptor, to: path, progress: progress) }
    }

    /// What a download took from the file it found and what it received.
    public struct DownloadOutcome: Hashable, Sendable {
        /// Bytes of the blob that were already in the file and kept (re-hashed, not downloaded again).
        public var resumedBytes: Int64
        /// Bytes received from the registry (more than the rest of the blob when a range was refused or a kept
        /// start turned out not to be the blob's).
        public var receivedBytes: Int64
    }

    private func download(
        _ descriptor: OCIDescriptor, to path: String, progress: (@Sendable (Int64) -> Void)?
    ) throws -> DownloadOutcome {
        let state = DownloadState(path: path, expected: descriptor.size)
        defer { state.close() }
        try state.openAndRehash()
        let found = state.written
        do {
            try receive(descriptor, into: state, progress: progress)
        } catch {
            // What arrived stays in the file for a later call to resume from, the last batch included.
            try? state.flush()
            throw error
        }
        var (size, digest) = try state.finish()
        var resumed = state.wasDiscarded ? 0 : found
        if resumed > 0, size == descriptor.size, digest != descriptor.digest {
            // The start found on disk (an earlier pull's, unsynced when it died) is not this blob's: start over.
            try state.discard()
            resumed = 0
            try receive(descriptor, into: state, progress: progress)
            (size, digest) = try state.finish()
        }
        guard size == descriptor.size, digest == descriptor.digest else {
            try? FileManager.default.removeItem(atPath: path)
            throw RegistryError(
                .digestMismatch,
                "\(repository.host) served \(size) bytes hashing to \(digest) for blob \(descriptor.digest) "
                    + "(\(descriptor.size) bytes); nothing was kept")
        }
        return DownloadOutcome(resumedBytes: resumed, receivedBytes: state.received)
    }

    /// Asks for what `state` lacks until it holds `descriptor.size` bytes: the whole blob, or the rest of it with
    /// a `Range` request; retries, resumption after a dropped connection, a fresh start after a 416.
    private func receive(
        _ descriptor: OCIDescriptor, into state: DownloadState, progress: (@Sendable (Int64) -> Void)?
    ) throws {
        let call = Call(method: "GET", url: try url("blobs/\(descriptor.digest)"))
        var attempt = 0
        while state.written < descriptor.size {
            attempt += 1
            let before = state.written
            var request = call
            request.isRetryable = false
            if state.written > 0 {
                request.headers["Range"] = "bytes=\(state.written)-\(descriptor.size - 1)"
            }
            let sink = HTTPExchange.Sink(
                begin: { status, _ in try state.begin(status: status) },
                write: { data in if try state.write(data) { progress?(state.written) } })
            do {
                let response = try perform(request, sink: sink)
                try state.flush()
                if response.status == 416 {
                    // The registry refuses the range: what is on disk is not a start it knows. Start over.
                    try state.discard()
                    guard attempt < settings.maximumAttempts else {
                        throw unexpected(response, to: request, what: "blob \(descriptor.digest)")
                    }
                    continue
                }
                if [429, 500, 502, 503, 504].contains(response.status), attempt < settings.maximumAttempts {
                    backoff(attempt, response: response)
                    continue
                }
                guard (200..<300).contains(response.status) else {
                    throw unexpected(response, to: request, what: "blob \(descriptor.digest)")
                }
                progress?(state.written)
                if state.written > before {
                    attempt = 0  // progress was made: the next request starts with all its attempts
                } else if attempt >= settings.maximumAttempts {
                    break
                }
            } catch let error as RegistryError
                where error.code == .remoteUnavailable && attempt < settings.maximumAttempts
            {
                // A dropped connection: what arrived stays on disk, and the rest is asked for.
                try state.reopen()
                CrashPoint.hit("oci.afterPartialDownload")
                backoff(attempt)
            }
        }
    }
}

/// The file a download writes and the hash of what is in it; bytes are written and hashed in batches of
/// ``batchSize``.
private final class DownloadState: @unchecked Sendable {
    static let batchSize = 1 << 20
    let path: String
    let expected: Int64
    /// Bytes received: those on disk and those waiting in ``pending``.
    private(set) var written: Int64 = 0
    /// Bytes received from the registry in all, whether kept or not.
    private(set) var received: Int64 = 0
    /// Whether what the file held was ever thrown away.
    private(set) var wasDiscarded = false
    private var handle: FileHandle?
    private var hash = SHA256Algorithm().makeState()
    private var pending = Data()
    /// Bytes written to the file (``written`` less ``pending``), and where write-back was last started.
    private var onDisk: Int64 = 0
    private var writebackStart: Int64 = 0
    static let writebackStep: Int64 = 8 << 20

    init(path: String, expected: Int64) {
        self.path = path
        self.expected = expected
    }

    /// Opens the file (created when missing) and re-hashes what it holds.
    func openAndRehash() throws {
        close()
        pending = Data()
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw RegistryError(.io, "cannot create '\(path)' to download into", path: path)
            }
        }
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw RegistryError(.io, "cannot open '\(path)' to download into", path: path)
        }
        self.handle = handle
        hash = SHA256Algorithm().makeState()
        written = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { hash.update($0) }
            written += Int64(chunk.count)
        }
        onDisk = written
        writebackStart = written
        if written > expected { try discard() }
    }

    /// After a dropped connection: what arrived is written, and the file re-read to continue from.
    func reopen() throws {
        try flush()
        try openAndRehash()
    }

    /// The answer's status: 206 continues the file, 200 replaces it.
    func begin(status: Int) throws {
        if status != 206, written > 0 { try discard() }
    }

    /// Takes a chunk; returns whether a batch was written to disk.
    func write(_ data: Data) throws -> Bool {
        guard written + Int64(data.count) <= expected else {
            throw RegistryError(
                .digestMismatch, "the registry sent more than the \(expected) bytes the blob's descriptor says")
        }
        if pending.isEmpty { pending.reserveCapacity(Self.batchSize) }
        pending.append(data)
        written += Int64(data.count)
        received += Int64(data.count)
        guard pending.count >= Self.batchSize else { return false }
        try flush()
        return true
    }

    /// Writes and hashes what is pending.
    ///
    /// The batch is written on this thread (the session's, taking the chunks) while another hashes it, so the two
    /// costs overlap instead of adding up: the faster the delegate takes bytes, the fewer FoundationNetworking
    /// holds for it (it has no back-pressure). Write-back of every 8 MiB is started at once
    /// (`sync_file_range(SYNC_FILE_RANGE_WRITE)` on Linux), so that the `fsync` of a finished blob is short.
    func flush() throws {
        guard !pending.isEmpty, let handle else {
            pending.removeAll(keepingCapacity: true)
            return
        }
        let batch = pending
        let failure = WriteFailure()
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                do { try handle.write(contentsOf: batch) } catch { failure.error = error }
            } else {
                batch.withUnsafeBytes { self.hash.update($0) }
            }
        }
        if let error = failure.error { throw error }
        onDisk += Int64(batch.count)
        if onDisk - writebackStart >= Self.writebackStep {
            system_startWriteback(handle.fileDescriptor, offset: writebackStart, length: onDisk - writebackStart)
            writebackStart = onDisk
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// The error of the write half of ``flush()``.
    private final class WriteFailure: @unchecked Sendable {
        var error: (any Error)?
    }

    func discard() throws {
        wasDiscarded = true
        pending = Data()
        try handle?.truncate(atOffset: 0)
        try handle?.seek(toOffset: 0)
        hash = SHA256Algorithm().makeState()
        written = 0
        onDisk = 0
        writebackStart = 0
    }

    func finish() throws -> (Int64, Digest) {
        try flush()
        try handle?.synchronize()
        return (written, hash.finalize())
    }

    func close() {
        try? handle?.close()
        handle = nil
    }
}
