import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Kills a real `modelreg` before *each* system call of an operation, not only at the named crash points:
    /// `MODELREG_CRASH_AT_CALL=n` sends the n-th call through the file-system layer's shims a SIGKILL, and the sweep
    /// runs n = 1, 2, … until the operation completes. After every kill, recovery must bring the registry into
    /// agreement (``expectConsistent(_:sourceLocation:)``) and the operation must be wholly applied or wholly
    /// absent. For each operation, `recover` itself is then killed before each of its calls, on a registry the
    /// operation's crash left work for, and must still reach one of the two outcomes.
    ///
    /// Like the named points, these crashes keep the kernel's page cache: they test the order of the steps, not
    /// what reaches the disk (docs/GUARANTEES.md).
    @Suite struct SystemCallCrashSweepTests {
        /// One operation of the sweep: its command line, run in a copy of the fixture directory.
        struct Operation: CustomTestStringConvertible, Sendable {
            var name: String
            var arguments: [String]
            var testDescription: String { name }
            var moves: Bool { arguments.contains("move") }
        }

        static let operations: [Operation] = [
            Operation(name: "register (copy)", arguments: ["register", "source", "--name", "m2"]),
            Operation(
                name: "register (hardlink)", arguments: ["register", "source", "--name", "m2", "--mode", "hardlink"]),
            Operation(name: "register (move)", arguments: ["register", "source", "--name", "m2", "--mode", "move"]),
            // On a file system without FICLONE (ext4, tmpfs) reflink falls back to the copy: its own calls still run.
            Operation(
                name: "register (reflink)", arguments: ["register", "source", "--name", "m2", "--mode", "reflink"]),
            Operation(name: "register (identical)", arguments: ["register", "b0", "--name", "m0"]),
            Operation(name: "promote", arguments: ["promote", "challenger", "m0:latest"]),
            Operation(name: "rollback", arguments: ["rollback", "champion"]),
            Operation(name: "retire", arguments: ["retire", "champion"]),
            Operation(name: "state set", arguments: ["state", "set", "m1:latest", "candidate", "--reason", "ab test"]),
            Operation(name: "sign", arguments: ["sign", "m0:latest", "--key", "key"]),
            Operation(name: "policy set", arguments: ["policy", "set", "policy.json"]),
            Operation(name: "evaluate", arguments: ["evaluate", "m0:latest", "--metric", "accuracy=0.93"]),
            Operation(name: "checkpoint", arguments: ["checkpoint", "--key", "key"]),
            Operation(name: "index rebuild", arguments: ["index", "rebuild"]),
        ]

        /// What a user can observe of a registry, without times: two runs of one operation observe the same.
        struct Observed: Equatable, CustomStringConvertible {
            var artifacts: [String] = []
            var aliases: [String: String] = [:]
            var states: [String: String] = [:]
            var signatures: [String: Int] = [:]
            var evaluations: [String: Int] = [:]
            var policy = ""
            var checkpoints = 0
            /// Event types in log order, without `log_repaired` (recovery's own record of a torn tail).
            var events: [String] = []
            /// The move-mode source files still in place.
            var sourceFiles: [String] = []

            init(_ directory: URL) throws {
                let registry = try Registry.open(at: directory.appendingPathComponent("registry"))
                for id in try registry.listArtifacts() {
                    let key = id.description
                    artifacts.append(key)
                    states[key] = try registry.state(of: id).rawValue
                    signatures[key] = try registry.signatures.files(of: id).count
                    evaluations[key] = try registry.evaluations(of: id).count
                }
                for record in try registry.listAliases() {
                    aliases[record.alias] = record.artifact.description
                }
                policy = "\(try registry.promotionPolicy())"
                checkpoints = try registry.checkpoints().count
                try registry.journal.forEachEvent { event in
                    if event.type != .logRepaired { events.append(event.type.rawValue) }
                }
                let source = directory.appendingPathComponent("source").path
                sourceFiles = (FileManager.default.subpaths(atPath: source) ?? []).sorted()
            }

            /// Whether this is `before` or `after`. Move mode takes the user's files only after the registration
            /// succeeded, so a crash while it removes them leaves some in place: then the artifact must be
            /// registered (no byte is lost), and the source files left over do not count.
            func isWhollyApplied(orAbsent before: Observed, _ after: Observed, moving: Bool) -> Bool {
                guard moving else { return self == before || self == after }
                var settled = self
                if settled.artifacts == after.artifacts {
                    settled.sourceFiles = after.sourceFiles
                } else if settled.sourceFiles != before.sourceFiles {
                    return false  // not registered, and a source file gone
                }
                return settled == before || settled == after
            }

            var description: String {
                "artifacts \(artifacts.count), aliases \(aliases), states \(states), signatures \(signatures), "
                    + "evaluations \(evaluations), checkpoints \(checkpoints), events \(events), source \(sourceFiles)"
            }
        }

        /// Two artifacts (m0, m1), alias `champion` promoted to m0 and then m1, a signing key, a policy file and a
        /// source directory for registrations.
        private func makeFixture(_ directory: URL) throws {
            let root = directory.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            var ids: [ArtifactID] = []
            for index in 0..<2 {
                let bundle = try BundleFixture.write(
                    [
                        "weights.bin": BundleFixture.randomBytes(count: 70_000, seed: UInt64(index)),
                        "config.json": Array(#"{"layers":\#(index + 2)}"#.utf8),
                    ],
                    to: directory.appendingPathComponent("b\(index)"))
                ids.append(
                    try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m\(index)")).artifact.id)
            }
            try registry.promote("champion", to: ids[0])
            try registry.promote("champion", to: ids[1])
            try BundleFixture.write(
                [
                    "weights.bin": BundleFixture.randomBytes(count: 70_000, seed: 0),  // m0's weights: deduplicated
                    "tokenizer/vocab.txt": Array("[PAD]\n[UNK]\n".utf8),
                ],
                to: directory.appendingPathComponent("source"))
            try Data(#"{"rules":[{"aliases":"gated-*","requireApproval":true}],"schemaVersion":1}"#.utf8)
                .write(to: directory.appendingPathComponent("policy.json"))
            let keygen = try CLIRunner.run(["keygen", "key"], in: directory)
            #expect(keygen.status == 0, "\(keygen.stderr)")
        }

        @Test(arguments: operations)
        func anOperationKilledBeforeAnySystemCallIsWhollyAppliedOrAbsent(operation: Operation) throws {
            try withTemporaryDirectory { temp in
                let fixture = temp.appendingPathComponent("fixture")
                try makeFixture(fixture)
                let before = try Observed(fixture)

                let completed = temp.appendingPathComponent("completed")
                try SystemCallCrashLoop.copy(fixture, to: completed)
                let clean = try CLIRunner.run(operation.arguments + ["--registry", "registry"], in: completed)
                #expect(clean.status == 0, "\(clean.stderr)")
                try expectConsistent(completed.appendingPathComponent("registry"))
                let after = try Observed(completed)
                #expect(after != before || operation.name.contains("identical") || operation.name == "index rebuild")

                let loop = SystemCallCrashLoop(
                    fixture: fixture, scratch: temp, arguments: operation.arguments + ["--registry", "registry"])
                let check: (URL, String) throws -> Void = { run, label in
                    try expectConsistent(run.appendingPathComponent("registry"))
                    let observed = try Observed(run)
                    #expect(
                        observed.isWhollyApplied(orAbsent: before, after, moving: operation.moves),
                        "\(label): \(observed)\nbefore: \(before)\nafter: \(after)")
                }
                let sweep = try loop.sweepOperation(check: check)
                #expect(sweep.points >= 10, "the sweep must cover the operation's calls, not stop at the first")

                // Recovery killed before each of its own calls, on a registry the crash left work for.
                guard let leftWork = sweep.leftWork else { return }
                #expect(try loop.sweepRecovery(of: leftWork, check: check) >= 1)
            }
        }
    }
#endif
