import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if DEBUG && os(Linux)
    /// Issue #14: power cuts on real file systems. A sequence of operations (register, promote, state set, gc,
    /// rollback, sign, policy set) runs as separate `modelreg` processes on a loop-mounted ext4 (`data=ordered`, `data=writeback`) or
    /// xfs image. One of them is started with `MODELREG_STOP_AFTER_FSYNC=k` and stops itself right after its k-th
    /// fsync returns; the image file is copied as a power cut leaves it (what the loop device received; the page
    /// cache of the mounted file system is lost), the writer is killed, the copy is mounted (its journal replays)
    /// and recovered. Then every operation that returned before the cut is there, the cut one is wholly applied or
    /// wholly absent, `recover`, `audit verify` and `fsck` are clean, and the file system's own checker is too.
    ///
    /// Needs root and loop devices; skips with the reason elsewhere. CI cuts after every fsync of register,
    /// promote, state set, rollback, sign and policy set (issue #14's "every k") and after every other one of gc;
    /// `MODELREG_FULL_SWEEP=1` takes every k of every operation.
    @Suite(.serialized) struct PowerLossTests {
        /// The writes of the sequence, in order, each run in its own process.
        static let sequence: [(name: String, arguments: [String], stride: Int)] = [
            ("register", ["register", "../bundle", "--name", "m2"], 1),
            ("promote", ["promote", "champion", "m2:latest"], 1),
            ("state set", ["state", "set", "m2:latest", "candidate", "--reason", "canary"], 1),
            ("gc", ["gc", "--apply", "--grace", "0"], 2),
            ("rollback", ["rollback", "champion"], 1),
            ("sign", ["sign", "m2:latest", "--key", "../sign.key"], 1),
            ("policy set", ["policy", "set", "../policy.json"], 1),
        ]

        /// What a user observes of the registry: the crash sweeps' observation and the policy's bytes.
        struct Observation: Equatable, CustomStringConvertible {
            var registry: SpaceAndTransferCrashSweepTests.Observed
            var policy: String?

            init(registry root: URL) throws {
                registry = try SpaceAndTransferCrashSweepTests.Observed(registry: root)
                policy = FileManager.default.contents(atPath: root.appendingPathComponent("policy.json").path).map {
                    String(decoding: $0, as: UTF8.self)
                }
            }

            var description: String { "\(registry), policy: \(policy ?? "none")" }
        }

        private static var fullSweep: Bool { ProcessInfo.processInfo.environment["MODELREG_FULL_SWEEP"] == "1" }

        /// Writes the base image: a registry with m0 and m1 (`champion` m0 → m1) and the unheld m9 for gc; beside it
        /// the bundle to register, a signing key and a policy to set.
        private func makeBaseImage(_ kind: LoopFileSystem.Kind, in temp: URL) throws -> URL {
            let image = try LoopFileSystem.makeImage(kind, at: temp.appendingPathComponent("base.img"))
            let mount = try LoopFileSystem(image: image, kind: kind, at: temp.appendingPathComponent("mnt-base"))
            defer { mount.unmountEventually() }
            let registry = try Registry.create(at: mount.mountPoint.appendingPathComponent("registry"))
            var ids: [ArtifactID] = []
            for (index, name) in ["m0", "m1", "m9"].enumerated() {
                let bundle = try BundleFixture.write(
                    ["weights.bin": BundleFixture.randomBytes(count: 50_000, seed: UInt64(60 + index))],
                    to: temp.appendingPathComponent("b-\(name)"))
                ids.append(try registry.register(directory: bundle, metadata: ArtifactMetadata(name: name)).artifact.id)
            }
            try registry.promote("champion", to: ids[0])
            try registry.promote("champion", to: ids[1])
            _ = try BundleFixture.write(
                [
                    "weights.bin": BundleFixture.randomBytes(count: 120_000, seed: 70),
                    "tokenizer/vocab.txt": Array("[PAD]\n[UNK]\n".utf8),
                ], to: mount.mountPoint.appendingPathComponent("bundle"))
            let keygen = try CLIRunner.run(["keygen", mount.mountPoint.appendingPathComponent("sign.key").path])
            try #require(keygen.status == 0, "\(keygen.stderr)")
            try Data(#"{"rules":[{"aliases":"champion","requireApproval":true}],"schemaVersion":1}"#.utf8).write(
                to: mount.mountPoint.appendingPathComponent("policy.json"))
            return image
        }

        /// The observed registry after each prefix of the sequence, from a run without cuts.
        private func referenceStates(_ kind: LoopFileSystem.Kind, base: URL, in temp: URL) throws
            -> [Observation]
        {
            let image = temp.appendingPathComponent("reference.img")
            try LoopFileSystem.copyImage(base, to: image)
            let mount = try LoopFileSystem(image: image, kind: kind, at: temp.appendingPathComponent("mnt-reference"))
            defer { mount.unmountEventually() }
            let root = mount.mountPoint.appendingPathComponent("registry")
            var states = [try Observation(registry: root)]
            for step in Self.sequence {
                let outcome = try CLIRunner.run(step.arguments + ["--registry", "."], in: root)
                try #require(outcome.status == 0, "\(step.name): \(outcome.stderr)")
                states.append(try Observation(registry: root))
            }
            return states
        }

        @Test(arguments: LoopFileSystem.Kind.allCases)
        func aPowerCutAfterAnyFsyncLosesNoReportedOperation(kind: LoopFileSystem.Kind) throws {
            if let reason = LoopFileSystem.unavailableReason(kind) {
                print("skipping the power-loss test on \(kind.rawValue): \(reason)")
                return
            }
            try withTemporaryDirectory { temp in
                let base = try makeBaseImage(kind, in: temp)
                let states = try referenceStates(kind, base: base, in: temp)
                var cuts = 0
                var applied = 0
                for (index, step) in Self.sequence.enumerated() {
                    let stride = Self.fullSweep ? 1 : step.stride
                    var k = 1
                    while let wasApplied = try cut(
                        kind, base: base, stopping: index, afterFsync: k, states: states, in: temp)
                    {
                        cuts += 1
                        if wasApplied { applied += 1 }
                        k += stride
                    }
                    #expect(k > 2, "\(kind.rawValue), \(step.name): the writer made fewer than two fsyncs")
                }
                print("power-loss test on \(kind.rawValue): \(cuts) cuts, \(applied) found the cut operation applied")
                #expect(applied > 0 && applied < cuts, "cuts should find the operation both absent and applied")
            }
        }

        /// Runs the sequence on a fresh copy of `base`, stopping operation `index` after its `k`-th fsync, cuts
        /// the power there and checks the replayed copy. Returns whether the cut operation was found applied, or
        /// nil when it made fewer than `k` fsyncs (it completed, nothing was cut).
        private func cut(
            _ kind: LoopFileSystem.Kind, base: URL, stopping index: Int, afterFsync k: Int,
            states: [Observation], in temp: URL
        ) throws -> Bool? {
            let label = "\(kind.rawValue), \(Self.sequence[index].name) stopped after fsync \(k)"
            let image = temp.appendingPathComponent("case.img")
            let cutImage = temp.appendingPathComponent("cut.img")
            defer {
                try? FileManager.default.removeItem(at: image)
                try? FileManager.default.removeItem(at: cutImage)
            }
            try LoopFileSystem.copyImage(base, to: image)
            let stopped: Bool
            do {
                let mount = try LoopFileSystem(image: image, kind: kind, at: temp.appendingPathComponent("mnt-case"))
                defer { mount.unmountEventually() }
                let root = mount.mountPoint.appendingPathComponent("registry")
                for step in Self.sequence[..<index] {
                    let outcome = try CLIRunner.run(step.arguments + ["--registry", "."], in: root)
                    try #require(outcome.status == 0, "\(label): \(step.name) \(outcome.stderr)")
                }
                let writer = try StoppableWriter(
                    arguments: Self.sequence[index].arguments + ["--registry", "."], in: root,
                    environment: ["MODELREG_STOP_AFTER_FSYNC": "\(k)"])
                stopped = try writer.waitUntilStoppedOrExited()
                if stopped {
                    try LoopFileSystem.copyImage(image, to: cutImage)  // the power cut
                    writer.kill()
                } else {
                    #expect(writer.status == 0, "\(label): \(writer.stderr)")
                }
            }
            guard stopped else { return nil }

            let mount = try LoopFileSystem(image: cutImage, kind: kind, at: temp.appendingPathComponent("mnt-cut"))
            var observed: Observation?
            do {
                defer { mount.unmountEventually() }
                let root = mount.mountPoint.appendingPathComponent("registry")
                try expectConsistent(root)
                observed = try Observation(registry: root)
            }
            if let observed {
                #expect(
                    observed == states[index] || observed == states[index + 1],
                    "\(label): \(observed)\nbefore: \(states[index])\nafter: \(states[index + 1])")
            }
            if let complaint = try LoopFileSystem.checkerComplaint(kind, image: cutImage) {
                Issue.record("\(label): the file system checker: \(complaint)")
            }
            return observed == states[index + 1]
        }
    }

    /// A `modelreg` process that may stop itself (SIGSTOP): its output goes to files, so a stopped writer never
    /// blocks on a pipe, and the test can wait for either the stop or the exit.
    final class StoppableWriter {
        private let process = Process()
        private let output: URL

        init(arguments: [String], in directory: URL, environment: [String: String]) throws {
            guard let binary = CLIRunner.binary else {
                throw RegistryError(.notFound, "the modelreg binary was not found next to the tests")
            }
            output = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
                "modelreg-writer-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).err")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            process.executableURL = binary
            process.arguments = arguments
            process.currentDirectoryURL = directory
            process.environment = CLIRunner.childEnvironment(environment)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: output)
            try process.run()
        }

        deinit { try? FileManager.default.removeItem(at: output) }

        /// Waits until the writer stopped itself (true) or exited (false).
        func waitUntilStoppedOrExited() throws -> Bool {
            let pid = process.processIdentifier
            while true {
                if !process.isRunning {
                    process.waitUntilExit()
                    return false
                }
                if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                {
                    let state = stat[stat.index(close, offsetBy: 2)]
                    if state == "T" || state == "t" { return true }
                }
                usleep(2_000)
            }
        }

        /// Kills a stopped writer and waits for it.
        func kill() {
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        var status: Int32 { process.terminationStatus }
        var stderr: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    }
#endif
