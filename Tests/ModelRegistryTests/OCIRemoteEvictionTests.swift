import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A registry with one artifact and an `oci://` remote configured with `options` (FORMAT.md §15.9).
private struct OCIRemoteFixture {
    let registry: Registry
    let id: ArtifactID
    let files: [String: [UInt8]]
    /// The configuration the registry was made with: a copy of it, reopened, fetches from the remote the same way.
    let configuration: Registry.Configuration

    /// Transfer options for the fetch tests: no credentials looked up.
    static var offline: OCITransferOptions {
        var options = OCITransferOptions()
        options.looksUpCredentials = false
        return options
    }

    init(in temp: URL, options: OCITransferOptions) throws {
        var configuration = Registry.Configuration(actor: "tester")
        configuration.ociRemoteOptions = options
        self.configuration = configuration
        registry = try Registry.create(at: temp.appendingPathComponent("local"), configuration: configuration)
        files = [
            "weights.safetensors": BundleFixture.randomBytes(count: 300_000, seed: 21),
            "config/tokenizer.json": Array(#"{"vocab":3}"#.utf8),
        ]
        let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("bundle"))
        id = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "classifier")).artifact.id
    }

    /// Whether every bundle file is present locally with the registered bytes.
    func holdsOriginalBytes() -> Bool { holdsOriginalBytes(in: registry) }

    /// Whether every bundle file is present in `other` (a copy of the fixture's registry) with the registered bytes.
    func holdsOriginalBytes(in other: Registry) -> Bool {
        files.allSatisfy { path, bytes in
            FileManager.default.contents(atPath: other.layout.artifactPath(id) + "/" + path).map(Array.init) == bytes
        }
    }

    /// The bundle files present in `other` (a copy of the fixture's registry).
    func presentFiles(in other: Registry) -> [String] {
        files.keys.filter { FileManager.default.fileExists(atPath: other.layout.artifactPath(id) + "/" + $0) }
    }

    /// Exports the artifact to a layout the fake server serves as `test/model` (without the blob of `path`, when
    /// given) and adds that server as the remote `hub`.
    func serve(in temp: URL, scenario: String = "ok", dropping path: String? = nil) throws -> FakeDistributionServer {
        let layout = temp.appendingPathComponent("served")
        try registry.exportOCILayout(id.description, to: layout)
        if let path {
            let entry = try registry.artifacts.artifact(id).manifest.entry(at: path)
            let digest = try #require(entry).digest
            try FileManager.default.removeItem(at: OCILayoutFixture.blobPath(layout, digest))
        }
        let server = try FakeDistributionServer(layout: layout, scenario: scenario, in: temp)
        try registry.addRemote(name: "hub", url: "http://127.0.0.1:\(server.port)/test/model")
        return server
    }

    /// The bundle files present locally.
    func presentFiles() -> [String] { presentFiles(in: registry) }

    /// The fixture in `directory`, served (from `served`, by default `directory`) by the fake registry playing
    /// `scenario` as the remote `hub`, and evicted to it: where the fetch tests start. The caller stops the server.
    static func evicted(
        in directory: URL, servedFrom served: URL? = nil, options: OCITransferOptions = offline,
        scenario: String = "ok"
    ) throws -> (fixture: OCIRemoteFixture, server: FakeDistributionServer) {
        let fixture = try OCIRemoteFixture(in: directory, options: options)
        let server = try fixture.serve(in: served ?? directory, scenario: scenario)
        do {
            try fixture.registry.evict(fixture.id)
        } catch {
            server.stop()
            throw error
        }
        return (fixture, server)
    }

    /// Opens the copy of the fixture's registry at `root` the way the fixture's registry was opened.
    func open(_ root: URL) throws -> Registry {
        try Registry.open(at: root, configuration: configuration)
    }

    /// The checks after a fetch from the remote failed, or was killed, in `registry` (the fixture's registry or a
    /// copy of it): `recover`, then fsck (deep) is clean and a second `recover` finds nothing, nothing is left in
    /// `staging/` but partial downloads, the artifact is fetched whole or still evicted with none of its files,
    /// and fetching again restores the original bytes and leaves no partial download.
    ///
    /// - Returns: `fetched` or `evicted`, what the failed fetch left.
    @discardableResult
    func expectFetchedWholeOrStillEvicted(
        after registry: Registry, _ context: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let recovery = try registry.recover()
        let check = try registry.fsck(depth: .full)
        #expect(check.isClean, "\(context): \(check.findings) after \(recovery)", sourceLocation: sourceLocation)
        #expect(
            try registry.secondRecovery().isClean, "\(context): a second recovery found work",
            sourceLocation: sourceLocation)
        #expect(
            OCILayoutFixture.stagingLeftovers(registry).isEmpty,
            "\(context): \(OCILayoutFixture.stagingLeftovers(registry))", sourceLocation: sourceLocation)
        let outcome: String
        if try registry.eviction(of: id) == nil {
            outcome = "fetched"
            #expect(holdsOriginalBytes(in: registry), "\(context): fetched whole", sourceLocation: sourceLocation)
        } else {
            outcome = "evicted"
            let present = presentFiles(in: registry)
            #expect(
                present.isEmpty, "\(context): nothing half fetched, found \(present)", sourceLocation: sourceLocation)
            _ = try registry.fetch(id)
        }
        #expect(holdsOriginalBytes(in: registry), "\(context)", sourceLocation: sourceLocation)
        #expect(OCILayoutFixture.partialDownloads(registry) == [], "\(context)", sourceLocation: sourceLocation)
        #expect(try registry.fsck(depth: .full).isClean, "\(context)", sourceLocation: sourceLocation)
        return outcome
    }
}

/// Eviction to and fetch from an OCI remote, against the hostile fake registry: blobs confirmed by `HEAD` before
/// the bytes are dropped, downloads hashed before they are published, nothing published on bad bytes.
@Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
struct OCIRemoteEvictionFakeTests {
    private static var quick: OCITransferOptions {
        var options = OCITransferOptions()
        options.looksUpCredentials = false
        options.settings.retryDelay = .milliseconds(5)
        options.settings.timeout = 20
        return options
    }

    private static func serve(_ fixture: OCIRemoteFixture, _ temp: URL, scenario: String, dropping path: String? = nil)
        throws -> FakeDistributionServer
    {
        try fixture.serve(in: temp, scenario: scenario, dropping: path)
    }

    @Test func anEvictionConfirmsEveryBlobAndLoadingFetchesTheBytesBack() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCIRemoteFixture(in: temp, options: Self.quick)
            let server = try Self.serve(fixture, temp, scenario: "ok")
            let record = try fixture.registry.evict(fixture.id)
            #expect(record.remote == "hub")
            #expect(fixture.presentFiles().isEmpty)
            let heads = server.requests().filter { $0.method == "HEAD" }.map(\.path)
            #expect(heads.contains { $0.contains("/manifests/sha256:") }, "the model manifest is confirmed: \(heads)")
            #expect(heads.filter { $0.contains("/blobs/sha256:") }.count == 3, "2 files and manifest.json: \(heads)")

            let loaded = try fixture.registry.openForLoading(artifact: fixture.id)
            #expect(loaded.fetched?.remote?.name == "hub" && loaded.fetched?.files == 2)
            #expect(fixture.holdsOriginalBytes())
            #expect(try fixture.registry.eviction(of: fixture.id) == nil)
            #expect(try fixture.registry.fsck().isClean)
            #expect(OCILayoutFixture.stagingLeftovers(fixture.registry).isEmpty)
        }
    }

    @Test func anEvictionIsRefusedWhenTheRemoteLacksABlob() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCIRemoteFixture(in: temp, options: Self.quick)
            let server = try Self.serve(fixture, temp, scenario: "ok", dropping: "weights.safetensors")
            let error = try #require(throws: RegistryError.self) { try fixture.registry.evict(fixture.id) }
            #expect(server.requests().allSatisfy { $0.method == "HEAD" }, "an eviction only asks")
            #expect(error.code == .remoteUnavailable, "\(error)")
            #expect(
                error.message.contains("weights.safetensors") && error.message.contains("modelreg push"), "\(error)")
            #expect(fixture.holdsOriginalBytes())
            #expect(try fixture.registry.eviction(of: fixture.id) == nil)
        }
    }

    @Test func anEvictionIsRefusedWhenTheRemoteCannotBeReached() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCIRemoteFixture(in: temp, options: Self.quick)
            // A port nothing listens on any more: the server is stopped after the remote was added.
            let server = try Self.serve(fixture, temp, scenario: "ok")
            server.stop()
            let error = try #require(throws: RegistryError.self) { try fixture.registry.evict(fixture.id) }
            #expect(error.code == .remoteUnavailable, "\(error)")
            #expect(fixture.holdsOriginalBytes())
        }
    }

    /// A remote that fails the download — 404, 401, 500, a body cut short every time, or gone altogether — gets
    /// the typed error; nothing is published, the artifact stays evicted with its record, `fsck` is clean and
    /// `staging/` empty.
    @Test(arguments: [
        ("blob-status-404", RegistryError.Code.remoteUnavailable), ("blob-status-401", .unauthorized),
        ("blob-status-500", .remoteUnavailable), ("truncated-always", .remoteUnavailable),
        ("gone", .remoteUnavailable),
    ])
    func aFetchFromAFailingRemoteLosesNothing(scenario: String, code: RegistryError.Code) throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCIRemoteFixture(in: temp, options: Self.quick)
            let server = try Self.serve(fixture, temp, scenario: scenario == "gone" ? "ok" : scenario)
            try fixture.registry.evict(fixture.id)
            if scenario == "gone" { server.stop() }
            defer { server.stop() }
            let error = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            let codes: [RegistryError.Code] = scenario == "truncated-always" ? [code, .digestMismatch] : [code]
            #expect(codes.contains(error.code), "\(scenario): \(error)")
            #expect(error.message.contains("sha256:") || error.message.contains("127.0.0.1"), "named: \(error)")
            #expect(fixture.presentFiles().isEmpty, "nothing published")
            #expect(try fixture.registry.eviction(of: fixture.id) != nil, "still evicted")
            #expect(try fixture.registry.fsck().isClean)
            #expect(OCILayoutFixture.stagingLeftovers(fixture.registry).isEmpty)
        }
    }

    /// A fetch is eviction's way back, and downloads as a pull does (FORMAT.md §15.9): a fetch whose weights arrive
    /// cut short every time fails and leaves the half that arrived in `staging/downloads/`; the next fetch
    /// re-hashes it and asks only for the rest with a `Range` request.
    @Test func aFailedFetchLeavesItsPartialDownloadAndTheNextFetchResumesIt() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCIRemoteFixture(in: temp, options: Self.quick)
            let weights = Int64(fixture.files["weights.safetensors"]?.count ?? 0)
            let cutting = try Self.serve(fixture, temp, scenario: "truncated-always")
            try fixture.registry.evict(fixture.id)
            let error = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            #expect([.remoteUnavailable, .digestMismatch].contains(error.code), "\(error)")
            cutting.stop()
            let partials = OCILayoutFixture.partialDownloads(fixture.registry)
            #expect(partials.count == 1, "the weights' partial download is kept: \(partials)")
            let partialPath = try fixture.registry.layout.stagingPath + "/downloads/" + #require(partials.first)
            let kept = try #require(
                try FileManager.default.attributesOfItem(atPath: partialPath)[.size] as? NSNumber
            ).int64Value
            #expect(kept == weights / 2, "the half that arrived: \(kept) bytes")
            #expect(fixture.presentFiles().isEmpty && OCILayoutFixture.stagingLeftovers(fixture.registry).isEmpty)

            // The same blobs served whole (ranges honoured), on the remote's new address.
            let serving = try FakeDistributionServer(
                layout: temp.appendingPathComponent("served"), scenario: "truncated-once", in: temp)
            defer { serving.stop() }
            try fixture.registry.addRemote(name: "mirror", url: "http://127.0.0.1:\(serving.port)/test/model")
            let report = try fixture.registry.fetch(fixture.id, from: "mirror")
            #expect(report.files == 2 && report.resumedBytes == kept, "\(report.resumedBytes) of \(kept) resumed")
            let ranged = serving.requests().filter { $0.method == "GET" }.compactMap(\.range)
            #expect(ranged == ["bytes=\(kept)-\(weights - 1)"], "only the missing half is asked for: \(ranged)")
            #expect(fixture.holdsOriginalBytes())
            #expect(OCILayoutFixture.partialDownloads(fixture.registry).isEmpty, "moved into the artifact")
            #expect(try fixture.registry.fsck().isClean)
        }
    }

    @Test func aFetchOfBytesWithAnotherDigestPublishesNothing() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCIRemoteFixture(in: temp, options: Self.quick)
            let server = try Self.serve(fixture, temp, scenario: "wrong-digest")
            try fixture.registry.evict(fixture.id)
            defer { server.stop() }
            let error = try #require(throws: RegistryError.self) { try fixture.registry.fetch(fixture.id) }
            #expect(error.code == .digestMismatch && error.message.contains("weights.safetensors"), "\(error)")
            #expect(fixture.presentFiles().isEmpty, "nothing published")
            #expect(try fixture.registry.eviction(of: fixture.id) != nil, "still evicted")
            #expect(OCILayoutFixture.stagingLeftovers(fixture.registry).isEmpty)
        }
    }

    @Test func aRetryAfterIsHonouredWithinItsBound() throws {
        try withTemporaryDirectory { temp in
            let source = try OCILayoutFixture(temp: temp)
            let layout = temp.appendingPathComponent("served")
            try source.registry.exportOCILayout("champion", to: layout)
            // An hour asked for, in seconds and as an HTTP date: the bound (50 ms) is what is waited.
            for wait in ["3600", "Fri,_31_Dec_2100_23:59:59_GMT"] {
                let server = try FakeDistributionServer(layout: layout, scenario: "retry-after-" + wait, in: temp)
                var options = Self.quick
                options.settings.maximumRetryAfter = .milliseconds(50)
                let target = try source.freshRegistry("target-\(wait.count)")
                let pulled = try target.pull(try server.reference(), options: options)
                #expect(pulled.imported.registration.artifact.id == source.id)
                let manifestGets = server.requests().filter { $0.path.contains("/manifests/champion") }
                #expect(manifestGets.count == 2, "429, then the retry: \(manifestGets)")
            }
        }
    }

    @Test func aRetryAfterOutlastingTheAttemptsIsReportedAsRateLimited() throws {
        try withTemporaryDirectory { temp in
            let source = try OCILayoutFixture(temp: temp)
            let (_, server) = try source.serve("retry-after-3600")
            var options = Self.quick
            options.settings.maximumAttempts = 1
            let target = try source.freshRegistry()
            let error = try #require(throws: RegistryError.self) {
                try target.pull(try server.reference(), options: options)
            }
            #expect(error.code == .remoteUnavailable && error.message.contains("429"), "\(error)")
            #expect(try target.listArtifacts().isEmpty)
        }
    }

    @Test func aBearerTokenIsFetchedWithTheCredentialsWhichAreNeverShown() throws {
        try withTemporaryDirectory { temp in
            let source = try OCILayoutFixture(temp: temp)
            let (_, server) = try source.serve("bearer")
            var options = Self.quick
            options.credentials = DistributionCredentials(username: "u", password: "p")
            let pulled = try source.freshRegistry().pull(try server.reference(), options: options)
            #expect(pulled.imported.registration.artifact.id == source.id)
            let tokenRequests = server.requests().filter { $0.path.hasPrefix("/token") }
            #expect(tokenRequests.count == 1, "one token for the whole pull: \(tokenRequests)")
            #expect(tokenRequests.allSatisfy { $0.authorized })
            #expect(tokenRequests.first?.path.contains("scope=repository") == true)

            // Refused credentials: a clear error that shows neither the password nor any token.
            let password = "hunter2-not-for-logs"
            options.credentials = DistributionCredentials(username: "u", password: password)
            let error = try #require(throws: RegistryError.self) {
                try source.freshRegistry("second").pull(try server.reference(), options: options)
            }
            #expect(error.code == .unauthorized && error.message.contains("token service"), "\(error)")
            #expect(!"\(error)".contains(password) && !"\(error)".contains("s3cr3t"))
            #expect(!"\(error)".contains("aHVudGVy"), "not base64 of the password either")
        }
    }

    @Test func theCLINeverPrintsCredentials() throws {
        try withTemporaryDirectory { temp in
            let source = try OCILayoutFixture(temp: temp)
            let (_, server) = try source.serve("bearer")
            let target = temp.appendingPathComponent("cli-target")
            _ = try source.freshRegistry("cli-target")
            let password = "hunter2-not-for-logs"
            for (user, secret) in [("u", "p"), ("u", password)] {
                let result = try CLIRunner.run(
                    [
                        "pull", "http://127.0.0.1:\(server.port)/test/model:champion", "--json", "--registry",
                        target.path,
                    ],
                    environment: ["MODELREG_REGISTRY_USERNAME": user, "MODELREG_REGISTRY_PASSWORD": secret])
                let output = result.stdout + result.stderr
                #expect(!output.contains(password) && !output.contains("s3cr3t"), "\(output)")
                #expect(secret == "p" ? result.status == 0 : result.status != 0, "\(output)")
            }
        }
    }
}

/// Eviction to and fetch from a real CNCF Distribution 2.8 repository.
@Suite(.enabled(if: OCITestRegistry.address != nil, OCITestRegistry.skipReason))
struct OCIRemoteEvictionRegistryTests {
    @Test func anArtifactPushedToTheRemoteIsEvictedAndFetchedBack() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCIRemoteFixture(in: temp, options: OCITestRegistry.options)
            let repository = try OCITestRegistry.repository()
            try fixture.registry.addRemote(name: "hub", url: "http://\(repository.host)/\(repository.repository)")

            // Not pushed yet: refused, nothing dropped.
            let refused = try #require(throws: RegistryError.self) { try fixture.registry.evict(fixture.id) }
            #expect(refused.code == .remoteUnavailable && refused.message.contains("modelreg push"), "\(refused)")
            #expect(fixture.holdsOriginalBytes())

            try fixture.registry.push(fixture.id.description, to: repository, options: OCITestRegistry.options)
            try fixture.registry.evict(fixture.id)
            #expect(fixture.presentFiles().isEmpty)
            let report = try fixture.registry.fetch(fixture.id)
            #expect(report.files == 2 && report.bytes == 300_000 + 11)
            #expect(fixture.holdsOriginalBytes())
            #expect(try fixture.registry.verify(fixture.id).isClean)
            #expect(try fixture.registry.fsck().isClean)

            // Evicted again, and brought back by loading it.
            try fixture.registry.evict(fixture.id)
            let loaded = try fixture.registry.openForLoading(artifact: fixture.id)
            #expect(loaded.fetched?.files == 2)
            #expect(fixture.holdsOriginalBytes())
        }
    }
}

#if DEBUG
    /// Issue #14's rule for a fetch from an OCI remote: a real `modelreg fetch` reading the fake registry is killed
    /// at each crash point of the fetch write path; recovery leaves the artifact fetched completely or still
    /// evicted with nothing half fetched, fsck clean, staging empty, and a second fetch completes it.
    @Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
    struct OCIRemoteFetchCrashTests {
        @Test(arguments: EvictionCrashTests.fetchPoints)
        func aFetchFromAnOCIRemoteKilledAtAnyPointIsFinishedOrUndoneByRecovery(point: String) throws {
            try withTemporaryDirectory { temp in
                let (fixture, server) = try OCIRemoteFixture.evicted(in: temp)
                defer { server.stop() }  // serves until the test ends
                let root = fixture.registry.layout.rootPath
                try runKilled(["fetch", fixture.id.description, "--registry", root], at: point)
                try fixture.expectFetchedWholeOrStillEvicted(after: fixture.open(URL(fileURLWithPath: root)), point)
            }
        }
    }

    /// A fetch from an OCI remote downloads as a pull does (FORMAT.md §15.9): a real `modelreg fetch` killed once
    /// half of the weights reached `staging/downloads/` (the fake registry drops the first connection there)
    /// leaves that half, recovery leaves it alone, and the next fetch re-hashes it and asks only for the rest.
    @Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
    struct OCIRemoteFetchResumeTests {
        @Test func aFetchKilledMidBlobIsResumedByTheNextFetchWithARangeRequest() throws {
            try withTemporaryDirectory { temp in
                var options = OCIRemoteFixture.offline
                options.settings.retryDelay = .milliseconds(5)
                let (fixture, server) = try OCIRemoteFixture.evicted(
                    in: temp, options: options, scenario: "truncated-once")
                defer { server.stop() }
                let weights = Int64(fixture.files["weights.safetensors"]?.count ?? 0)
                let root = fixture.registry.layout.rootPath
                try runKilled(["fetch", fixture.id.description, "--registry", root], at: "oci.afterPartialDownload")

                let registry = try fixture.open(URL(fileURLWithPath: root))
                _ = try registry.recover()
                #expect(try registry.fsck().isClean)
                #expect(try registry.eviction(of: fixture.id) != nil, "still evicted")
                let sizes = OCILayoutFixture.partialDownloads(registry).compactMap { name in
                    (try? FileManager.default.attributesOfItem(
                        atPath: registry.layout.stagingPath + "/downloads/" + name)[.size] as? NSNumber)?.int64Value
                }
                #expect(sizes.contains(weights / 2), "recovery keeps the half that arrived: \(sizes)")

                let before = server.requests().count
                let report = try registry.fetch(fixture.id)
                // The weights' half, and the small file if the killed fetch had wholly written it but not moved it.
                #expect((weights / 2..<weights / 2 + 4096).contains(report.resumedBytes), "\(report.resumedBytes)")
                let ranged = server.requests().dropFirst(before).filter { $0.method == "GET" }.compactMap(\.range)
                #expect(ranged == ["bytes=\(weights / 2)-\(weights - 1)"], "only the missing half: \(ranged)")
                #expect(fixture.holdsOriginalBytes())
                #expect(OCILayoutFixture.partialDownloads(registry).isEmpty)
                #expect(OCILayoutFixture.stagingLeftovers(registry).isEmpty)
                #expect(try registry.fsck(depth: .full).isClean)
            }
        }
    }

    /// Issue #14's fault matrix for a fetch from an `oci://` remote (eviction's way back), through the loop the pull
    /// uses (``OCIFaultSweep``): every kind of call the fetch makes in the registry fails with each of EIO, ENOSPC,
    /// EACCES and EROFS, once and for good. CI: the kinds below, each errno at a sampled call, every other sample
    /// for good; `MODELREG_FULL_SWEEP=1`: every kind, every combination, every call. Each run starts from a copy of
    /// one evicted registry. The fetch throws a typed `RegistryError` or succeeds; after `recover` fsck is clean and a
    /// second `recover` finds nothing, the artifact is fetched whole or still evicted with none of its files, nothing
    /// is left in `staging/` but partial downloads, and fetching again restores the original bytes and leaves no
    /// partial download.
    ///
    /// Besides the sampled calls, EIO fails once at every call of the kinds in ``everyCallKinds`` (open, write,
    /// fsync, rename, mkdir, flock, unlink), in CI too: the sweep an earlier test of its own ran.
    @Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
    struct OCIRemoteFetchFaultMatrixTests {
        static let ciKinds: [SystemCall] = [.open, .write, .fsync, .rename, .mkdir, .flock, .unlink, .fstat]
        static let everyCallKinds: [SystemCall] = [.open, .write, .fsync, .rename, .mkdir, .flock, .unlink]

        /// The matrix, then EIO once at every call of ``everyCallKinds`` (until one no longer fires).
        static var plan: OCIFaultSweep.Plan {
            OCIFaultSweep.matrix(ciKinds: ciKinds, alternatingPersistence: true)
                + everyCallKinds.map {
                    (fault: OCIFaultSweep.Fault(call: $0, errno: EIO, persistent: false), calls: Array(0..<400))
                }
        }

        @Test func aFetchFailingWithEveryErrnoOnceAndForGoodLosesNothing() throws {
            try withTemporaryDirectory { temp in
                let (fixture, server) = try OCIRemoteFixture.evicted(in: temp)
                defer { server.stop() }  // serves until the test ends
                let template = URL(fileURLWithPath: fixture.registry.layout.rootPath)
                var errnos: Set<String> = []
                var persistentFailures = 0
                // The calls at which EIO once made a fetch fail.
                var failedOnceWithEIO: Set<String> = []
                var outcomes: Set<String> = []
                let (cases, failures) = try OCIFaultSweep.run(
                    in: temp.appendingPathComponent("cases", isDirectory: true), plan: Self.plan,
                    prepare: { root in
                        try FileManager.default.createDirectory(
                            at: root.deletingLastPathComponent(), withIntermediateDirectories: true)
                        try SystemCallCrashLoop.copy(template, to: root)
                        return try fixture.open(root)
                    }, reopen: fixture.open,
                    operation: { _ = try $0.fetch(fixture.id) }
                ) { run in
                    if let thrown = run.thrown {
                        #expect(thrown is RegistryError, "\(run.context): untyped \(thrown)")
                        errnos.insert(OCIFaultSweep.Fault.names[run.fault.errno] ?? "")
                        if run.fault.persistent { persistentFailures += 1 }
                        if run.fault.errno == EIO && !run.fault.persistent { failedOnceWithEIO.insert(run.context) }
                    }
                    outcomes.insert(try fixture.expectFetchedWholeOrStillEvicted(after: run.registry, run.context))
                }
                #expect(failures > 10, "the sweep made fetches fail (\(failures) of \(cases))")
                #expect(persistentFailures > 0, "no fault for good made a fetch fail")
                #expect(failedOnceWithEIO.count > 5, "EIO once made fetches fail at \(failedOnceWithEIO)")
                #expect(errnos == ["EIO", "ENOSPC", "EACCES", "EROFS"], "fetches failed with \(errnos)")
                #expect(outcomes.contains("evicted"), "no failed fetch left the artifact evicted: \(outcomes)")
            }
        }
    }

    /// Issue #14's per-call crash sweep for a fetch from an `oci://` remote: a real `modelreg fetch` reading the fake
    /// registry is killed before its n-th call through the file-system layer (`MODELREG_CRASH_AT_CALL=n`,
    /// ``SystemCallCrashLoop``), not only at the named points (``OCIRemoteFetchCrashTests``), each time on a copy of
    /// one evicted registry. After every kill: `recover`, then fsck (deep) is clean and a second `recover` finds
    /// nothing, nothing is left in `staging/` but partial downloads, the artifact is fetched whole or still evicted
    /// with none of its files, and fetching again restores the original bytes and leaves no partial download.
    /// `recover` is then killed before each of its calls on a copy the fetch's crash left work for.
    ///
    /// Runtime: CI kills every `stride`-th call (recovery every `recoveryStride`-th); `MODELREG_FULL_SWEEP=1` kills
    /// before every call.
    @Suite(.enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"))
    struct OCIRemoteFetchCrashSweepTests {
        static let stride = 11
        static let recoveryStride = 5

        @Test func aFetchKilledBeforeAnySystemCallIsFetchedWholeOrStillEvicted() throws {
            try withTemporaryDirectory { temp in
                let directory = try SystemCallCrashLoop.makeDirectory("fixture", in: temp)
                let (fixture, server) = try OCIRemoteFixture.evicted(in: directory, servedFrom: temp)
                defer { server.stop() }  // serves until the sweep ends
                try FileManager.default.removeItem(at: directory.appendingPathComponent("bundle"))

                var loop = try SystemCallCrashLoop(
                    fixture: directory, runsIn: temp,
                    arguments: ["fetch", fixture.id.description, "--registry", "local"],
                    stride: Self.stride, recoveryStride: Self.recoveryStride)
                loop.registryName = "local"
                let outcomes = try loop.sweepOperationAndRecovery(killedMoreThan: 5) { run, label in
                    try fixture.expectFetchedWholeOrStillEvicted(
                        after: fixture.open(run.appendingPathComponent("local")), label)
                }
                #expect(outcomes == ["evicted", "fetched"], "the kills left the artifact \(outcomes)")
            }
        }
    }
#endif
