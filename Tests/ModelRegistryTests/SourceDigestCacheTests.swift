import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// The source-digest cache (FORMAT.md §10.2): an unchanged source file is not read again; any change to its
/// stamp (size, mtime, ctime, inode) makes it read again; `rehash` reads everything.
@Suite struct SourceDigestCacheTests {
    static let weights = BundleFixture.randomBytes(count: 256 << 10, seed: 21)
    static let extra = BundleFixture.randomBytes(count: 128 << 10, seed: 22)

    static func setModified(_ url: URL, secondsAgo: Double) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -secondsAgo)], ofItemAtPath: url.path)
    }

    /// A source with two deduplicable files and a small one, last modified an hour ago.
    static func source(in temp: URL) throws -> URL {
        let url = try BundleFixture.write(
            ["weights.bin": weights, "extra.bin": extra, "config.json": Array("{}".utf8)],
            to: temp.appendingPathComponent("model"))
        for name in ["weights.bin", "extra.bin", "config.json"] {
            try setModified(url.appendingPathComponent(name), secondsAgo: 3600)
        }
        return url
    }

    @Test func anUnchangedDirectoryIsRegisteredAgainWithoutReadingAnyFile() throws {
        try withTemporaryRegistry { registry in
            let source = try Self.source(in: URL(fileURLWithPath: registry.layout.rootPath).deletingLastPathComponent())
            let first = try registry.register(directory: source, metadata: ArtifactMetadata(name: "m"))
            #expect(first.isNew && first.unread.isEmpty)

            let reports = ProgressLog()
            let again = try registry.register(
                directory: source, metadata: ArtifactMetadata(name: "m"), progress: { reports.append($0) })
            #expect(!again.isNew && again.artifact.id == first.artifact.id)
            #expect(again.unread == ["config.json", "extra.bin", "weights.bin"])
            #expect(reports.isEmpty, "nothing was staged")

            // Under a second name: new metadata, the same files, linked without being read.
            let renamed = try registry.register(directory: source, metadata: ArtifactMetadata(name: "m2"))
            #expect(renamed.isNew && renamed.unread == ["extra.bin", "weights.bin"])
            #expect(renamed.deduplicated == ["extra.bin", "weights.bin"])
            #expect(try registry.verify(renamed.artifact.id, depth: .full).isClean)
        }
    }

    @Test func aChangedMtimeSizeOrInodeMakesThatFileReadAgain() throws {
        try withTemporaryRegistry { registry in
            let source = try Self.source(in: URL(fileURLWithPath: registry.layout.rootPath).deletingLastPathComponent())
            let first = try registry.register(directory: source, metadata: ArtifactMetadata(name: "m"))

            // mtime: same bytes, so the same artifact, but weights.bin was read again.
            try Self.setModified(source.appendingPathComponent("weights.bin"), secondsAgo: 7200)
            let touched = try registry.register(directory: source, metadata: ArtifactMetadata(name: "m"))
            #expect(!touched.isNew && touched.artifact.id == first.artifact.id)
            #expect(touched.unread == ["extra.bin"])

            // inode: the same bytes and mtime in a new file renamed over the old one.
            let replacement = source.deletingLastPathComponent().appendingPathComponent("replacement")
            try Data(Self.extra).write(to: replacement)
            let mtime = try FileManager.default.attributesOfItem(
                atPath: source.appendingPathComponent("extra.bin").path)[
                    .modificationDate]
            try FileManager.default.setAttributes([.modificationDate: mtime as Any], ofItemAtPath: replacement.path)
            #expect(rename(replacement.path, source.appendingPathComponent("extra.bin").path) == 0)
            let replaced = try registry.register(directory: source, metadata: ArtifactMetadata(name: "m"))
            #expect(!replaced.isNew && replaced.unread == ["weights.bin"])

            // size: other bytes, a new artifact, read.
            try Data(Self.weights + [1]).write(to: source.appendingPathComponent("weights.bin"))
            try Self.setModified(source.appendingPathComponent("weights.bin"), secondsAgo: 3600)
            let grown = try registry.register(directory: source, metadata: ArtifactMetadata(name: "m"))
            #expect(grown.isNew && grown.unread == ["extra.bin"])
            #expect(try registry.verify(grown.artifact.id, depth: .full).isClean)
        }
    }

    @Test func rehashReadsEveryFileAgain() throws {
        try withTemporaryRegistry { registry in
            let source = try Self.source(in: URL(fileURLWithPath: registry.layout.rootPath).deletingLastPathComponent())
            let first = try registry.register(directory: source, metadata: ArtifactMetadata(name: "m"))
            let again = try registry.register(
                directory: source, metadata: ArtifactMetadata(name: "m"), options: .init(rehash: true))
            #expect(!again.isNew && again.artifact.id == first.artifact.id && again.unread.isEmpty)
            let renamed = try registry.register(
                directory: source, metadata: ArtifactMetadata(name: "m2"), options: .init(rehash: true))
            #expect(renamed.unread.isEmpty && renamed.deduplicated == ["extra.bin", "weights.bin"])
        }
    }

    @Test func aFileModifiedJustNowIsNotTrustedByTheCache() throws {
        try withTemporaryRegistry { registry in
            let temp = URL(fileURLWithPath: registry.layout.rootPath).deletingLastPathComponent()
            let source = try BundleFixture.write(["weights.bin": Self.weights], to: temp.appendingPathComponent("m"))
            _ = try registry.register(directory: source, metadata: ArtifactMetadata(name: "m"))
            let again = try registry.register(directory: source, metadata: ArtifactMetadata(name: "m"))
            #expect(!again.isNew && again.unread.isEmpty, "a write within the timestamp granularity could hide")
        }
    }

    @Test func theCLIRehashFlagReadsEverythingAndReportsIt() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            let environment = ["MODELREG_REGISTRY": registry]
            #expect(try CLIRunner.run(["init"], environment: environment).status == 0)
            let source = try Self.source(in: temp)
            #expect(try CLIRunner.run(["register", source.path], environment: environment).status == 0)
            let cached = try CLIRunner.run(["register", source.path, "--json"], environment: environment)
            #expect(
                cached.status == 0 && cached.stdout.contains(#""unread":["config.json","extra.bin","weights.bin"]"#))
            let rehashed = try CLIRunner.run(["register", source.path, "--rehash", "--json"], environment: environment)
            #expect(rehashed.status == 0 && rehashed.stdout.contains(#""unread":[]"#), "\(rehashed.stdout)")
        }
    }
}

/// Progress reports collected from the callback's thread.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [RegistrationProgress] = []
    func append(_ report: RegistrationProgress) { lock.withLock { reports.append(report) } }
    var isEmpty: Bool { lock.withLock { reports.isEmpty } }
}
