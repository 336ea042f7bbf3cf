import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11: a registration that revives content the collector is removing either wins — the artifact is present
/// with its `artifact_registered` event after both finish — or fails cleanly. Two real processes (the CLI) race in
/// a loop: one registers the same bundle again and again, the other collects with a zero grace period.
@Suite struct CollectRegisterRaceTests {
    /// Runs `modelreg` `rounds` times with `arguments` in one shell loop; returns each run's exit status and output.
    private static func loop(_ arguments: [String], rounds: Int, root: URL) throws -> Process {
        guard let binary = CLIRunner.binary else {
            throw RegistryError(.notFound, "the modelreg binary was not found next to the tests")
        }
        let quoted = ([binary.path] + arguments + ["--registry", root.path]).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "i=0; while [ $i -lt \(rounds) ]; do \(quoted); echo \"status=$?\"; i=$((i+1)); done",
        ]
        process.environment = CLIRunner.childEnvironment()
        return process
    }

    @Test func aRegistrationRacingTheCollectorEitherWinsOrFailsCleanly() throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            let bundle = try BundleFixture.write(
                ["w.bin": BundleFixture.randomBytes(count: 300_000, seed: 5), "config.json": Array("{}".utf8)],
                to: temp.appendingPathComponent("bundle"))
            let id = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m")).artifact.id
            let rounds = 15
            let registering = try Self.loop(["register", bundle.path, "--name", "m"], rounds: rounds, root: root)
            let collecting = try Self.loop(["gc", "--grace", "0", "--apply"], rounds: rounds, root: root)
            let outputs = [Pipe(), Pipe()]
            let errors = [Pipe(), Pipe()]
            for (index, process) in [registering, collecting].enumerated() {
                process.standardOutput = outputs[index]
                process.standardError = errors[index]
                try process.run()
            }
            let read = (0..<2).map { index in
                (
                    String(decoding: outputs[index].fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                    String(decoding: errors[index].fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                )
            }
            registering.waitUntilExit()
            collecting.waitUntilExit()

            // Every run ended with 0 or a clean failure (exit 1 with an "error:" line), never a crash.
            for (output, errorText) in read {
                let statuses = output.split(separator: "\n").filter { $0.hasPrefix("status=") }
                #expect(statuses.count == rounds, "\(output)")
                #expect(statuses.allSatisfy { $0 == "status=0" || $0 == "status=1" }, "\(output)\n\(errorText)")
                let failures = statuses.filter { $0 == "status=1" }.count
                let errorLines = errorText.split(separator: "\n").filter { $0.hasPrefix("error:") }
                #expect(errorLines.count == failures, "\(errorText)")
            }
            // Each successful registration printed the id.
            let printed = read[0].0.split(separator: "\n").filter { $0.hasPrefix("sha256-") }
            #expect(printed.allSatisfy { $0 == id.description })

            // The registry agrees with its log: presence events alternate, and the directory is there exactly when
            // the last of them is a registration.
            var presence: [AuditEvent.Kind] = []
            try registry.journal.forEachEvent(
                .init(types: [.artifactRegistered, .artifactCollected], artifact: id.description)
            ) { presence.append($0.type) }
            #expect(presence.first == .artifactRegistered)
            #expect(presence.count >= 2, "the first collection always finds the artifact: \(presence)")
            for (earlier, later) in zip(presence, presence.dropFirst()) {
                #expect(earlier != later, "registrations and collections alternate: \(presence)")
            }
            #expect(try registry.contains(id) == (presence.last == .artifactRegistered))
            #expect(try registry.fsck().isClean)
            #expect(try registry.recover().isClean)
            // After both finish, a registration wins.
            let final = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m"))
            #expect(try registry.contains(final.artifact.id))
            #expect(try registry.verify(id, depth: .full).isClean)
        }
    }
}
