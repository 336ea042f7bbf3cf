import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `openForLoading(alias:)`, stamps recorded at registration and in the per-user cache, and read-only registries.
@Suite struct LoadingTests {
    /// A registry with one copy-mode registration promoted to `champion`, and a per-user cache beside it.
    struct Fixture {
        let temp: URL
        let registry: Registry
        let id: ArtifactID
        var userCache: URL { temp.appendingPathComponent("user-cache") }
        var root: URL { registry.layout.root }

        func readOnly() throws -> Registry {
            var configuration = Registry.Configuration()
            configuration.userStampCache = userCache
            return try Registry.open(at: root, configuration: configuration, forWriting: false)
        }

        static func with(_ body: (Fixture) throws -> Void) throws {
            try withTemporaryDirectory { temp in
                var configuration = Registry.Configuration(actor: "tester")
                configuration.userStampCache = temp.appendingPathComponent("user-cache")
                let registry = try Registry.create(
                    at: temp.appendingPathComponent("registry"), configuration: configuration)
                let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
                let id = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "classifier"))
                    .artifact.id
                try registry.promote("champion", to: id)
                try body(Fixture(temp: temp, registry: registry, id: id))
            }
        }
    }

    @Test func openForLoadingByAliasReturnsTheRecordAndNeedsNoRehashAfterACopyRegistration() throws {
        try Fixture.with { f in
            let loaded = try f.registry.openForLoading(alias: "champion")
            #expect(loaded.alias == (try f.registry.resolve("champion")))
            #expect(loaded.artifact.id == f.id && loaded.verification.isClean)
            #expect(loaded.rehashed == [] && loaded.bytesHashed == 0, "copy mode stamps what it wrote")
            // The same from a separate, read-only handle: the stamps in indexes/stamps are shared.
            let reader = try f.readOnly()
            #expect(try reader.openForLoading(alias: "champion").rehashed == [])
        }
    }

    @Test func aFileWithoutStampIsRehashedAndTheReasonIsReported() throws {
        try Fixture.with { f in
            try FileManager.default.removeItem(atPath: f.registry.layout.indexesPath + "/stamps")
            let first = try f.registry.openForLoading(artifact: f.id)
            #expect(!first.rehashed.isEmpty && first.rehashed.allSatisfy { $0.reason == .notStamped })
            #expect(first.bytesHashed == first.artifact.manifest.totalSize)
            #expect(try f.registry.openForLoading(artifact: f.id).rehashed == [])

            // A changed stamp (a chmod changes ctime) is re-hashed, and named as such.
            let weights = try #require(first.artifact.url(for: "weights.bin")).path
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: weights)
            let again = try f.registry.openForLoading(artifact: f.id)
            #expect(again.rehashed == [.init(path: "weights.bin", reason: .stampChanged)])
        }
    }

    @Test func openForLoadingByAliasRefusesARevokedTargetAndChangedBytes() throws {
        try Fixture.with { f in
            #expect(registryErrorCode { _ = try f.registry.openForLoading(alias: "absent") } == .notFound)
            let weights = f.registry.layout.artifactPath(f.id) + "/weights.bin"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: weights)
            let handle = try #require(FileHandle(forWritingAtPath: weights))
            try handle.write(contentsOf: Data([0xFF]))
            try handle.close()
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: weights)
            do {
                _ = try f.registry.openForLoading(alias: "champion")
                Issue.record("changed bytes were served")
            } catch let error as RegistryError {
                #expect(error.code == .digestMismatch && error.message.contains("alias 'champion'"))
            }
            try f.registry.setState(f.id, to: .revoked)
            #expect(registryErrorCode { _ = try f.registry.openForLoading(alias: "champion") } == .revoked)
        }
    }

    @Test func verifyDeepPrestampsAndAReadOnlyUserKeepsItsStampsInItsOwnCache() throws {
        try Fixture.with { f in
            let stamps = f.registry.layout.indexesPath + "/stamps"
            try FileManager.default.removeItem(atPath: stamps)
            let reader = try f.readOnly()
            #expect(try reader.openForLoading(artifact: f.id).rehashed.count == BundleFixture.standard.count)
            #expect(!FileManager.default.fileExists(atPath: stamps), "a read-only registry writes no stamps into it")
            let cached = try FileManager.default.subpathsOfDirectory(atPath: f.userCache.path)
            #expect(cached.contains { $0.hasSuffix(f.id.description + ".json") })
            #expect(try reader.openForLoading(artifact: f.id).rehashed == [], "the per-user cache vouches now")

            // `modelreg verify --deep` stamps the registry itself, for every user.
            let outcome = try CLIRunner.run(["verify", f.id.description, "--deep", "--registry", f.root.path])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(FileManager.default.fileExists(atPath: stamps + "/" + f.id.description + ".json"))
        }
    }

    @Test func aReadOnlyRegistryServesEveryReadWithoutCreatingAnythingAndRefusesWrites() async throws {
        try await withTemporaryDirectory { temp in
            let registry = try await Registry.create(at: temp.appendingPathComponent("registry"))
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let id = try await registry.register(directory: bundle, metadata: ArtifactMetadata(name: "classifier"))
                .artifact.id
            try await registry.promote("champion", to: id)
            try FileManager.default.removeItem(atPath: registry.layout.indexesPath)
            try FileManager.default.removeItem(atPath: registry.layout.locksPath)
            let before = try snapshot(registry.layout.root)

            var configuration = Registry.Configuration()
            configuration.userStampCache = temp.appendingPathComponent("user-cache")
            let reader = try await Registry.open(
                at: registry.layout.root, configuration: configuration, forWriting: false)
            #expect(reader.isReadOnly)
            _ = try await reader.resolve("champion")
            _ = try await reader.artifact(id)
            _ = try await reader.listArtifacts()
            _ = try await reader.listAliases()
            _ = try await reader.aliasHistory("champion")
            _ = try await reader.verify(id, depth: .full)
            _ = try await reader.openForLoading(alias: "champion")
            _ = try await reader.query(.mostRecent(5))
            _ = try reader.fsck(depth: .quick)
            var changes = try reader.watch("champion", pollInterval: .milliseconds(10)).makeAsyncIterator()
            _ = try? await nextChange(&changes, within: 0.2)  // no change comes: the watcher ran and gave up
            #expect(registryErrorCode { try reader.promote("other", to: id) } == .unsupportedOperation)
            #expect(try snapshot(registry.layout.root) == before, "a read created, changed or removed a file")
        }
    }

    /// Every path under `root` with its modification time: what a read must leave unchanged.
    func snapshot(_ root: URL) throws -> [String: Date] {
        var result: [String: Date] = [:]
        let manager = FileManager.default
        for path in try manager.subpathsOfDirectory(atPath: root.path) {
            let attributes = try manager.attributesOfItem(atPath: root.path + "/" + path)
            result[path] = attributes[.modificationDate] as? Date
        }
        return result
    }
}
