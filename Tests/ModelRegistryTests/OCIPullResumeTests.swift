import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// A pull that dies mid-blob leaves what arrived in `staging/downloads/` (FORMAT.md §15.8): the next pull of the
    /// same reference re-hashes it and asks only for the rest with `Range: bytes=N-`; a 416, or a kept start that is
    /// not the blob's, discards it and downloads the whole blob; `gc` removes partial downloads past the grace
    /// period. The first pull is a real `modelreg pull` killed with SIGKILL once half of the 100 kB weights is on
    /// disk (the fake registry drops the connection there; the crash point fires before the retry).
    @Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
    struct OCIPullResumeTests {
        /// The weights blob's partial download name and its size.
        private static let weightsSize: Int64 = 100_000

        private static var options: OCITransferOptions {
            var options = OCITransferOptions()
            options.looksUpCredentials = false
            options.settings.retryDelay = .milliseconds(5)
            return options
        }

        /// A fixture served by a fake registry that drops the weights' first download halfway, a target registry,
        /// and a `modelreg pull` into it killed right after that half reached `staging/downloads/`.
        private static func killedPull(_ temp: URL) throws -> (
            fixture: OCILayoutFixture, layout: URL, target: Registry, server: FakeDistributionServer
        ) {
            let fixture = try OCILayoutFixture(temp: temp)
            let (layout, server) = try fixture.serve("truncated-once")
            let root = temp.appendingPathComponent("target")
            _ = try Registry.create(at: root)
            try runKilled(
                ["pull", try server.reference().description, "--registry", root.path], at: "oci.afterPartialDownload")
            let target = try Registry.open(at: root, configuration: OCILayoutFixture.trustingConfiguration())
            return (fixture, layout, target, server)
        }

        /// The partial download of the weights (the one blob of 100 kB) and its size on disk.
        private static func weightsPartial(_ registry: Registry) throws -> (name: String, size: Int64)? {
            for name in OCILayoutFixture.partialDownloads(registry) {
                let path = registry.layout.stagingPath + "/downloads/" + name
                let size = try #require(
                    try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber
                ).int64Value
                if size > 10_000 { return (name, size) }
            }
            return nil
        }

        /// Ranged GETs of blobs after the first `skip` requests.
        private static func blobGets(_ server: FakeDistributionServer, after skip: Int) -> [String?] {
            server.requests().dropFirst(skip).filter { $0.method == "GET" && $0.path.contains("/blobs/") }.map(\.range)
        }

        @Test func aPullKilledMidBlobIsResumedByTheNextPullWithARangeRequest() throws {
            try withTemporaryDirectory { temp in
                let (fixture, _, target, server) = try Self.killedPull(temp)
                let partial = try #require(try Self.weightsPartial(target), "the half that arrived is kept")
                #expect(partial.size == Self.weightsSize / 2)
                // Recovery leaves partial downloads alone: they are the next pull's to resume.
                _ = try target.recover()
                #expect(try target.fsck().isClean)
                #expect(try Self.weightsPartial(target)?.size == Self.weightsSize / 2)

                let before = server.requests().count
                let pulled = try target.pull(try server.reference(), options: Self.options)
                #expect(pulled.imported.registration.artifact.id == fixture.id)
                // The weights' half, and any small blob the killed pull had wholly written but not yet moved.
                #expect(
                    (Self.weightsSize / 2..<Self.weightsSize / 2 + 4096).contains(pulled.resumedBytes),
                    "\(pulled.resumedBytes)")
                let ranged = Self.blobGets(server, after: before).compactMap { $0 }
                #expect(ranged == ["bytes=50000-99999"], "only the missing half is asked for: \(ranged)")
                #expect(
                    pulled.downloadedBytes < Self.weightsSize,
                    "the weights' first half is not downloaded again: \(pulled.downloadedBytes) bytes")
                #expect(try target.verify(fixture.id).isClean)
                #expect(OCILayoutFixture.partialDownloads(target).isEmpty)
                #expect(OCILayoutFixture.stagingLeftovers(target).isEmpty)
                #expect(try target.fsck().isClean)
            }
        }

        @Test func aRefusedRange416DiscardsTheKilledPullsPartialAndDownloadsTheWholeBlob() throws {
            try withTemporaryDirectory { temp in
                let (fixture, layout, target, _) = try Self.killedPull(temp)
                #expect(try Self.weightsPartial(target)?.size == Self.weightsSize / 2)
                let refusing = try FakeDistributionServer(layout: layout, scenario: "range-416", in: temp)
                let pulled = try target.pull(try refusing.reference(), options: Self.options)
                #expect(pulled.imported.registration.artifact.id == fixture.id)
                #expect(pulled.resumedBytes < 4096, "the weights' start is not counted: \(pulled.resumedBytes)")
                let gets = Self.blobGets(refusing, after: 0)
                #expect(gets.compactMap { $0 } == ["bytes=50000-99999"], "one Range request, refused: \(gets)")
                #expect(pulled.downloadedBytes >= Self.weightsSize, "the whole blob again: \(pulled.downloadedBytes)")
                #expect(try target.verify(fixture.id).isClean)
                #expect(OCILayoutFixture.partialDownloads(target).isEmpty)
            }
        }

        @Test func aKeptStartThatIsNotTheBlobsIsDiscardedAndTheBlobDownloadedAgain() throws {
            try withTemporaryDirectory { temp in
                let (fixture, layout, target, _) = try Self.killedPull(temp)
                let partial = try #require(try Self.weightsPartial(target))
                // What a power cut can leave of an unsynced file: the right length, other bytes.
                try Data(count: Int(partial.size)).write(
                    to: URL(fileURLWithPath: target.layout.stagingPath + "/downloads/" + partial.name))
                let server = try FakeDistributionServer(layout: layout, scenario: "ok", in: temp)
                let pulled = try target.pull(try server.reference(), options: Self.options)
                #expect(pulled.imported.registration.artifact.id == fixture.id)
                #expect(pulled.resumedBytes < 4096, "the weights' start is not counted: \(pulled.resumedBytes)")
                let gets = Self.blobGets(server, after: 0)
                #expect(gets.contains("bytes=50000-99999") && gets.contains(nil), "resumed, then restarted: \(gets)")
                #expect(try target.verify(fixture.id).isClean)
                #expect(OCILayoutFixture.partialDownloads(target).isEmpty)
            }
        }

        @Test func garbageCollectionKeepsAYoungPartialDownloadAndRemovesAnOldOne() throws {
            try withTemporaryDirectory { temp in
                let (_, _, target, _) = try Self.killedPull(temp)
                let partial = try #require(try Self.weightsPartial(target))
                let relative = "staging/downloads/" + partial.name
                let kept = try target.collectGarbage()
                let young = try #require(kept.staging.first { $0.path == relative }, "\(kept.staging)")
                #expect(!young.collect && !young.removed, "\(young)")
                #expect(OCILayoutFixture.partialDownloads(target).contains(partial.name))

                let collected = try target.collectGarbage(.init(gracePeriod: .zero))
                let old = try #require(collected.staging.first { $0.path == relative }, "\(collected.staging)")
                #expect(old.collect && old.removed, "\(old)")
                #expect(!OCILayoutFixture.partialDownloads(target).contains(partial.name))
                #expect(try target.fsck().isClean)
            }
        }
    }
#endif
