import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// A hostile or broken registry (FORMAT.md §15.8): bytes with another digest, truncated bodies, 401/403/404/416/429/500,
/// a redirect to another host, a 100 MB manifest, a layer path that escapes. Clear errors; nothing published and
/// nothing left in `staging/`; credentials never follow a redirect to another host.
@Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
struct OCIDistributionBadInputTests {
    /// A fixture exported to a layout the fake server serves, and an empty registry to pull into.
    private static func prepare(_ temp: URL) throws -> (fixture: OCILayoutFixture, layout: URL, target: Registry) {
        let fixture = try OCILayoutFixture(temp: temp)
        let layout = temp.appendingPathComponent("served")
        try fixture.registry.exportOCILayout("champion", to: layout)
        return (fixture, layout, try fixture.freshRegistry())
    }

    private static var quick: OCITransferOptions {
        var options = OCITransferOptions()
        options.looksUpCredentials = false
        options.settings.retryDelay = .milliseconds(5)
        options.settings.timeout = 20
        return options
    }

    /// Nothing in `artifacts/`, nothing left in `staging/`, no event.
    private static func expectNothingPublished(_ registry: Registry) throws {
        #expect(try registry.listArtifacts().isEmpty)
        #expect(OCILayoutFixture.stagingLeftovers(registry).isEmpty, "\(OCILayoutFixture.stagingLeftovers(registry))")
        var count = 0
        try registry.journal.forEachEvent { _ in count += 1 }
        #expect(count == 0)
    }

    @Test func aPullFromAWellBehavedServerWorks() throws {
        try withTemporaryDirectory { temp in
            let (fixture, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "ok", in: temp)
            let pulled = try target.pull(try server.reference(), options: Self.quick)
            #expect(pulled.imported.registration.artifact.id == fixture.id)
            #expect(pulled.imported.signatures.count == 1 && pulled.imported.evaluations.count == 1)
            #expect(server.requests().allSatisfy { $0.method == "GET" || $0.method == "HEAD" })
        }
    }

    @Test func bytesWithAnotherDigestAreRefusedAndNothingIsPublished() throws {
        try withTemporaryDirectory { temp in
            let (_, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "wrong-digest", in: temp)
            let error = try #require(throws: RegistryError.self) {
                try target.pull(try server.reference(), options: Self.quick)
            }
            #expect(error.code == .digestMismatch && error.message.contains("served"), "\(error)")
            try Self.expectNothingPublished(target)
        }
    }

    @Test func aTruncatedDownloadIsResumedWithARangeRequest() throws {
        try withTemporaryDirectory { temp in
            let (fixture, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "truncated-once", in: temp)
            let pulled = try target.pull(try server.reference(), options: Self.quick)
            #expect(pulled.imported.registration.artifact.id == fixture.id)
            let ranges = server.requests().compactMap(\.range)
            #expect(ranges == ["bytes=50000-99999"], "the half on disk is kept and re-hashed: \(ranges)")
        }
    }

    @Test func aBlobIsDownloadedInOneRequestHoweverSmallTheBudget() throws {
        try withTemporaryDirectory { temp in
            let (fixture, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "ok", in: temp)
            var options = Self.quick
            // Room for two 16 KiB chunks per session: the delegate queue holds libcurl back, no Range is needed.
            options.settings.downloadBufferBudget = 30_000
            options.settings.maximumParallelTransfers = 1
            let pulled = try target.pull(try server.reference(), options: options)
            #expect(pulled.imported.registration.artifact.id == fixture.id)
            let blobGets = server.requests().filter { $0.method == "GET" && $0.path.contains("/blobs/") }
            #expect(blobGets.allSatisfy { $0.range == nil }, "no Range on a fresh download: \(blobGets)")
            #expect(
                blobGets.count == Set(blobGets.map(\.path)).count,
                "one GET per blob, the 100 kB weights included: \(blobGets)")
            #expect(try target.verify(fixture.id).isClean)
        }
    }

    @Test(arguments: [2, 3])
    func atMostTheParallelTransfersSettingOfBlobDownloadsRunAtOnce(parallel: Int) throws {
        try withTemporaryDirectory { temp in
            let (fixture, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "slow-blobs", in: temp)
            var options = Self.quick
            options.settings.maximumParallelTransfers = parallel
            options.settings.maximumParallelDownloads = 8  // more downloads than the transfers setting allows
            let pulled = try target.pull(try server.reference(), options: options)
            #expect(pulled.imported.registration.artifact.id == fixture.id)
            #expect(pulled.downloadedBlobs >= 4, "enough blobs to run in parallel")
            let concurrency = server.concurrentBlobRequests()
            #expect(concurrency.max() ?? 0 <= parallel, "\(concurrency)")
            #expect(concurrency.max() ?? 0 > 1, "the blobs were downloaded one at a time: \(concurrency)")
        }
    }

    @Test(arguments: [2, 3])
    func atMostTheParallelTransfersSettingOfBlobUploadsRunAtOnce(parallel: Int) throws {
        try withTemporaryDirectory { temp in
            let (fixture, layout, _) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "slow-uploads", in: temp)
            var options = Self.quick
            options.settings.maximumParallelTransfers = parallel
            let pushed = try fixture.registry.push(fixture.id.description, to: try server.reference(), options: options)
            #expect(pushed.uploadedBlobs >= 4, "enough blobs to run in parallel: \(pushed.uploadedBlobs)")
            let concurrency = server.concurrentBlobRequests()
            #expect(concurrency.count >= pushed.uploadedBlobs, "\(concurrency)")
            #expect(concurrency.max() ?? 0 <= parallel, "\(concurrency)")
            #expect(concurrency.max() ?? 0 > 1, "the blobs were uploaded one at a time: \(concurrency)")
        }
    }

    @Test func theParallelDownloadsSettingBoundsDownloadsBelowTheTransfersSetting() throws {
        try withTemporaryDirectory { temp in
            let (fixture, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "slow-blobs", in: temp)
            var options = Self.quick
            options.settings.maximumParallelTransfers = 4
            // The default: 2 downloads at once.
            let pulled = try target.pull(try server.reference(), options: options)
            #expect(pulled.imported.registration.artifact.id == fixture.id)
            let concurrency = server.concurrentBlobRequests()
            #expect(concurrency.max() ?? 0 <= 2, "\(concurrency)")
            #expect(concurrency.max() ?? 0 > 1, "the blobs were downloaded one at a time: \(concurrency)")
        }
    }

    @Test func aRefusedRange416DiscardsThePartialFileAndStartsOver() throws {
        try withTemporaryDirectory { temp in
            let (fixture, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "range-416", in: temp)
            let pulled = try target.pull(try server.reference(), options: Self.quick)
            #expect(pulled.imported.registration.artifact.id == fixture.id)
            let big = server.requests().filter { $0.method == "GET" && $0.path.contains("/blobs/") && $0.range != nil }
            #expect(big.count == 1, "one Range request, answered 416, then the whole blob again")
        }
    }

    @Test func aBodyTruncatedEveryTimeFailsClearly() throws {
        try withTemporaryDirectory { temp in
            let (_, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "truncated-always", in: temp)
            let error = try #require(throws: RegistryError.self) {
                try target.pull(try server.reference(), options: Self.quick)
            }
            #expect([.digestMismatch, .remoteUnavailable].contains(error.code), "\(error)")
            #expect(error.message.contains("sha256:"), "the blob is named: \(error)")
            try Self.expectNothingPublished(target)
        }
    }

    @Test(arguments: [
        (401, RegistryError.Code.unauthorized, "MODELREG_REGISTRY_USERNAME"), (403, .unauthorized, "403"),
        (404, .notFound, "404"), (429, .remoteUnavailable, "request rate"), (500, .remoteUnavailable, "500"),
    ])
    func errorStatusesBecomeClearErrors(status: Int, code: RegistryError.Code, words: String) throws {
        try withTemporaryDirectory { temp in
            let (_, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "status-\(status)", in: temp)
            let error = try #require(throws: RegistryError.self) {
                try target.pull(try server.reference(), options: Self.quick)
            }
            #expect(error.code == code && error.message.contains(words), "\(error)")
            #expect(error.message.contains("127.0.0.1"), "the registry is named: \(error)")
            let attempts = server.requests().filter { $0.path.contains("/manifests/") }.count
            if status >= 429 {
                #expect(attempts == Self.quick.settings.maximumAttempts, "retried with backoff: \(attempts)")
            } else {
                #expect(attempts <= 2, "not retried: \(attempts)")
            }
            try Self.expectNothingPublished(target)
        }
    }

    @Test func aRedirectToAnotherHostNeverCarriesTheCredentials() throws {
        try withTemporaryDirectory { temp in
            let (fixture, layout, target) = try Self.prepare(temp)
            let elsewhere = try FakeDistributionServer(layout: layout, scenario: "ok", in: temp)
            let server = try FakeDistributionServer(
                layout: layout, scenario: "redirect", in: temp, redirectPort: elsewhere.port)
            var options = Self.quick
            options.credentials = DistributionCredentials(username: "u", password: "p")
            let pulled = try target.pull(try server.reference(), options: options)
            #expect(pulled.imported.registration.artifact.id == fixture.id, "the other host's bytes are checked")
            #expect(server.requests().contains { $0.authorized }, "the registry itself gets them")
            let redirected = elsewhere.requests()
            #expect(!redirected.isEmpty && redirected.allSatisfy { !$0.authorized }, "\(redirected)")
        }
    }

    @Test func aHundredMegabyteManifestIsCutOffAt4MiB() throws {
        try withTemporaryDirectory { temp in
            let (_, layout, target) = try Self.prepare(temp)
            let server = try FakeDistributionServer(layout: layout, scenario: "huge-manifest", in: temp)
            let error = try #require(throws: RegistryError.self) {
                try target.pull(try server.reference(), options: Self.quick)
            }
            #expect(error.code == .invalidArgument && error.message.contains("more than 4194304 bytes"), "\(error)")
            try Self.expectNothingPublished(target)
        }
    }

    @Test func aLayerPathThatEscapesIsRefusedBeforeAnyLayerIsDownloaded() throws {
        try withTemporaryDirectory { temp in
            let (_, layout, target) = try Self.prepare(temp)
            try OCILayoutFixture.rewriteModel(layout, tag: "champion") { manifest in
                manifest.layers[0].annotations[OCIMediaType.filePathAnnotation] = "../escaped.bin"
            }
            let server = try FakeDistributionServer(layout: layout, scenario: "ok", in: temp)
            let error = try #require(throws: RegistryError.self) {
                try target.pull(try server.reference(), options: Self.quick)
            }
            #expect(error.code == .invalidPath, "\(error)")
            let fetched = server.requests().filter { $0.path.contains("/blobs/") }
            #expect(fetched.count <= 1, "only the config was read: \(fetched)")
            #expect(!FileManager.default.fileExists(atPath: temp.appendingPathComponent("escaped.bin").path))
            try Self.expectNothingPublished(target)
        }
    }

    @Test func credentialsComeFromTheEnvironmentOrTheDockerConfigAndAreNeverShown() throws {
        try withTemporaryDirectory { temp in
            let config = temp.appendingPathComponent("config.json")
            let auth = Data("alice:s3cret-pass".utf8).base64EncodedString()
            try Data(#"{"auths":{"registry.example:5000":{"auth":"\#(auth)"}}}"#.utf8).write(to: config)
            let fromFile = try DistributionCredentials.lookup(
                host: "registry.example:5000", environment: ["DOCKER_CONFIG": temp.path])
            #expect(fromFile == DistributionCredentials(username: "alice", password: "s3cret-pass"))
            #expect(!"\(String(describing: fromFile))".contains("s3cret"))
            #expect(
                try DistributionCredentials.lookup(host: "other:1", environment: ["DOCKER_CONFIG": temp.path]) == nil)
            let fromEnvironment = try DistributionCredentials.lookup(
                host: "registry.example:5000",
                environment: [
                    "DOCKER_CONFIG": temp.path, "MODELREG_REGISTRY_USERNAME": "bob",
                    "MODELREG_REGISTRY_PASSWORD": "pw",
                ])
            #expect(fromEnvironment?.username == "bob", "the environment wins")
            try Data(#"{"auths":{"bad:1":{"auth":"%%%not-base64-secret"}}}"#.utf8).write(to: config)
            let error = try #require(throws: RegistryError.self) {
                try DistributionCredentials.lookup(host: "bad:1", environment: ["DOCKER_CONFIG": temp.path])
            }
            #expect(error.code == .invalidDocument && !error.message.contains("not-base64-secret"), "\(error)")
        }
    }

    @Test func referencesAndOCIRemotesAreParsedAndChecked() throws {
        let reference = try OCIReference(parsing: "http://localhost:5000/team/model:v1")
        #expect(reference.isInsecure && reference.host == "localhost:5000" && reference.repository == "team/model")
        #expect(reference.tag == "v1" && reference.apiBase == "http://localhost:5000/v2/")
        let secure = try OCIReference(parsing: "oci://ghcr.io/org/model@sha256:" + String(repeating: "a", count: 64))
        #expect(!secure.isInsecure && secure.digest != nil && secure.tag == nil)
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("r"))
            let remote = try registry.addRemote(name: "hub", url: "https://registry.example.com/team/models/")
            #expect(remote.kind == .oci && remote.url == "oci://registry.example.com/team/models")
            let plain = try registry.addRemote(name: "local", url: "http://127.0.0.1:5000/models")
            #expect(plain.kind == .oci && plain.url == "http://127.0.0.1:5000/models")
            #expect(try registry.remotes().map(\.name) == ["hub", "local"])
        }
    }
}
