import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@testable import ModelPack

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue #14: the full fault sweep of the network pull (``OCIPullFaultTests`` with `MODELREG_FULL_SWEEP=1`) ended
/// the test process with `malloc(): unaligned fastbin chunk detected`. The core dump showed a transfer worker
/// thread of ``DistributionClient/forEachConcurrently(_:_:)`` exiting: its `Thread` object, released while the
/// thread's thread-specific data was destroyed, released the work block, which held the last reference to a
/// pull's ``DistributionClient``; the client's session pool invalidated its URLSessions there, and their
/// `dispatch_async` on a thread whose libdispatch caches were already torn down corrupted the heap. It happened
/// when a pull failed right after its downloads (a failed write of a referrer, a failed download), so that the
/// pull returned before its worker threads had exited. The work block is now released on the calling thread.
@Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
struct ParallelTransferTeardownTests {
    /// Records the thread its last reference was released on.
    final class Probe: @unchecked Sendable {
        let released: (pthread_t) -> Void
        init(released: @escaping (pthread_t) -> Void) { self.released = released }
        deinit { released(pthread_self()) }
    }

    struct Refused: Error {}

    /// A fake registry serving one blob (`bytes`, or `size` random ones) at `/v2/test/model/blobs/sha256:<name>`.
    static func serveBlob(_ temp: URL, size: Int, named name: String = "blob", bytes: [UInt8]? = nil) throws -> (
        FakeDistributionServer, OCIReference, URL
    ) {
        let layout = temp.appendingPathComponent("layout")
        try FileManager.default.createDirectory(
            at: layout.appendingPathComponent("blobs/sha256"), withIntermediateDirectories: true)
        try Data(#"{"manifests":[]}"#.utf8).write(to: layout.appendingPathComponent("index.json"))
        try Data(bytes ?? BundleFixture.randomBytes(count: size, seed: 3)).write(
            to: layout.appendingPathComponent("blobs/sha256/\(name)"))
        let server = try FakeDistributionServer(layout: layout, scenario: "ok", in: temp)
        let blob = try #require(URL(string: "http://127.0.0.1:\(server.port)/v2/test/model/blobs/sha256:\(name)"))
        return (server, try server.reference(), blob)
    }

    /// What the work captured is released on the calling thread by the time the call returns, whether the work
    /// succeeded or failed. Before the fix the last worker thread to exit released it (most of 40 rounds).
    @Test func whatTheWorkCapturedIsReleasedOnTheCallingThreadBeforeTheCallReturns() throws {
        let client = try DistributionClient(
            repository: try OCIReference(parsing: "http://127.0.0.1:9/test/model"), credentials: .some(nil))
        let caller = pthread_self()
        for round in 0..<40 {
            let releases = ReleaseLog()
            do {
                try client.forEachConcurrently(Array(0..<8)) { [probe = Probe(released: releases.record)] item in
                    _ = probe
                    if round % 2 == 1 && item == 5 { throw Refused() }
                }
                #expect(round % 2 == 0, "round \(round) should have thrown")
            } catch is Refused {
                #expect(round % 2 == 1, "round \(round) should not have thrown")
            }
            let threads = releases.threads
            #expect(threads.count == 1, "round \(round): the work was released \(threads.count) times before return")
            #expect(
                threads.allSatisfy { pthread_equal($0, caller) != 0 },
                "round \(round): the work was released on a worker thread")
        }
    }

    /// Many clients, each downloading blobs into files on its own URLSessions (as a pull does), one download
    /// failing, and dropped right after: the way the full fault sweep's pulls ended. Before the fix this aborted
    /// the process (heap corruption) within a few rounds; now every round ends cleanly.
    @Test func clientsDroppedRightAfterAFailedParallelDownloadLeaveTheProcessWhole() throws {
        try withTemporaryDirectory { temp in
            let bytes = BundleFixture.randomBytes(count: 64 << 10, seed: 5)
            let digest = SHA256Algorithm().hash(bytes)
            let (server, reference, _) = try Self.serveBlob(temp, size: 0, named: digest.hex, bytes: bytes)
            defer { server.stop() }
            let descriptor = OCIDescriptor(
                mediaType: "application/octet-stream", digest: digest, size: Int64(bytes.count))
            let downloads = temp.appendingPathComponent("downloads")
            var failures = 0
            for round in 0..<100 {
                try? FileManager.default.removeItem(at: downloads)
                try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: false)
                let client = try DistributionClient(repository: reference, credentials: .some(nil))
                do {
                    try client.forEachConcurrently(Array(0..<4)) { item in
                        let path = downloads.appendingPathComponent("\(item)").path
                        try client.downloadBlob(descriptor, to: path)
                        if item == 3 { throw Refused() }
                    }
                } catch is Refused {
                    failures += 1
                }
                #expect(failures == round + 1)
            }
        }
    }

    /// A download abandoned mid-flight by its sink (a failed write) ends with the sink's error, and the session
    /// it ran on serves the next request whole: 200 rounds of a 2 MiB answer abandoned at its first chunk.
    @Test func aDownloadAbandonedByItsSinkEndsWithTheSinksErrorAndTheSessionServesOn() throws {
        try withTemporaryDirectory { temp in
            let (server, _, blob) = try Self.serveBlob(temp, size: 2 << 20)
            defer { server.stop() }
            let pool = HTTPSessionPool(timeout: 20, queueLimit: 128)
            for _ in 0..<200 {
                let sink = HTTPExchange.Sink(begin: { _, _ in }, write: { _ in throw Refused() })
                #expect(throws: Refused.self) {
                    _ = try HTTPExchange.send(
                        URLRequest(url: blob), body: .none, limit: 1 << 20, sink: sink, pool: pool)
                }
            }
            let received = ByteCount()
            let sink = HTTPExchange.Sink(begin: { _, _ in }, write: { received.add($0.count) })
            let response = try HTTPExchange.send(
                URLRequest(url: blob), body: .none, limit: 1 << 20, sink: sink, pool: pool)
            #expect(response.status == 200)
            #expect(received.value == 2 << 20)
        }
    }

    final class ReleaseLog: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [pthread_t] = []
        func record(_ thread: pthread_t) { lock.withLock { recorded.append(thread) } }
        var threads: [pthread_t] { lock.withLock { recorded } }
    }

    final class ByteCount: @unchecked Sendable {
        private let lock = NSLock()
        private var total = 0
        func add(_ count: Int) { lock.withLock { total += count } }
        var value: Int { lock.withLock { total } }
    }
}
