import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if DEBUG
    /// Issue #14's rule for eviction and fetch: each system call of the operation is made to fail in turn — once
    /// (EIO) and for good (EROFS, which also defeats any undo) — on a fresh copy of one registry. The operation
    /// either changes nothing (a fetch leaves no file in `artifacts/`), or its error says that `recover` settles
    /// it; after recovery the registry is consistent and fsck is clean.
    @Suite struct EvictionFaultTests {
        enum Operation: String, CaseIterable, CustomStringConvertible {
            case evict, fetch
            var description: String { rawValue }
        }

        static let calls: [SystemCall] = [
            .open, .write, .fsync, .rename, .link, .unlink, .mkdir, .rmdir, .fchmod, .ftruncate,
        ]

        /// What a reader sees: the bundle files present, whether the eviction file exists, the log's length.
        struct Seen: Equatable {
            var files: [String]
            var evicted: Bool
            var events: Int

            init(_ fixture: EvictionFixture, _ registry: Registry, root: URL) throws {
                let directory = root.appendingPathComponent("artifacts/\(fixture.id)").path
                files = fixture.files.keys.filter { FileManager.default.fileExists(atPath: directory + "/" + $0) }
                    .sorted()
                evicted = FileManager.default.fileExists(atPath: registry.layout.evictionPath(of: fixture.id))
                var count = 0
                try registry.journal.forEachEvent { _ in count += 1 }
                events = count
            }
        }

        @Test(arguments: Operation.allCases)
        func aFailedEvictionOrFetchChangesNothingOrSaysRecoverSettlesIt(operation: Operation) throws {
            try withTemporaryDirectory { temp in
                let fixture = try EvictionFixture(in: temp)
                if operation == .fetch { try fixture.registry.evict(fixture.id) }
                var cases = 0
                for call in Self.calls {
                    for persistent in [false, true] {
                        for k in 0..<200 {
                            cases += 1
                            let root = temp.appendingPathComponent("case-\(cases)")
                            try EvictionFixture.copyTree(fixture.root, to: root)
                            defer { try? FileManager.default.removeItem(at: root) }
                            let registry = try Registry.open(at: root, configuration: .init(actor: "tester"))
                            let before = try Seen(fixture, registry, root: root)
                            let token = FaultInjector.shared.inject(
                                call, errno: persistent ? EROFS : EIO, under: root.path + "/", after: k,
                                times: persistent ? .max : 1)
                            var thrown: (any Error)?
                            do {
                                switch operation {
                                case .evict: try registry.evict(fixture.id)
                                case .fetch: try registry.fetch(fixture.id)
                                }
                            } catch {
                                thrown = error
                            }
                            let fired = FaultInjector.shared.hasFired(token)
                            FaultInjector.shared.remove(token)
                            if !fired { break }
                            try check(
                                fixture, registry, root: root, before: before, thrown: thrown,
                                "\(operation), \(call) \(persistent ? "EROFS for good" : "EIO once") at call #\(k + 1)")
                        }
                    }
                }
                #expect(cases > 20)
            }
        }

        private func check(
            _ fixture: EvictionFixture, _ registry: Registry, root: URL, before: Seen, thrown: (any Error)?,
            _ where_: String
        ) throws {
            let after = try Seen(fixture, registry, root: root)
            if let thrown {
                guard let error = thrown as? RegistryError else {
                    Issue.record("\(where_): untyped \(thrown)")
                    return
                }
                let settles = error.message.contains("recover")
                if after.events == before.events && !settles {
                    #expect(after == before, "\(where_): failed with '\(error.message)' but changed")
                }
                if after.events != before.events {
                    #expect(settles, "\(where_): the log changed but the error says '\(error.message)'")
                }
            }
            let recovery = try registry.recover()
            let integrity = try registry.fsck(depth: .full)
            #expect(integrity.isClean, "\(where_), after \(recovery):\n\(integrity)")
            let second = try registry.secondRecovery()
            #expect(second.isClean, "\(where_): a second recovery found work: \(second)\nthe first: \(recovery)")
            let settled = try Seen(fixture, registry, root: root)
            let allFiles = fixture.files.keys.sorted()
            #expect(
                (settled.evicted && settled.files.isEmpty) || (!settled.evicted && settled.files == allFiles),
                "\(where_): \(settled)")
            let staging = (try? FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath)) ?? []
            #expect(staging.isEmpty, "\(where_): \(staging)")
        }
    }
#endif
