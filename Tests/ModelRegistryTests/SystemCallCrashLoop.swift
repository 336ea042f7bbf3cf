import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// The child-process loop every per-call crash sweep shares (``SystemCallCrashSweepTests``,
    /// ``SpaceAndTransferCrashSweepTests``): copy the fixture, run the command with `MODELREG_CRASH_AT_CALL=n` so
    /// that it dies before its n-th call through the file-system layer, check the crashed copy, and go on with
    /// n + stride until the command completes. Then `recover` is swept the same way on the first crashed copy
    /// that left recovery work. The checks are the caller's: this only drives the processes and the copies.
    struct SystemCallCrashLoop {
        /// The directory copied for every run (`cp -a`); commands run inside the copy.
        var fixture: URL
        /// Where the run copies go (removed after each check).
        var scratch: URL
        /// The command line, without `MODELREG_CRASH_AT_CALL`.
        var arguments: [String]
        /// Calls between two crash points (1: every call).
        var stride = 1
        /// Calls between two crash points of the recovery sweep.
        var recoveryStride = 1
        /// Whether to keep a crashed run that recovery had work to do on, for ``sweepRecovery(check:)``.
        var keepsRecoveryWork = true
        /// The registry inside a run copy.
        var registryName = "registry"
        /// The first call killed: 1, or past a prefix of the operation another sweep covers.
        var firstCall = 1
        /// More environment for the command's runs (and the recovery sweep's), for example a checkpoint key.
        var environment: [String: String] = [:]

        /// What the operation sweep found.
        struct Sweep {
            /// The calls killed.
            var points = 0
            /// A crashed run before recovery, on which recovery had work to do.
            var leftWork: URL?
        }

        /// `true` unless `MODELREG_FULL_SWEEP=1`: then every call is killed, whatever the stride.
        static var fullSweep: Bool { ProcessInfo.processInfo.environment["MODELREG_FULL_SWEEP"] == "1" }

        /// Kills the command before calls ``firstCall``, ``firstCall`` + stride, … until it completes; `check` gets each crashed copy
        /// and a label naming the call. The completing run must exit 0.
        func sweepOperation(
            sourceLocation: SourceLocation = #_sourceLocation, check: (URL, String) throws -> Void
        ) throws -> Sweep {
            var sweep = Sweep()
            var call = firstCall
            while true {
                let run = scratch.appendingPathComponent("run-\(call)")
                try Self.copy(fixture, to: run)
                let outcome = try CLIRunner.run(
                    arguments, environment: environment.merging(["MODELREG_CRASH_AT_CALL": "\(call)"]) { $1 },
                    in: run)
                if !outcome.wasKilled {
                    #expect(
                        outcome.status == 0, "\(arguments) after \(call - 1) calls: \(outcome.stderr)",
                        sourceLocation: sourceLocation)
                    try FileManager.default.removeItem(at: run)
                    return sweep
                }
                sweep.points += 1
                if keepsRecoveryWork && sweep.leftWork == nil {
                    let crashed = scratch.appendingPathComponent("crashed")
                    try Self.copy(run, to: crashed)
                    if try Registry.open(at: run.appendingPathComponent(registryName)).recover().isClean {
                        try FileManager.default.removeItem(at: crashed)
                    } else {
                        sweep.leftWork = crashed
                    }
                }
                try check(run, "killed before call \(call)")
                try FileManager.default.removeItem(at: run)
                call += Self.fullSweep ? 1 : stride
            }
        }

        /// Kills `recover` before calls 1, 1 + recoveryStride, … of its own on copies of `crashed` until it
        /// completes; `check` gets every copy, the completed one included. Returns the number of kills.
        @discardableResult
        func sweepRecovery(
            of crashed: URL, sourceLocation: SourceLocation = #_sourceLocation,
            check: (URL, String) throws -> Void
        ) throws -> Int {
            var call = 1
            var points = 0
            while true {
                let run = scratch.appendingPathComponent("recover-\(call)")
                try Self.copy(crashed, to: run)
                let outcome = try CLIRunner.run(
                    ["recover", "--registry", registryName],
                    environment: environment.merging(["MODELREG_CRASH_AT_CALL": "\(call)"]) { $1 }, in: run)
                try check(run, "recover killed before call \(call)")
                try FileManager.default.removeItem(at: run)
                if !outcome.wasKilled {
                    #expect(outcome.status == 0, "\(outcome.stderr)", sourceLocation: sourceLocation)
                    return points
                }
                points += 1
                call += Self.fullSweep ? 1 : recoveryStride
            }
        }

        /// Copies a directory with `cp -a`, keeping hard links and modes as the registry wrote them.
        static func copy(_ source: URL, to destination: URL) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/cp")
            process.arguments = ["-a", source.path, destination.path]
            let outcome = try CLIRunner.capture(process)
            guard outcome.status == 0 else {
                throw RegistryError(.io, "cp -a \(source.path) \(destination.path) failed: \(outcome.stderr)")
            }
        }
    }

    extension SystemCallCrashLoop {
        /// A loop over `fixture` whose runs go in a new `runs/` directory in `temp`, killing before every
        /// `stride`-th call of the operation and every `recoveryStride`-th call of `recover`.
        init(fixture: URL, runsIn temp: URL, arguments: [String], stride: Int, recoveryStride: Int) throws {
            self.init(
                fixture: fixture, scratch: try Self.makeDirectory("runs", in: temp), arguments: arguments,
                stride: stride, recoveryStride: recoveryStride)
        }

        /// Makes the new, empty directory `name` in `temp`: a sweep's fixture or its runs.
        static func makeDirectory(_ name: String, in temp: URL) throws -> URL {
            let directory = temp.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
            return directory
        }

        /// ``sweepOperation(sourceLocation:check:)``, then ``sweepRecovery(of:sourceLocation:check:)`` of the first
        /// killed run that left recovery work, `check` judging every run of both: for an operation whose kills
        /// leave one of a few outcomes (`check` names the one it found). Expects the operation killed more than
        /// `minimumKills` times, a kill that left recovery work, and `recover` killed at least once.
        ///
        /// - Returns: the outcomes `check` named for the operation's killed runs.
        func sweepOperationAndRecovery(
            killedMoreThan minimumKills: Int, sourceLocation: SourceLocation = #_sourceLocation,
            check: (URL, String) throws -> String
        ) throws -> Set<String> {
            let command = arguments.first ?? "the command"
            var outcomes: Set<String> = []
            let sweep = try sweepOperation(sourceLocation: sourceLocation) { run, label in
                outcomes.insert(try check(run, label))
            }
            #expect(
                sweep.points > minimumKills, "\(command) was killed \(sweep.points) times",
                sourceLocation: sourceLocation)
            let crashed = try #require(
                sweep.leftWork, "no killed \(command) left recovery work", sourceLocation: sourceLocation)
            let kills = try sweepRecovery(of: crashed, sourceLocation: sourceLocation) { run, label in
                _ = try check(run, label)
            }
            #expect(kills > 0, "recover was never killed", sourceLocation: sourceLocation)
            return outcomes
        }
    }
#endif
