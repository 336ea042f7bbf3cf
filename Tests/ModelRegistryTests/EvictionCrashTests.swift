import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Issue #14's rule for the eviction write paths: a real `modelreg evict`, `fetch` and `remote add`/`rm` is
    /// killed with SIGKILL at each of its crash points; recovery then leaves the registry consistent — the change
    /// made completely (its event in the log, its files as the event says) or not at all — and fsck clean.
    @Suite struct EvictionCrashTests {
        static let evictPoints = [
            "append.afterWrite", "append.afterSync", "evict.afterEvent", "atomic.afterTempWrite",
            "atomic.afterRename", "evict.afterRecord", "evict.afterFirstFile", "evict.afterStateChange",
        ]
        static let fetchPoints = [
            "atomic.afterTempWrite", "atomic.afterRename", "fetch.afterFirstFile",
            "fetch.afterStateChange", "append.afterWrite", "append.afterSync", "fetch.afterEvent",
        ]
        static let remotePoints = [
            "append.afterWrite", "append.afterSync", "remote.afterEvent", "atomic.afterTempWrite",
            "atomic.afterRename", "remote.afterStateChange",
        ]

        @Test func everyCrashPointOfTheseWritePathsIsListed() {
            for point in Self.evictPoints + Self.fetchPoints + Self.remotePoints {
                #expect(CrashPoint.all.contains(point), "\(point)")
            }
        }

        /// Recovers, and checks that a second recovery finds nothing and fsck (full) is clean.
        private func recoverAndCheck(_ root: URL, _ point: String) throws -> Registry {
            let registry = try Registry.open(at: root)
            let report = try registry.recover()
            #expect(try registry.recover().isClean, "\(point): a second recovery must find nothing to do")
            let fsck = try registry.fsck(depth: .full)
            #expect(fsck.isClean, "\(point): after \(report): \(fsck)")
            #expect(
                (try? FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath))?.isEmpty ?? true,
                "\(point): staging is empty")
            return registry
        }

        @Test(arguments: evictPoints)
        func anEvictionKilledAtAnyPointIsFinishedOrUndoneByRecovery(point: String) throws {
            try withTemporaryDirectory { temp in
                let fixture = try EvictionFixture(in: temp)
                try runKilled(["evict", fixture.id.description, "--registry", fixture.root.path], at: point)
                let registry = try recoverAndCheck(fixture.root, point)
                let evicted = try fixture.eventTypes().contains("artifact_evicted")
                if evicted {
                    #expect(try registry.eviction(of: fixture.id) != nil, "\(point)")
                    #expect(fixture.presentFiles().isEmpty, "\(point): the eviction is finished")
                    try registry.fetch(fixture.id)
                } else {
                    #expect(try registry.eviction(of: fixture.id) == nil, "\(point)")
                }
                #expect(fixture.holdsOriginalBytes(), "\(point)")
                // Past the event, the eviction happened.
                let pastEvent = [
                    "append.afterWrite", "append.afterSync", "evict.afterEvent", "atomic.afterTempWrite",
                    "atomic.afterRename", "evict.afterRecord", "evict.afterFirstFile", "evict.afterStateChange",
                ]
                #expect(evicted == pastEvent.contains(point), "\(point)")
            }
        }

        @Test(arguments: fetchPoints)
        func aFetchKilledAtAnyPointIsFinishedOrUndoneByRecovery(point: String) throws {
            try withTemporaryDirectory { temp in
                let fixture = try EvictionFixture(in: temp)
                try fixture.registry.evict(fixture.id)
                try runKilled(["fetch", fixture.id.description, "--registry", fixture.root.path], at: point)
                let registry = try recoverAndCheck(fixture.root, point)
                let fetched = try fixture.eventTypes().last == "artifact_fetched"
                if fetched {
                    #expect(try registry.eviction(of: fixture.id) == nil, "\(point)")
                    #expect(fixture.holdsOriginalBytes(), "\(point)")
                } else {
                    #expect(try registry.eviction(of: fixture.id) != nil, "\(point)")
                    #expect(fixture.presentFiles().isEmpty, "\(point): nothing half fetched is left")
                }
                // Once every file is in place, the fetch is kept (recovery records it when the crash beat the event).
                if ["fetch.afterStateChange", "append.afterWrite", "append.afterSync", "fetch.afterEvent"].contains(
                    point)
                {
                    #expect(fetched, "\(point)")
                }
                #expect(try fixture.eventTypes().filter { $0 == "artifact_fetched" }.count <= 1, "\(point)")
                try registry.fetch(fixture.id)
                #expect(fixture.holdsOriginalBytes())
                #expect(try registry.eviction(of: fixture.id) == nil)
            }
        }

        @Test(arguments: remotePoints)
        func aRemoteChangeKilledAtAnyPointIsFinishedByRecovery(point: String) throws {
            try withTemporaryDirectory { temp in
                let fixture = try EvictionFixture(in: temp, addRemote: false)
                try runKilled(
                    ["remote", "add", "mirror", fixture.remoteRoot.path, "--registry", fixture.root.path], at: point)
                var registry = try recoverAndCheck(fixture.root, point)
                #expect(try registry.remotes().map(\.name) == ["mirror"], "\(point): the event is the commit point")
                // A removal writes no file atomically: it runs to its end at those points.
                let killed = try CLIRunner.run(
                    ["remote", "rm", "mirror", "--registry", fixture.root.path],
                    environment: ["MODELREG_CRASH_AT": point]
                ).wasKilled
                #expect(killed != point.hasPrefix("atomic."), "\(point)")
                registry = try recoverAndCheck(fixture.root, point)
                #expect(try registry.remotes().isEmpty, "\(point)")
            }
        }
    }
#endif
