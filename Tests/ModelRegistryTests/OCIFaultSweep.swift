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
    /// The fault sweep the OCI imports share (a layout import, a network pull): for each planned fault and call, a
    /// fresh registry that trusts the fixture's key, the fault injected under it only, the operation run, the fault
    /// removed, and the outcome handed to the caller's checks.
    struct OCIFaultSweep {
        typealias Fault = FailedWriteOutcomeTests.Fault

        /// One faulted run, for the caller's checks.
        struct Case {
            var fault: Fault
            /// How many calls of the fault's kind succeeded before it fired.
            var call: Int
            var registry: Registry
            /// What the operation threw, nil when it succeeded despite the fault.
            var thrown: (any Error)?
            var context: String { "\(fault) at call #\(call + 1)" }
        }

        /// A planned fault and the calls (0-based: after that many successful ones) it is injected at, tried in
        /// order until one no longer fires (the operation makes fewer calls of that kind).
        typealias Plan = [(fault: Fault, calls: [Int])]

        static var fullSweep: Bool { ProcessInfo.processInfo.environment["MODELREG_FULL_SWEEP"] == "1" }

        /// `MODELREG_TRACE_SWEEP=1`: print each case and how long it took to standard error, to follow a long run.
        static var traced: Bool { ProcessInfo.processInfo.environment["MODELREG_TRACE_SWEEP"] == "1" }

        /// The errno and persistence combinations of the matrix: EIO, ENOSPC, EACCES, EROFS, once and for good.
        static let combinations: [(errno: Int32, persistent: Bool)] = [EIO, ENOSPC, EACCES, EROFS].flatMap {
            [($0, false), ($0, true)]
        }

        /// `MODELREG_FULL_SWEEP=exhaustive`: every combination at every call of every kind (about 8 × 780 runs of a
        /// pull, well over an hour on 2 cores).
        static var exhaustive: Bool { ProcessInfo.processInfo.environment["MODELREG_FULL_SWEEP"] == "exhaustive" }

        /// Every call kind the shims make, failing with each of EIO, ENOSPC, EACCES and EROFS, once and for good.
        ///
        /// - `MODELREG_FULL_SWEEP=1`: every call of every kind fails, each call with one combination: call k of the
        ///   kind with index i in ``SystemCall`` takes combination (k + i) mod 8 of ``combinations``, so every kind
        ///   meets every combination (at every 8th call) and the run stays as long as the operation has calls (a
        ///   pull fires 781 faults: 14 minutes on 2 cores, on tmpfs).
        /// - `MODELREG_FULL_SWEEP=exhaustive`: every combination at every call.
        /// - CI: the kinds `ciKinds` only, each errno once per kind (not for good, or — with
        ///   `alternatingPersistence` — for good at every other sample), at its 1st call and at three of its calls 2,
        ///   4, 8, 16, 32 and 64 (rotating with the kind); a depth the operation does not reach is replaced by the
        ///   deepest call of that kind that fired (``run(in:plan:configuration:operation:check:)``).
        static func matrix(ciKinds: [SystemCall], alternatingPersistence: Bool = false) -> Plan {
            let kinds = SystemCall.allCases.filter { $0 != .inotify }
            if exhaustive {
                return kinds.flatMap { call in
                    combinations.map {
                        (Fault(call: call, errno: $0.errno, persistent: $0.persistent), Array(0..<10_000))
                    }
                }
            }
            if fullSweep {
                // Per kind, the combination whose calls start at 0 first: when that one never fires, the kind is
                // not made at all and its other combinations are skipped.
                return kinds.enumerated().flatMap { index, call in
                    combinations.indices.map { combination in
                        let first = (combination - index % combinations.count + combinations.count) % combinations.count
                        let (errno, persistent) = combinations[combination]
                        return (
                            Fault(call: call, errno: errno, persistent: persistent),
                            Array(Swift.stride(from: first, to: 10_000, by: combinations.count))
                        )
                    }.sorted { $0.1[0] < $1.1[0] }
                }
            }
            let errnos: [Int32] = [EIO, ENOSPC, EACCES, EROFS]
            let depths = [1, 3, 7, 15, 31, 63]
            return ciKinds.enumerated().flatMap { index, call in
                errnos.enumerated().map { sample, errno in
                    let k = sample == 0 ? 0 : depths[(index + sample) % depths.count]
                    let persistent = alternatingPersistence && (index + sample) % 2 == 1
                    return (Fault(call: call, errno: errno, persistent: persistent), [k])
                }.sorted { $0.1[0] < $1.1[0] }
            }
        }

        /// Runs `operation` on a fresh registry under `temp` for each planned fault and call, and calls `check`
        /// with the outcome of each run whose fault fired.
        ///
        /// - Returns: how many runs there were and how many of them threw.
        @discardableResult
        static func run(
            in temp: URL, plan: Plan, configuration: Registry.Configuration,
            operation: (Registry) throws -> Void, check: (Case) throws -> Void
        ) throws -> (cases: Int, failures: Int) {
            try run(
                in: temp, plan: plan, prepare: { try Registry.create(at: $0, configuration: configuration) },
                reopen: { try Registry.open(at: $0, configuration: configuration) }, operation: operation,
                check: check)
        }

        /// Runs `operation` on a registry `prepare` makes at a fresh directory (a new one, or a copy of a
        /// template) for each planned fault and call, and calls `check` with the outcome of each run whose fault
        /// fired, on the registry `reopen` opens there.
        ///
        /// - Returns: how many runs there were and how many of them threw.
        @discardableResult
        static func run(
            in temp: URL, plan: Plan, prepare: (URL) throws -> Registry, reopen: (URL) throws -> Registry,
            operation: (Registry) throws -> Void, check: (Case) throws -> Void
        ) throws -> (cases: Int, failures: Int) {
            var cases = 0
            var failures = 0
            // The deepest call of each kind that fired, and the kinds whose last planned depth did not fire.
            var deepest: [SystemCall: Int] = [:]
            var unused: Set<SystemCall> = []
            for (fault, calls) in plan where !unused.contains(fault.call) {
                for planned in calls {
                    cases += 1
                    let started = ContinuousClock.now
                    let root = temp.appendingPathComponent("case-\(cases)")
                    defer { try? FileManager.default.removeItem(at: root) }
                    let registry = try prepare(root)
                    var k = planned
                    var outcome = try attempt(fault, at: k, under: root, registry, operation)
                    if !outcome.fired, calls.count == 1, let fallback = deepest[fault.call], fallback < planned {
                        // CI's one sampled depth is past the operation's calls of this kind: take the deepest
                        // call that fired instead, on another fresh registry.
                        try FileManager.default.removeItem(at: root)
                        k = fallback
                        outcome = try attempt(fault, at: k, under: root, try prepare(root), operation)
                    }
                    guard outcome.fired else {
                        if deepest[fault.call] == nil && planned == 0 { unused.insert(fault.call) }
                        break
                    }
                    deepest[fault.call] = max(deepest[fault.call] ?? 0, k)
                    if outcome.thrown != nil { failures += 1 }
                    try check(
                        Case(
                            fault: fault, call: k, registry: try reopen(root), thrown: outcome.thrown))
                    if traced {
                        FileHandle.standardError.write(
                            Data(
                                "sweep case \(cases): \(fault) at call #\(k + 1), \(ContinuousClock.now - started)\n"
                                    .utf8))
                    }
                }
            }
            return (cases, failures)
        }

        private static func attempt(
            _ fault: Fault, at k: Int, under root: URL, _ registry: Registry,
            _ operation: (Registry) throws -> Void
        ) throws -> (fired: Bool, thrown: (any Error)?) {
            let token = FaultInjector.shared.inject(
                fault.call, errno: fault.errno, under: root.path + "/", after: k,
                times: fault.persistent ? .max : 1)
            var thrown: (any Error)?
            do { try operation(registry) } catch { thrown = error }
            let fired = FaultInjector.shared.hasFired(token)
            FaultInjector.shared.remove(token)
            return (fired, thrown)
        }
    }
#endif
