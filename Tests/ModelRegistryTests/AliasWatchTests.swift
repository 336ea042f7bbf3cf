import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// A registry with three registered artifacts, for the async watch tests.
struct WatchFixture {
    let registry: Registry
    let ids: [ArtifactID]

    static func with(_ body: (WatchFixture) async throws -> Void) async throws {
        try await withTemporaryDirectory { temp in
            var configuration = Registry.Configuration(actor: "tester")
            configuration.userStampCache = temp.appendingPathComponent("user-cache")
            let registry = try await Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: configuration)
            var ids: [ArtifactID] = []
            for index in 0..<3 {
                let bundle = try BundleFixture.write(
                    ["weights.bin": BundleFixture.randomBytes(count: 4096, seed: UInt64(index + 40))],
                    to: temp.appendingPathComponent("bundle-\(index)"))
                ids.append(
                    try await registry.register(directory: bundle, metadata: ArtifactMetadata(name: "model-\(index)"))
                        .artifact.id)
            }
            try await body(WatchFixture(registry: registry, ids: ids))
        }
    }
}

/// Reads the next change, failing the test instead of hanging when none comes within `seconds`.
func nextChange(
    _ iterator: inout AliasWatch.Iterator, within seconds: Double = 20
) async throws -> AliasWatch.Change? {
    let box = IteratorBox(iterator)
    let change = try await withThrowingTaskGroup(of: AliasWatch.Change?.self) { group in
        group.addTask { await box.next() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw RegistryError(.io, "no alias change arrived within \(seconds) s")
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
    iterator = box.iterator
    return change
}

/// Lets a task group's child drive an iterator owned by the test (one task at a time).
final class IteratorBox: @unchecked Sendable {
    var iterator: AliasWatch.Iterator
    init(_ iterator: AliasWatch.Iterator) { self.iterator = iterator }
    func next() async -> AliasWatch.Change? { await iterator.next() }
}

/// The number of inotify descriptors of this process that watch the directory at `path` (Linux: each watch is a
/// line `inotify wd:… ino:<hex inode> …` in `/proc/self/fdinfo/<fd>`), so watchers of other tests do not count.
func inotifyDescriptors(watching path: String) -> Int {
    guard let inode = (try? FileManager.default.attributesOfItem(atPath: path))?[.systemFileNumber] as? UInt64 else {
        return 0
    }
    let needle = "ino:" + String(inode, radix: 16) + " "
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return names.filter { name in
        guard
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name))?
                .contains("inotify") == true,
            let info = try? String(contentsOfFile: "/proc/self/fdinfo/" + name, encoding: .utf8)
        else { return false }
        return info.contains(needle)
    }.count
}

@Suite(.serialized) struct AliasWatchTests {
    @Test(arguments: [false, true])
    func aWatcherSeesPromoteRollbackRetireRecreateAndRevoke(polling: Bool) async throws {
        try await WatchFixture.with { f in
            let alias = "classifier-champion"
            let watch = try f.registry.watch(alias, pollInterval: .milliseconds(polling ? 20 : 500), polling: polling)
            #expect(watch.notification == (polling ? .polling : .kernel))
            var changes = watch.makeAsyncIterator()

            try await f.registry.promote(alias, to: f.ids[0])
            #expect(try await nextChange(&changes) == .promoted(from: nil, to: try await f.registry.resolve(alias)))
            try await f.registry.promote(alias, to: f.ids[1])
            #expect(
                try await nextChange(&changes) == .promoted(from: f.ids[0], to: try await f.registry.resolve(alias)))
            try await f.registry.rollback(alias)
            #expect(
                try await nextChange(&changes) == .rolledBack(from: f.ids[1], to: try await f.registry.resolve(alias)))
            try await f.registry.retire(alias)
            #expect(try await nextChange(&changes) == .retired(previous: f.ids[0]))
            try await f.registry.promote(alias, to: f.ids[2])
            let recreated = try await nextChange(&changes)
            #expect(recreated == .promoted(from: nil, to: try await f.registry.resolve(alias)))
            #expect(recreated?.target == f.ids[2])
            try await f.registry.setState(f.ids[2], to: .revoked, reason: "leaked training data")
            #expect(try await nextChange(&changes) == .targetRevoked(f.ids[2]))
        }
    }

    @Test func aBurstCoalescesIntoOneChangeToTheFinalState() async throws {
        try await WatchFixture.with { f in
            let alias = "burst"
            try await f.registry.promote(alias, to: f.ids[0])
            var changes = try f.registry.watch(alias).makeAsyncIterator()
            try await f.registry.promote(alias, to: f.ids[1])
            try await f.registry.promote(alias, to: f.ids[2])
            try await f.registry.rollback(alias)  // back to ids[1]: the last move is a rollback
            #expect(
                try await nextChange(&changes) == .rolledBack(from: f.ids[0], to: try await f.registry.resolve(alias)))
            // Nothing else is pending: the next change delivered is the next one made.
            try await f.registry.promote(alias, to: f.ids[2])
            #expect(
                try await nextChange(&changes) == .promoted(from: f.ids[1], to: try await f.registry.resolve(alias)))
        }
    }

    @Test func aPromotionMadeByAnotherProcessIsSeen() async throws {
        try await WatchFixture.with { f in
            let alias = "cross-process"
            try await f.registry.promote(alias, to: f.ids[0])
            var changes = try f.registry.watch(alias, pollInterval: .seconds(60)).makeAsyncIterator()
            let outcome = try CLIRunner.run([
                "promote", alias, f.ids[1].description, "--registry", f.registry.layout.rootPath, "--reason", "child",
            ])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let change = try await nextChange(&changes)
            guard case .promoted(let from, let record)? = change else {
                Issue.record("expected a promotion, got \(String(describing: change))")
                return
            }
            #expect(from == f.ids[0] && record.artifact == f.ids[1] && record.reason == "child")
        }
    }

    @Test func cancellingTheConsumerStopsTheWatcherAndClosesItsDescriptor() async throws {
        #if os(Linux)
            try await WatchFixture.with { f in
                let aliases = f.registry.layout.aliasesPath
                #expect(inotifyDescriptors(watching: aliases) == 0)
                let watch = try f.registry.watch("cancelled")
                let started = AsyncStream<Void>.makeStream()
                let consumer = Task {
                    var iterator = watch.makeAsyncIterator()
                    started.continuation.yield()
                    return await iterator.next()
                }
                var signals = started.stream.makeAsyncIterator()
                _ = await signals.next()
                // The watcher opens its descriptor when iteration starts; wait for it (bounded).
                for _ in 0..<2000 where inotifyDescriptors(watching: aliases) == 0 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                #expect(inotifyDescriptors(watching: aliases) == 1)
                consumer.cancel()
                #expect(await consumer.value == nil)
                for _ in 0..<2000 where inotifyDescriptors(watching: aliases) != 0 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                #expect(inotifyDescriptors(watching: aliases) == 0, "the inotify descriptor leaked")
            }
        #endif
    }

    @Test func aDamagedAliasFileIsReportedAsNothingUntilRecoveryRestoresIt() async throws {
        try await WatchFixture.with { f in
            let alias = "damaged"
            try await f.registry.promote(alias, to: f.ids[0])
            var changes = try f.registry.watch(alias, pollInterval: .milliseconds(20)).makeAsyncIterator()
            let file = f.registry.aliases.path(of: alias)
            try Data("{not json".utf8).write(to: URL(fileURLWithPath: file), options: .atomic)  // never absent
            // Unreadable: neither a retirement nor a promotion is reported while it stays damaged.
            #expect(throws: RegistryError.self) { _ = try f.registry.aliases.record(alias) }
            try await f.registry.promote("other", to: f.ids[1])  // wakes the watcher (aliases/ changed)
            _ = try await f.registry.recover()  // rewrites the file from the log, then the next move is seen
            try await f.registry.promote(alias, to: f.ids[2])
            #expect(
                try await nextChange(&changes) == .promoted(from: f.ids[0], to: try await f.registry.resolve(alias)))
        }
    }

    @Test func watchingRefusesAnInvalidAliasName() throws {
        try withTemporaryRegistry { registry in
            #expect(registryErrorCode { _ = try registry.watch("../escape") } == .invalidName)
        }
    }
}
