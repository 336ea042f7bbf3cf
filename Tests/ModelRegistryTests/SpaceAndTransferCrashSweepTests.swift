import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Issue #14's rule for the write paths added after ``SystemCallCrashSweepTests``: gc, `rm`, pin, unpin, evict,
    /// fetch (directory remote), backup (directory and tar), restore and OCI layout import are each killed before
    /// their system calls (`MODELREG_CRASH_AT_CALL=n`), run through the CLI only, so that the test holds whatever
    /// the commands do inside. After every kill, recovery brings the registry into agreement
    /// (``expectConsistent(_:sourceLocation:)``) and what a user observes is the registry before or after a clean
    /// run; for gc and import, whose documented promise is "running it again completes it", a registry in between
    /// must reach the clean run's state when the command is run again. Backups: the source registry is untouched,
    /// restore refuses the killed backup or restores a clean registry, and running the backup again gives one that
    /// restores to the source. Restore: the destination is no registry, or a consistent copy of the source.
    ///
    /// Runtime: to keep CI on 2 cores bounded, operations with many calls are sampled every `stride`-th call
    /// (calls 1, 1 + stride, …; recovery every 2 × stride-th call); `MODELREG_FULL_SWEEP=1` sweeps every call.
    @Suite struct SpaceAndTransferCrashSweepTests {
        /// The ids the fixture registered, for operations that name an artifact.
        struct Fixture: Sendable {
            var unheld: String  // m2: no alias, no pin, registered
            var pinned: String  // m3: pinned
            var evicted: String  // m4: evicted to the remote `mirror`
            var remote: String  // the directory remote `mirror` points at
            var adoptable: String  // an artifact directory without a registration event (adopt's fixture only)
        }

        /// How to check a destination the operation writes outside the registry.
        enum Target: Sendable {
            case registry, backupDirectory, backupTar, restore
            /// `adopt`: the fixture holds an artifact without its event, which fsck reports until it is adopted.
            case adoption
        }

        /// One operation of the sweep: its command line, run in a copy of the fixture directory.
        struct Operation: CustomTestStringConvertible, Sendable {
            var name: String
            var arguments: @Sendable (Fixture) -> [String]
            var target: Target = .registry
            /// Whether a crashed run may leave an in-between state that running it again completes (gc removes
            /// one artifact after another; an import attaches referrers after publishing).
            var completesOnRetry = false
            /// Calls between two sampled crash points (1: every call).
            var stride = 1
            var testDescription: String { name }
        }

        static let operations: [Operation] = [
            Operation(
                name: "gc --apply", arguments: { _ in ["gc", "--apply", "--grace", "0"] }, completesOnRetry: true,
                stride: 6),
            Operation(name: "rm", arguments: { ["rm", $0.unheld] }, stride: 2),
            Operation(name: "pin", arguments: { ["pin", $0.unheld, "--reason", "keep"] }, stride: 2),
            Operation(name: "unpin", arguments: { ["unpin", $0.pinned] }, stride: 2),
            Operation(name: "evict", arguments: { ["evict", $0.unheld, "--remote", "mirror"] }, stride: 6),
            Operation(name: "fetch", arguments: { ["fetch", $0.evicted, "--remote", "mirror"] }, stride: 6),
            Operation(
                name: "backup (directory)", arguments: { _ in ["backup", "backup"] }, target: .backupDirectory,
                stride: 12),
            Operation(
                name: "backup (tar)", arguments: { _ in ["backup", "backup.tar", "--tar"] }, target: .backupTar,
                stride: 10),
            Operation(
                name: "restore", arguments: { _ in ["restore", "base-backup", "restored"] }, target: .restore,
                stride: 12),
            Operation(
                name: "import --oci-layout", arguments: { _ in ["import", "--oci-layout", "layout"] },
                completesOnRetry: true, stride: 10),
            Operation(name: "adopt", arguments: { ["adopt", $0.adoptable] }, target: .adoption),
            Operation(name: "remote add", arguments: { ["remote", "add", "second", $0.remote] }),
            Operation(name: "remote rm", arguments: { _ in ["remote", "rm", "spare"] }),
        ]

        /// What a user can observe of a registry, without times: two runs of one operation observe the same.
        struct Observed: Equatable, CustomStringConvertible {
            var artifacts: [String: [String]] = [:]  // id → the files in its directory
            var aliases: [String: String] = [:]
            var states: [String: String] = [:]
            var signatures: [String: Int] = [:]
            var evaluations: [String: Int] = [:]
            var pins: [String] = []
            var evicted: [String] = []
            var remotes: [String] = []
            /// Event types in log order, without `log_repaired` (recovery's own record of a torn tail).
            var events: [String] = []

            init(registry root: URL) throws {
                let registry = try Registry.open(at: root)
                for id in try registry.listArtifacts() {
                    let key = id.description
                    // Files only: directories carry no meaning (FORMAT.md §5.2); the directories an interrupted
                    // eviction leaves are checked by EvictionLeftoverDirectoryTests.
                    let directory = root.path + "/artifacts/" + key
                    artifacts[key] = (FileManager.default.subpaths(atPath: directory) ?? []).filter { path in
                        var isDirectory: ObjCBool = false
                        return !path.hasPrefix("signatures")
                            && FileManager.default.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory)
                            && !isDirectory.boolValue
                    }.sorted()
                    states[key] = try registry.state(of: id).rawValue
                    signatures[key] = try registry.signatures.files(of: id).count
                    evaluations[key] = try registry.evaluations(of: id).count
                }
                for record in try registry.listAliases() {
                    aliases[record.alias] = record.artifact.description
                }
                pins = Self.visibleEntries(registry.layout.pinsPath)
                evicted = Self.visibleEntries(registry.layout.evictedPath)
                remotes = Self.visibleEntries(registry.layout.remotesPath)
                try registry.journal.forEachEvent { event in
                    if event.type != .logRepaired { events.append(event.type.rawValue) }
                }
            }

            private static func visibleEntries(_ path: String) -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }
                    .sorted()
            }

            var description: String {
                "artifacts \(artifacts.mapValues(\.count)), aliases \(aliases), states \(states), pins \(pins), "
                    + "evicted \(evicted), remotes \(remotes), signatures \(signatures), evaluations \(evaluations), events \(events)"
            }
        }

        /// Five artifacts m0…m4: `champion` went m0 → m1, m2 is held by nothing, m3 is pinned, m4 is evicted to
        /// the directory remote `mirror` (a copy of the registry outside the fixture); an OCI layout of another
        /// registry's signed and evaluated artifact, and a complete backup of the registry for restore. A second
        /// remote `spare` points at the same copy. With `adoptable`, one more artifact is stored in `artifacts/`
        /// without its event, for `adopt`.
        private func makeFixture(_ directory: URL, remote: URL, adoptable: Bool) throws -> Fixture {
            let root = directory.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            var ids: [ArtifactID] = []
            for index in 0..<5 {
                let bundle = try BundleFixture.write(
                    [
                        "weights.bin": BundleFixture.randomBytes(count: 40_000, seed: UInt64(20 + index)),
                        "config/model.json": Array(#"{"layers":\#(index + 2)}"#.utf8),
                    ],
                    to: directory.appendingPathComponent("b\(index)"))
                ids.append(
                    try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m\(index)")).artifact.id)
                try FileManager.default.removeItem(at: bundle)
            }
            var fixture = Fixture(
                unheld: ids[2].description, pinned: ids[3].description, evicted: ids[4].description,
                remote: remote.path, adoptable: "")
            try registry.promote("champion", to: ids[0])
            try registry.promote("champion", to: ids[1])
            try SystemCallCrashLoop.copy(root, to: remote)
            for arguments in [
                ["remote", "add", "mirror", remote.path], ["remote", "add", "spare", remote.path],
                ["pin", fixture.pinned, "--reason", "audit"],
                ["evict", fixture.evicted, "--remote", "mirror"], ["backup", "base-backup"],
            ] {
                let outcome = try CLIRunner.run(arguments + ["--registry", "registry"], in: directory)
                #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)")
            }
            // Another registry's artifact, signed and evaluated, exported as an OCI layout.
            let other = directory.appendingPathComponent("other")
            let otherRegistry = try Registry.create(at: other)
            let bundle = try BundleFixture.write(
                ["weights.bin": BundleFixture.randomBytes(count: 30_000, seed: 90)],
                to: directory.appendingPathComponent("b-other"))
            _ = try otherRegistry.register(directory: bundle, metadata: ArtifactMetadata(name: "imported"))
            for arguments in [
                ["keygen", "key"], ["sign", "imported:latest", "--key", "key", "--registry", "other"],
                ["evaluate", "imported:latest", "--metric", "accuracy=0.9", "--registry", "other"],
                ["export", "imported:latest", "--oci-layout", "layout", "--registry", "other"],
            ] {
                let outcome = try CLIRunner.run(arguments, in: directory)
                #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)")
            }
            for name in ["other", "b-other", "key", "key.pub"] {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
            if adoptable {
                let stray = try BundleFixture.write(
                    ["weights.bin": BundleFixture.randomBytes(count: 30_000, seed: 91)],
                    to: directory.appendingPathComponent("b-stray"))
                let stored = try registry.artifacts.register(
                    directory: stray, metadata: ArtifactMetadata(name: "stray"))
                fixture.adoptable = stored.artifact.id.description
                try FileManager.default.removeItem(at: stray)
            }
            return fixture
        }

        @Test(arguments: operations)
        func anOperationKilledBeforeAnySystemCallIsWhollyAppliedOrAbsent(operation: Operation) throws {
            try withTemporaryDirectory { temp in
                let fixtureDirectory = temp.appendingPathComponent("fixture")
                try FileManager.default.createDirectory(at: fixtureDirectory, withIntermediateDirectories: false)
                let fixture = try makeFixture(
                    fixtureDirectory, remote: temp.appendingPathComponent("remote"),
                    adoptable: operation.target == .adoption)
                // restore names its source and destination; every other command works on the fixture's registry.
                let arguments =
                    operation.arguments(fixture) + (operation.target == .restore ? [] : ["--registry", "registry"])
                let source = fixtureDirectory.appendingPathComponent("registry")
                let before = try Observed(registry: source)

                let completed = temp.appendingPathComponent("completed")
                try SystemCallCrashLoop.copy(fixtureDirectory, to: completed)
                let clean = try CLIRunner.run(arguments, in: completed)
                try #require(clean.status == 0, "\(operation.name): \(clean.stderr)")
                let after = try settledState(of: completed, operation)
                if operation.target == .registry { #expect(after != before, "the operation must change something") }

                let loop = SystemCallCrashLoop(
                    fixture: fixtureDirectory, scratch: temp, arguments: arguments, stride: operation.stride,
                    // adopt appends its event and writes nothing after it, so recovery has no work of its own
                    // there; it only reports the artifact an earlier kill left unregistered (and exits 1).
                    recoveryStride: 2 * operation.stride, keepsRecoveryWork: operation.target == .registry)
                let sweep = try loop.sweepOperation { run, label in
                    try check(run, operation, arguments: arguments, before: before, after: after, label)
                }
                #expect(sweep.points > 3, "the sweep must cover the operation's calls, not stop at the first")

                // Recovery killed before its own calls, on a registry the operation's crash left work for.
                // Recovery of the older operations is swept call by call in SystemCallCrashSweepTests.
                guard let leftWork = sweep.leftWork else { return }
                try loop.sweepRecovery(of: leftWork) { run, label in
                    try check(run, operation, arguments: arguments, before: before, after: after, label)
                }
            }
        }

        /// What the clean run leaves, as this sweep compares it: the registry for registry operations, the
        /// restored copy for restore, the source registry (unchanged) for backups.
        private func settledState(of run: URL, _ operation: Operation) throws -> Observed {
            switch operation.target {
            case .registry, .backupDirectory, .backupTar, .adoption:
                try expectConsistent(run.appendingPathComponent("registry"))
                return try Observed(registry: run.appendingPathComponent("registry"))
            case .restore:
                try expectConsistent(run.appendingPathComponent("restored"))
                return try Observed(registry: run.appendingPathComponent("restored"))
            }
        }

        /// Checks one crashed run, recovering it first.
        private func check(
            _ run: URL, _ operation: Operation, arguments: [String], before: Observed, after: Observed,
            _ label: String
        ) throws {
            let registry = run.appendingPathComponent("registry")
            switch operation.target {
            case .registry:
                try expectConsistent(registry)
                let observed = try Observed(registry: registry)
                if observed == before || observed == after { return }
                guard operation.completesOnRetry else {
                    Issue.record("\(operation.name), \(label): \(observed)\nbefore: \(before)\nafter: \(after)")
                    return
                }
                let retry = try CLIRunner.run(arguments, in: run)
                #expect(retry.status == 0, "\(operation.name), \(label), run again: \(retry.stderr)")
                try expectConsistent(registry)
                let settled = try Observed(registry: registry)
                #expect(
                    settled == after,
                    "\(operation.name), \(label), run again: \(settled)\nafter: \(after)\nbetween: \(observed)")
            case .backupDirectory, .backupTar:
                // The source is untouched; the killed backup restores whole or is refused with nothing left.
                try expectConsistent(registry)
                #expect(try Observed(registry: registry) == before, "\(operation.name), \(label): source changed")
                let destination = run.appendingPathComponent(operation.target == .backupTar ? "backup.tar" : "backup")
                let restoredEarly = run.appendingPathComponent("restored-early")
                if FileManager.default.fileExists(atPath: destination.path) {
                    let early = try CLIRunner.run(["restore", destination.path, restoredEarly.path])
                    if early.status == 0 {
                        #expect(try Observed(registry: restoredEarly) == before, "\(label): a killed backup restored")
                    } else {
                        #expect(early.stderr.contains("error:"), "\(label): \(early.stderr)")
                        #expect(
                            !FileManager.default.fileExists(atPath: restoredEarly.path),
                            "\(label): a refused restore left its destination")
                    }
                }
                // Running the backup again completes it, and it restores to the source.
                let again = try CLIRunner.run(arguments, in: run)
                #expect(again.status == 0, "\(operation.name), \(label), run again: \(again.stderr)")
                #expect(
                    !(try FileManager.default.contentsOfDirectory(atPath: run.path).contains { $0.contains(".tmp-") }),
                    "\(label): a temporary file was left beside the backup")
                let restored = run.appendingPathComponent("restored")
                let restore = try CLIRunner.run(["restore", destination.path, restored.path])
                #expect(restore.status == 0, "\(operation.name), \(label), restore: \(restore.stderr)")
                if restore.status == 0 {
                    #expect(try Observed(registry: restored) == before, "\(label): the backup restores the source")
                }
            case .adoption:
                // Applied from its event on; before it, the artifact is still unregistered (which fsck reports
                // until it is adopted) and nothing else changed. Adopting again completes it either way.
                _ = try Registry.open(at: registry).recover()
                let observed = try Observed(registry: registry)
                #expect(observed == before || observed == after, "adopt, \(label): \(observed)\nafter: \(after)")
                let retry = try CLIRunner.run(arguments, in: run)
                #expect(retry.status == 0, "adopt, \(label), run again: \(retry.stderr)")
                try expectConsistent(registry)
                #expect(try Observed(registry: registry) == after, "adopt, \(label), run again")
            case .restore:
                let restored = run.appendingPathComponent("restored")
                #expect(try Observed(registry: registry) == before, "\(label): the source changed")
                if let code = registryErrorCode({ try Registry.open(at: restored) }) {
                    #expect(code == .notARegistry, "\(label): \(code)")
                    return
                }
                try expectConsistent(restored)
                #expect(try Observed(registry: restored) == after, "\(label): a partial restore")
            }
        }
    }
#endif
