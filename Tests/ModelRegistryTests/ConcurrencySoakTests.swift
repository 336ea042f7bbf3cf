import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #14's concurrency soak: for a bounded time (20 s in CI, `MODELREG_SOAK_SECONDS=60` for the issue's run),
/// six writer loops (`MODELREG_SOAK_WRITERS`) register bundles and promote them, two in-process readers resolve
/// and load every alias (verifying the bytes), `recover` and `gc --apply --grace 1s` run in loops beside them (each
/// writer also registers a bundle it never promotes, for the collector), and a killer starts registrations and
/// promotions of its own and sends each a SIGKILL after a random delay (seeded). Readers must never
/// fail or see a half state (every resolved target loads and verifies); then no reported registration or promotion
/// is lost or duplicated, the chain verifies, nothing is left in `staging/`, every alias names an existing
/// artifact, and the indexes rebuild equal to what the writers left.
@Suite struct ConcurrencySoakTests {
    static var duration: Double {
        ProcessInfo.processInfo.environment["MODELREG_SOAK_SECONDS"].flatMap(Double.init) ?? 20
    }

    static var writers: Int {
        ProcessInfo.processInfo.environment["MODELREG_SOAK_WRITERS"].flatMap(Int.init) ?? 6
    }

    /// The alias the killer promotes: its promotions are never reported, so the checks leave it out.
    static let victimAlias = "victim"

    /// What the loops reported, shared between their threads.
    final class Ledger: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var registered: [String] = []  // ids whose registration exited 0
        private(set) var promotions: [String] = []  // "alias id" whose promotion exited 0
        private(set) var refusedPromotions: [String] = []  // ids whose promotion failed: no such artifact
        private(set) var problems: [String] = []
        private(set) var reads = 0
        private(set) var collectorRuns = 0
        private(set) var recoveries = 0
        private(set) var kills = 0

        func record(_ body: (Ledger) -> Void) {
            lock.lock()
            defer { lock.unlock() }
            body(self)
        }
        func register(_ id: String) { record { $0.registered.append(id) } }
        func promote(_ entry: String) { record { $0.promotions.append(entry) } }
        func refusePromotion(_ id: String) { record { $0.refusedPromotions.append(id) } }
        func problem(_ text: String) { record { $0.problems.append(text) } }
        func read() { record { $0.reads += 1 } }
        func collected() { record { $0.collectorRuns += 1 } }
        func recovered() { record { $0.recoveries += 1 } }
        func killed() { record { $0.kills += 1 } }
        func lastRegistered() -> String? {
            lock.lock()
            defer { lock.unlock() }
            return registered.last
        }
    }

    /// Runs `body` repeatedly on its own thread until `deadline`; returns a group to wait on.
    private static func loop(
        until deadline: Date, group: DispatchGroup, _ body: @escaping @Sendable (Int) -> Void
    ) {
        group.enter()
        let thread = Thread {
            var round = 0
            while Date() < deadline {
                body(round)
                round += 1
            }
            group.leave()
        }
        thread.start()
    }

    /// Starts a registration (even rounds) or a promotion of the newest reported registration to
    /// ``victimAlias`` (odd rounds) as a `modelreg` process and sends it SIGKILL after a delay drawn from the round
    /// (0–400 ms, so that some die early, some mid-write and some after finishing). Returns whether it was killed.
    private static func startAndKill(round: Int, temp: URL, registry path: String, ledger: Ledger) throws -> Bool {
        guard let binary = CLIRunner.binary else { throw RegistryError(.notFound, "modelreg binary not found") }
        var random = SplitMix64(seed: UInt64(round) &* 0x9E37_79B9)
        let bundle = temp.appendingPathComponent("victim-\(round)")
        defer { try? FileManager.default.removeItem(at: bundle) }
        let arguments: [String]
        if round % 2 == 0 {
            _ = try BundleFixture.write(
                [
                    "w.bin": BundleFixture.randomBytes(count: 200_000, seed: UInt64(5_000_000 + round)),
                    "sub/more.bin": BundleFixture.randomBytes(count: 50_000, seed: UInt64(6_000_000 + round)),
                ], to: bundle)
            arguments = ["register", bundle.path, "--registry", path, "--name", "victim"]
        } else {
            guard let id = ledger.lastRegistered() else { return false }
            arguments = ["promote", victimAlias, id, "--registry", path]
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = CLIRunner.childEnvironment()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(UInt32.random(in: 0...400_000, using: &random))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
    }

    @Test func writersReadersRecoveryAndTheCollectorTogetherLoseNothing() throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("registry")
            _ = try Registry.create(at: root)
            let ledger = Ledger()
            let deadline = Date().addingTimeInterval(Self.duration)
            let group = DispatchGroup()
            let path = root.path
            let aliases = (0..<Self.writers).map { "writer-\($0)" }

            for writer in 0..<Self.writers {
                Self.loop(until: deadline, group: group) { round in
                    let bundle = temp.appendingPathComponent("w\(writer)-r\(round)")
                    do {
                        _ = try BundleFixture.write(
                            [
                                "w.bin": BundleFixture.randomBytes(
                                    count: 30_000, seed: UInt64(writer * 10_000 + round)),
                                "sub/config.json": Array(#"{"writer":\#(writer),"round":\#(round)}"#.utf8),
                            ], to: bundle)
                        defer { try? FileManager.default.removeItem(at: bundle) }
                        let registered = try CLIRunner.run(["register", bundle.path, "--registry", path, "--name", "m"])
                        guard registered.status == 0 else {
                            ledger.problem("register: \(registered.stderr)")
                            return
                        }
                        let id = registered.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                        ledger.register(id)
                        // A second bundle nobody promotes: the collector's work once its grace second is over.
                        let spare = try BundleFixture.write(
                            [
                                "spare.bin": BundleFixture.randomBytes(
                                    count: 10_000, seed: UInt64(1_000_000 + writer * 10_000 + round))
                            ],
                            to: temp.appendingPathComponent("w\(writer)-r\(round)-spare"))
                        defer { try? FileManager.default.removeItem(at: spare) }
                        let unheld = try CLIRunner.run(["register", spare.path, "--registry", path, "--name", "spare"])
                        if unheld.status == 0 {
                            ledger.register(unheld.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                        } else {
                            ledger.problem("register: \(unheld.stderr)")
                        }
                        let promoted = try CLIRunner.run(["promote", aliases[writer], id, "--registry", path])
                        if promoted.status == 0 {
                            ledger.promote("\(aliases[writer]) \(id)")
                        } else if promoted.stderr.contains("no artifact")
                            || promoted.stderr.contains("no such artifact")
                        {
                            // The collector may take an artifact between its registration and its promotion when the
                            // writer is slower than the grace second: that promotion fails cleanly, checked below.
                            ledger.refusePromotion(id)
                        } else {
                            ledger.problem("promote: \(promoted.stderr)")
                        }
                    } catch {
                        ledger.problem("writer \(writer): \(error)")
                    }
                }
            }
            for reader in 0..<2 {
                Self.loop(until: deadline, group: group) { round in
                    do {
                        let registry = try Registry.open(at: root, forWriting: false)
                        let alias = aliases[(reader + round) % aliases.count]
                        guard (try? registry.aliases.record(alias)) != nil else { return }  // not promoted yet
                        let loaded = try registry.openForLoading(alias: alias)
                        if !loaded.verification.isClean {
                            ledger.problem("reader: \(alias) loaded with findings \(loaded.verification)")
                        }
                        ledger.read()
                    } catch {
                        ledger.problem("reader: \(error)")
                    }
                }
            }
            Self.loop(until: deadline, group: group) { _ in
                do {
                    let outcome = try CLIRunner.run(["recover", "--registry", path])
                    if outcome.status != 0 { ledger.problem("recover: \(outcome.stderr)") }
                    ledger.recovered()
                } catch {
                    ledger.problem("recover: \(error)")
                }
            }
            Self.loop(until: deadline, group: group) { _ in
                do {
                    let outcome = try CLIRunner.run(["gc", "--apply", "--grace", "1s", "--registry", path])
                    if outcome.status != 0 { ledger.problem("gc: \(outcome.stderr)") }
                    ledger.collected()
                } catch {
                    ledger.problem("gc: \(error)")
                }
            }
            Self.loop(until: deadline, group: group) { round in
                do {
                    if try Self.startAndKill(round: round, temp: temp, registry: path, ledger: ledger) {
                        ledger.killed()
                    }
                } catch {
                    ledger.problem("killer: \(error)")
                }
            }
            group.wait()

            #expect(ledger.problems.isEmpty, "\(ledger.problems.prefix(10))")
            // Readers start loading once a promotion exists; on a loaded machine that may be late, never absent.
            #expect(ledger.registered.count >= 3 && ledger.collectorRuns > 0 && ledger.recoveries > 0)
            #expect(ledger.kills > 0, "the killer must have killed a writer")
            #expect(ledger.reads > 0 || ledger.promotions.isEmpty, "no reader loaded anything")
            print(
                "soak: \(ledger.registered.count) registrations, \(ledger.promotions.count) promotions "
                    + "(\(ledger.refusedPromotions.count) lost the race to the collector), "
                    + "\(ledger.reads) loads, \(ledger.recoveries) recoveries, \(ledger.collectorRuns) gc runs, "
                    + "\(ledger.kills) writers killed")

            let events = try expectConsistent(root)
            let registry = try Registry.open(at: root)
            // Every reported registration has exactly one event, and is present unless the collector logged it.
            let present = Set(try registry.listArtifacts().map(\.description))
            for id in ledger.registered {
                let registrations = events.filter {
                    $0.type == .artifactRegistered && $0.payload.objectValue?["artifact"]?.stringValue == id
                }
                #expect(registrations.count == 1, "\(id): \(registrations.count) registration events")
                let collected = events.contains {
                    $0.type == .artifactCollected && $0.payload.objectValue?["artifact"]?.stringValue == id
                }
                #expect(
                    present.contains(id) != collected, "\(id): present \(present.contains(id)), collected \(collected)")
            }
            // A promotion refused for a missing artifact lost the race to the collector, which logged it.
            for id in ledger.refusedPromotions {
                #expect(
                    events.contains {
                        $0.type == .artifactCollected && $0.payload.objectValue?["artifact"]?.stringValue == id
                    }, "the promotion of \(id) was refused, but the collector did not take it")
            }
            // Every reported promotion is in the log exactly once; each alias is its writer's last promotion.
            var logged: [String: Int] = [:]
            for event in events where event.type == .aliasPromoted && event.alias != Self.victimAlias {
                logged[
                    "\(event.alias ?? "?") \(event.payload.objectValue?["artifact"]?.stringValue ?? "?")", default: 0] +=
                    1
            }
            for promotion in ledger.promotions { #expect(logged[promotion] == 1, "\(promotion)") }
            #expect(logged.values.reduce(0, +) == ledger.promotions.count, "a promotion nobody reported")
            for alias in aliases {
                guard let last = ledger.promotions.last(where: { $0.hasPrefix(alias + " ") }) else { continue }
                #expect(try "\(alias) \(registry.resolve(alias).artifact)" == last)
            }
            // A reader goes through while another process holds the writer lock (`flock -o` keeps the lock in
            // flock(1) and runs the reader without the descriptor): resolving and loading never take it.
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), let binary = CLIRunner.binary,
                let alias = aliases.first(where: { alias in ledger.promotions.contains { $0.hasPrefix(alias + " ") } })
            {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
                process.arguments = [
                    "-o", "--nonblock", registry.layout.rootPath + "/locks/writer.lock", binary.path, "resolve", alias,
                    "--registry", path,
                ]
                process.environment = CLIRunner.childEnvironment()
                let outcome = try CLIRunner.capture(process)
                #expect(outcome.status == 0, "a read while the writer lock is held: \(outcome.stderr)")
            }
            // The indexes the writers kept up to date equal a full rebuild.
            let before = try CLIRunner.run(["find", "--json", "--registry", path])
            let rebuilt = try CLIRunner.run(["index", "rebuild", "--registry", path])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            let after = try CLIRunner.run(["find", "--json", "--registry", path])
            #expect(before.status == 0 && before.stdout == after.stdout, "\(before.stderr)")
        }
    }
}
