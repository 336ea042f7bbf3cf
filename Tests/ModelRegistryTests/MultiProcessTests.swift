import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Several real processes register and promote against one registry at once (the way training jobs, CI and an
/// operator would), then the registry is checked as a whole.
@Suite struct MultiProcessTests {
    @Test func concurrentWritersLoseNothingAndLeaveAConsistentRegistry() async throws {
        try await withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("registry")
            _ = try await Registry.create(at: root)
            let writers = 4
            let rounds = 6
            // Each writer registers its own bundles and promotes them to a shared alias and to its own alias.
            let outcomes = try await withThrowingTaskGroup(of: [String].self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var promotions: [String] = []
                        for round in 0..<rounds {
                            let bundle = try BundleFixture.write(
                                ["w.bin": BundleFixture.randomBytes(count: 20_000, seed: UInt64(writer * 100 + round))],
                                to: temp.appendingPathComponent("w\(writer)-r\(round)"))
                            let registered = try CLIRunner.run([
                                "register", bundle.path, "--registry", root.path, "--name", "m\(writer)",
                            ])
                            guard registered.status == 0 else {
                                throw RegistryError(.io, "register failed: \(registered.stderr)")
                            }
                            let id = registered.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                            for alias in ["shared-champion", "writer-\(writer)"] {
                                let promoted = try CLIRunner.run([
                                    "promote", alias, id, "--registry", root.path, "--actor", "writer-\(writer)",
                                ])
                                guard promoted.status == 0 else {
                                    throw RegistryError(.io, "promote failed: \(promoted.stderr)")
                                }
                                promotions.append("\(alias) \(id)")
                            }
                        }
                        return promotions
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(outcomes.count == writers * rounds * 2)

            let registry = try await Registry.open(at: root)
            #expect(try registry.journal.verify().isClean)
            var logged: [String: Int] = [:]
            try registry.journal.forEachEvent(.init(types: [.aliasPromoted])) { event in
                let key = "\(event.alias ?? "?") \(event.payload.objectValue?["artifact"]?.stringValue ?? "?")"
                logged[key, default: 0] += 1
            }
            // Every reported promotion is in the log exactly once. (A promotion to the alias's current target is a
            // no-op, which cannot happen here: every bundle is distinct.)
            for promotion in outcomes { #expect(logged[promotion] == 1, "\(promotion)") }
            #expect(logged.values.reduce(0, +) == outcomes.count)
            for record in try await registry.listAliases() { #expect(try await registry.contains(record.artifact)) }
            #expect(try await registry.listArtifacts().count == writers * rounds)
            #expect(try FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath).isEmpty)
            #expect(try await registry.recover().isClean)
        }
    }
}
