import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Issue #14: a write by a `modelreg` configured with an automatic-checkpoint key (`MODELREG_CHECKPOINT_KEY`)
    /// signs a new note and prunes the one event older (FORMAT.md §9.6). Killed at the named points and before
    /// every system call from the checkpoint on, then recovered: without the key, the newest note is complete, at
    /// most the older note is beside it, no temporary file is left and `fsck --trust` is clean; `recover` with the
    /// key anchors the head and finishes the pruning, leaving only the newest note.
    @Suite struct AutomaticCheckpointCrashTests {
        struct Fixture {
            /// The directory a run copies: `registry/` in it.
            var directory: URL
            var keyPath: String
            var key: Ed25519PrivateKey
            var promoted: ArtifactID
            /// The size of the automatic note before the killed write.
            var size: Int64
            var environment: [String: String] { ["MODELREG_CHECKPOINT_KEY": keyPath] }
            var arguments: [String] { ["promote", "champion", promoted.description, "--registry", "registry"] }
        }

        /// A registry with `a` and `b`, `champion` on `a` promoted by `modelreg` with the key: its automatic
        /// note is the only one. The key lies outside the copied directory.
        private static func makeFixture(_ temp: URL) throws -> Fixture {
            let directory = temp.appendingPathComponent("fixture")
            let root = directory.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            let a = try BundleFixture.registerModel("a", in: registry, under: temp)
            let b = try BundleFixture.registerModel("b", in: registry, under: temp)
            let keyPath = temp.appendingPathComponent("log.key").path
            #expect(try CLIRunner.run(["keygen", keyPath]).status == 0)
            let promotion = try CLIRunner.run(
                ["promote", "champion", a.description, "--registry", root.path],
                environment: ["MODELREG_CHECKPOINT_KEY": keyPath])
            #expect(promotion.status == 0, "\(promotion.stderr)")
            let sizes = try registry.checkpoints().map(\.size)
            #expect(sizes.count == 1, "the automatic note of the promotion: \(sizes)")
            return Fixture(
                directory: directory, keyPath: keyPath, key: try KeyFiles.loadPrivateKey(at: keyPath), promoted: b,
                size: sizes.first ?? 0)
        }

        /// Recovers the crashed registry without the key, then with it, and checks what each leaves.
        private static func check(_ root: URL, _ fixture: Fixture, _ label: String) throws {
            let trust = TrustStore(verifiers: [fixture.key.publicKey])
            let plain = try Registry.open(at: root, configuration: .init(trust: trust))
            let report = try plain.recover()
            #expect(try plain.journal.verify().isClean, "\(label): \(report)")
            var events: Int64 = 0
            try plain.journal.forEachEvent { _ in events += 1 }
            let sizes = try plain.checkpoints().map(\.size)
            // The promotion's event lies before every point swept, so it is in force; its note may be missing.
            #expect(events == fixture.size + 1, "\(label): \(events) events")
            #expect(try plain.resolve("champion").artifact == fixture.promoted, "\(label)")
            #expect(
                sizes == [fixture.size] || sizes == [fixture.size, fixture.size + 1] || sizes == [fixture.size + 1],
                "\(label): at most the older note beside the newest: \(sizes)")
            #expect(Self.temporaryFiles(plain) == [], "\(label): \(Self.temporaryFiles(plain))")
            let integrity = try plain.fsck(depth: .trust)
            #expect(integrity.isClean, "\(label):\n\(integrity)")
            #expect(integrity.unanchoredEvents == (sizes.last == fixture.size ? 1 : 0), "\(label)")

            let keyed = try Registry.open(at: root, configuration: .init(trust: trust, checkpointKey: fixture.key))
            _ = try keyed.recover()
            #expect(try keyed.checkpoints().map(\.size) == [fixture.size + 1], "\(label): the newest note alone")
            #expect(Self.temporaryFiles(keyed) == [], "\(label)")
            let anchored = try keyed.fsck(depth: .trust)
            #expect(anchored.isClean && anchored.unanchoredEvents == 0, "\(label):\n\(anchored)")
            #expect(try keyed.secondRecovery().isClean, "\(label)")
        }

        private static func temporaryFiles(_ registry: Registry) -> [String] {
            let directory = registry.layout.rootPath + "/checkpoints"
            return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
                !$0.hasSuffix(".note")
            }
        }

        /// A key the environment names but that cannot be loaded fails the write before it writes anything: a
        /// writer never runs without the checkpoints its environment asks for.
        @Test func aCheckpointKeyThatCannotBeLoadedFailsTheWriteBeforeItWrites() throws {
            try withTemporaryDirectory { temp in
                let fixture = try Self.makeFixture(temp)
                let root = fixture.directory.appendingPathComponent("registry")
                let registry = try Registry.open(at: root)
                let exposed = temp.appendingPathComponent("exposed.key").path
                try FileManager.default.copyItem(atPath: fixture.keyPath, toPath: exposed)
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: exposed)
                let missing = temp.appendingPathComponent("missing.key").path
                for (path, says) in [(missing, "missing.key"), (exposed, "readable by other users")] {
                    let outcome = try CLIRunner.run(
                        fixture.arguments, environment: ["MODELREG_CHECKPOINT_KEY": path], in: fixture.directory)
                    #expect(outcome.status == 1, "\(path): \(outcome.stderr)")
                    #expect(outcome.stderr.contains("MODELREG_CHECKPOINT_KEY='\(path)'"), "\(outcome.stderr)")
                    #expect(outcome.stderr.contains(says), "\(outcome.stderr)")
                    // Said once: the key file's error is not repeated as its own cause.
                    #expect(outcome.stderr.components(separatedBy: "could not").count <= 2, "\(outcome.stderr)")
                    #expect(try registry.resolve("champion").artifact != fixture.promoted, "nothing was written")
                }
                let empty = try CLIRunner.run(
                    fixture.arguments, environment: ["MODELREG_CHECKPOINT_KEY": ""], in: fixture.directory)
                #expect(empty.status == 0, "an empty variable means no key: \(empty.stderr)")
                #expect(try registry.checkpoints().map(\.size) == [fixture.size], "no automatic note without a key")
            }
        }

        @Test(arguments: ["checkpoint.beforeAutomatic", "checkpoint.beforePrune"])
        func anAutomaticCheckpointKilledAtANamedPointIsAnchoredByRecovery(point: String) throws {
            try withTemporaryDirectory { temp in
                let fixture = try Self.makeFixture(temp)
                try runKilled(fixture.arguments, at: point, environment: fixture.environment, in: fixture.directory)
                try Self.check(fixture.directory.appendingPathComponent("registry"), fixture, point)
            }
        }

        /// Every system call from the automatic checkpoint on (its note's write and the pruning), found by the
        /// number of calls before `checkpoint.beforeAutomatic` in a traced clean run.
        @Test func anAutomaticCheckpointKilledBeforeAnySystemCallIsAnchoredByRecovery() throws {
            try withTemporaryDirectory { temp in
                let fixture = try Self.makeFixture(temp)
                let traced = temp.appendingPathComponent("traced")
                try SystemCallCrashLoop.copy(fixture.directory, to: traced)
                let trace = try CLIRunner.run(
                    fixture.arguments,
                    environment: fixture.environment.merging(["MODELREG_TRACE_CRASH_POINTS": "1"]) { $1 }, in: traced)
                #expect(trace.status == 0, "\(trace.stderr)")
                let line = try #require(
                    trace.stderr.split(separator: "\n").first {
                        $0.hasPrefix("crash point checkpoint.beforeAutomatic")
                    },
                    "\(trace.stderr)")
                let before = try #require(Int(line.split(separator: " ")[4]), "\(line)")
                let pruned = trace.stderr.contains("crash point checkpoint.beforePrune")
                #expect(pruned, "the clean run prunes the older note")

                var loop = SystemCallCrashLoop(
                    fixture: fixture.directory, scratch: temp, arguments: fixture.arguments)
                loop.firstCall = before + 1
                loop.environment = fixture.environment
                loop.keepsRecoveryWork = false
                let sweep = try loop.sweepOperation { run, label in
                    try Self.check(run.appendingPathComponent("registry"), fixture, label)
                }
                #expect(sweep.points >= 5, "the checkpoint's calls were killed: \(sweep.points)")
            }
        }
    }
#endif
