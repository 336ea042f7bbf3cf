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
    /// Issue #14, failure 5: a failed view change (promote, rollback, retire, state set, sign, policy set) must
    /// leave nothing changed, or say that its change is recorded (or that the outcome is unknown) and that
    /// `recover` settles it; registration (in copy, hardlink and move mode), evaluation records and checkpoint notes
    /// are swept too. Every system call of each operation is made to fail in turn with each of EIO, ENOSPC, EACCES
    /// and EROFS, once and for good (which also defeats any undo), on a fresh copy of one registry, and
    /// `resolve`/`state` must agree with the log whatever happened.
    @Suite struct FailedWriteOutcomeTests {
        /// One change — a view change, or registering a new bundle — run against a registry whose `champion` went
        /// a → b and whose `a` is a candidate.
        enum Operation: String, CaseIterable, CustomStringConvertible {
            case promote, rollback, retire, setState, sign, setPolicy, register, registerHardlink, registerMove
            case registerReflink, adopt, addEvaluation, writeCheckpoint

            var description: String { rawValue }

            func run(_ registry: Registry, a: ArtifactID, b: ArtifactID, stray: ArtifactID?) throws {
                switch self {
                case .promote: try registry.promote("champion", to: a, reason: "back to a")
                case .rollback: try registry.rollback("champion", reason: "b misbehaves")
                case .retire: try registry.retire("champion", reason: "done")
                case .setState: try registry.setState(a, to: .production, reason: "shipped")
                case .sign: try registry.sign(a, with: FakeSigner(name: "release"))
                case .setPolicy:
                    try registry.setPromotionPolicy(
                        PromotionPolicy(rules: [PromotionPolicy.Rule(aliases: "champion")]))
                case .register, .registerHardlink, .registerMove, .registerReflink:
                    // The bundle lies next to the registry's copy, outside the faults' reach.
                    let bundle = URL(fileURLWithPath: registry.layout.rootPath + "-bundle")
                    let modes: [Operation: FileArtifactStore.IngestMode] = [
                        .register: .copy, .registerHardlink: .hardlink, .registerMove: .move,
                        .registerReflink: .reflink,
                    ]
                    _ = try registry.register(
                        directory: bundle, metadata: ArtifactMetadata(name: "c"),
                        options: .init(mode: modes[self] ?? .copy))
                case .adopt:
                    guard let stray else { throw RegistryError(.notFound, "adopt needs the stray artifact") }
                    _ = try registry.adopt(stray)
                case .addEvaluation:
                    try registry.addEvaluation(.init(evaluator: "harness", metrics: ["accuracy": 0.91]), to: a)
                case .writeCheckpoint:
                    _ = try registry.writeCheckpoint(signedBy: Ed25519PrivateKey(seed: Array(repeating: 5, count: 32)))
                }
            }
        }

        /// What a reader sees of every view the operations change, and how long the log is.
        struct Views: Equatable {
            var champion: AliasRecord?
            var stateOfA: LifecycleState
            var policy: [UInt8]?
            var signaturesOfA: [String]
            var artifacts: [ArtifactID]
            var evaluationsOfA: [String]
            var checkpoints: Int
            var eventCount: Int

            init(_ registry: Registry, a: ArtifactID) throws {
                champion = try registry.aliases.record("champion")
                stateOfA = try registry.state(of: a)
                policy = FileManager.default.contents(atPath: registry.layout.policyPath).map { Array($0) }
                signaturesOfA =
                    ((try? FileManager.default.contentsOfDirectory(
                        atPath: registry.layout.signaturesPath(of: a))) ?? []).filter { !$0.hasPrefix(".") }.sorted()
                artifacts = try registry.listArtifacts()
                evaluationsOfA =
                    ((try? FileManager.default.contentsOfDirectory(
                        atPath: registry.layout.evaluationsPath(of: a))) ?? []).filter { !$0.hasPrefix(".") }.sorted()
                checkpoints = try registry.checkpoints().count
                var count = 0
                try registry.journal.forEachEvent { _ in count += 1 }
                eventCount = count
            }
        }

        /// The faults of one sweep: which call, which errno, how often.
        struct Fault: CustomStringConvertible {
            var call: SystemCall
            var errno: Int32
            var persistent: Bool
            var description: String {
                "\(call) \(Self.names[errno] ?? "errno \(errno)") \(persistent ? "for good" : "once")"
            }
            static let names: [Int32: String] = [EIO: "EIO", ENOSPC: "ENOSPC", EACCES: "EACCES", EROFS: "EROFS"]
        }

        /// The full matrix: every call the shims make, with each errno, once and for good.
        static let faults: [Fault] = SystemCall.allCases.filter { $0 != .inotify }.flatMap { call in
            [EIO, ENOSPC, EACCES, EROFS].flatMap { errno in
                [Fault(call: call, errno: errno, persistent: false), Fault(call: call, errno: errno, persistent: true)]
            }
        }

        /// Builds the template registry: `champion` a → b, `a` a candidate.
        private static func makeTemplate(in temp: URL) throws -> (URL, ArtifactID, ArtifactID) {
            let root = temp.appendingPathComponent("template")
            let registry = try Registry.create(at: root, configuration: .init(actor: "tester"))
            let a = try BundleFixture.registerModel("a", in: registry, under: temp)
            let b = try BundleFixture.registerModel("b", in: registry, under: temp)
            try registry.promote("champion", to: a)
            try registry.promote("champion", to: b)
            try registry.setState(a, to: .candidate)
            return (root, a, b)
        }

        /// Copies the template with modes kept (`cp -a`), so each case starts from the same registry.
        private static func copy(_ template: URL, to target: URL) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/cp")
            process.arguments = ["-a", template.path, target.path]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw RegistryError(.io, "cp -a '\(template.path)' '\(target.path)' failed")
            }
        }

        /// Every mutating system call: what a file system that turned read-only (or full) refuses.
        static let mutatingCalls: [SystemCall] = [
            .write, .fsync, .rename, .link, .unlink, .mkdir, .rmdir, .fchmod, .ftruncate,
        ]

        @Test func aPromotionWhoseFileCannotBeWrittenIsRecordedAndRecoverWritesIt() throws {
            try withTemporaryDirectory { temp in
                let (template, a, b) = try Self.makeTemplate(in: temp)
                let registry = try Registry.open(at: template)
                let token = FaultInjector.shared.inject(
                    .rename, errno: EROFS, under: registry.layout.aliasesPath + "/")
                let error = try #require(throws: RegistryError.self) { try registry.promote("champion", to: a) }
                FaultInjector.shared.remove(token)
                #expect(error.code == .readOnlyFileSystem)
                #expect(error.message.contains("recorded as audit event"), "\(error.message)")
                #expect(error.message.contains("recover"), "\(error.message)")
                #expect(try registry.aliases.record("champion")?.artifact == b, "the file is not written")
                #expect(try registry.resolve("champion").artifact == a, "resolving agrees with the log at once")
                let report = try registry.recover()
                #expect(report.completed.map(\.path) == ["aliases/champion.json"])
                #expect(try registry.resolve("champion").artifact == a, "the log is the authority")
                #expect(try registry.fsck().isClean)
            }
        }

        @Test func anAppendThatCannotBeTakenBackSaysTheOutcomeIsUnknownAndRecoverSettlesIt() throws {
            try withTemporaryDirectory { temp in
                let (template, a, _) = try Self.makeTemplate(in: temp)
                let registry = try Registry.open(at: template)
                let audit = registry.layout.auditPath + "/"
                // The line is written, syncing it fails, and so does cutting it back off.
                let sync = FaultInjector.shared.inject(.fsync, errno: EIO, under: audit)
                let cut = FaultInjector.shared.inject(.ftruncate, errno: EROFS, under: audit)
                let error = try #require(throws: RegistryError.self) { try registry.promote("champion", to: a) }
                FaultInjector.shared.remove(sync)
                FaultInjector.shared.remove(cut)
                #expect(error.code == .io)
                #expect(AppendOutcomeUnknown.isCause(of: error))
                #expect(error.message.contains("outcome is unknown"), "\(error.message)")
                #expect(error.message.contains("recover"), "\(error.message)")
                // The complete line is in the log as recovery finds it: the promotion is in force.
                let report = try registry.recover()
                #expect(report.completed.map(\.path) == ["aliases/champion.json"], "\(report)")
                #expect(try registry.resolve("champion").artifact == a)
                #expect(try registry.fsck().isClean)
            }
        }

        @Test(arguments: Operation.allCases)
        func aFailedChangeLeavesNothingChangedOrSaysRecoverSettlesIt(operation: Operation) throws {
            try sweep(operation) { fault, k, root in
                let token = FaultInjector.shared.inject(
                    fault.call, errno: fault.errno, under: root, after: k, times: fault.persistent ? .max : 1)
                return (token, { FaultInjector.shared.remove(token) })
            }
        }

        /// The file system turns read-only right after the k-th call of one kind: from then on every mutating
        /// call fails, the undo of a failed step included.
        @Test(arguments: Operation.allCases)
        func aFileSystemTurningReadOnlyMidChangeLeavesNothingChangedOrSaysRecoverSettlesIt(operation: Operation)
            throws
        {
            let kinds = Self.mutatingCalls.map { Fault(call: $0, errno: EROFS, persistent: true) }
            try sweep(operation, faults: kinds) { fault, k, root in
                let installed = TokenBox()
                let trigger = FaultInjector.shared.perform(
                    {
                        for call in Self.mutatingCalls {
                            installed.append(FaultInjector.shared.inject(call, errno: EROFS, under: root))
                        }
                    }, before: fault.call, under: root, after: k)
                return (
                    trigger,
                    {
                        FaultInjector.shared.remove(trigger)
                        installed.removeAll()
                    }
                )
            }
        }

        /// Runs `operation` on a fresh copy of the template once per fault and per k, until the operation makes
        /// no (k+1)-th call of the fault's kind; checks each outcome.
        private func sweep(
            _ operation: Operation, faults: [Fault] = Self.faults,
            install: (Fault, Int, String) -> (trigger: Int, remove: () -> Void)
        ) throws {
            try withTemporaryDirectory { temp in
                let (template, a, b) = try Self.makeTemplate(in: temp)
                var cases = 0
                for fault in faults {
                    for k in 0..<10_000 {
                        cases += 1
                        let root = temp.appendingPathComponent("case-\(cases)")
                        try Self.copy(template, to: root)
                        let bundle = URL(fileURLWithPath: root.path + "-bundle")
                        _ = try BundleFixture.write(
                            ["weights.bin": BundleFixture.randomBytes(count: 3000, seed: 3)], to: bundle)
                        defer {
                            try? FileManager.default.removeItem(at: root)
                            try? FileManager.default.removeItem(at: bundle)
                        }
                        let registry = try Registry.open(at: root, configuration: .init(actor: "tester"))
                        // For `adopt`: the bundle stored in `artifacts/` without its registration event.
                        let stray =
                            operation == .adopt
                            ? try registry.artifacts.register(
                                directory: bundle, metadata: ArtifactMetadata(name: "stray")
                            )
                            .artifact.id : nil
                        let before = try Views(registry, a: a)
                        let installed = install(fault, k, root.path + "/")
                        var thrown: (any Error)?
                        do { try operation.run(registry, a: a, b: b, stray: stray) } catch { thrown = error }
                        let fired = FaultInjector.shared.hasFired(installed.trigger)
                        installed.remove()
                        if !fired { break }  // the operation makes no (k+1)-th such call
                        try check(
                            registry, a: a, before: before, thrown: thrown, "\(operation), \(fault) at call #\(k + 1)",
                            // recovery never registers a stray: it stays for `fsck` to report until adopted again
                            afterRecovery: { if let stray { try registry.adopt(stray) } })
                    }
                }
                #expect(cases > 10)
            }
        }

        private func check(
            _ registry: Registry, a: ArtifactID, before: Views, thrown: (any Error)?, _ where_: String,
            afterRecovery: () throws -> Void = {}
        ) throws {
            let after = try Views(registry, a: a)
            // Whatever happened, the read path agrees with the log.
            var loggedChampion: AliasRecord?
            var loggedState = LifecycleState.registered
            try registry.journal.forEachEvent { event in
                if let change = try event.decode(AliasEvent.self), change.alias == "champion" {
                    loggedChampion = change.record
                }
                if let change = try event.decode(StateChanged.self), change.artifact == a { loggedState = change.state }
            }
            #expect(
                (try? registry.resolve("champion", allowRevoked: true)) == loggedChampion,
                "\(where_): resolve disagrees with the log")
            #expect(try registry.state(of: a) == loggedState, "\(where_): state disagrees with the log")
            if let thrown {
                guard let error = thrown as? RegistryError else {
                    Issue.record("\(where_): untyped \(thrown)")
                    return
                }
                // Either `recover` settles it, or (a checkpoint note, which no event records) the error says the
                // file is, or may be, in place.
                let settles = error.message.contains("recover") || error.message.contains("in place")
                if after.eventCount == before.eventCount && !settles {
                    #expect(after == before, "\(where_): failed with '\(error.message)' but changed")
                }
                if after.eventCount != before.eventCount {
                    #expect(settles, "\(where_): the log changed but the error says '\(error.message)'")
                }
            }
            let recovery = try registry.recover()
            try afterRecovery()
            let integrity = try registry.fsck()
            #expect(integrity.isClean, "\(where_), after \(recovery):\n\(integrity)")
            let second = try registry.secondRecovery()
            #expect(
                second.isClean, "\(where_): a second recovery found work: \(second)\nthe first: \(recovery)")
        }
    }

    /// The tokens of the faults an action installed while an operation ran, for the sweep to remove afterwards.
    private final class TokenBox: @unchecked Sendable {
        private let lock = NSLock()
        private var tokens: [Int] = []

        func append(_ token: Int) {
            lock.lock()
            tokens.append(token)
            lock.unlock()
        }

        func removeAll() {
            lock.lock()
            let all = tokens
            tokens = []
            lock.unlock()
            for token in all { FaultInjector.shared.remove(token) }
        }
    }
#endif
