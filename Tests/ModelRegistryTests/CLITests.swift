import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Runs the real `modelreg` binary and checks its stdout, stderr and exit status.
@Suite struct CLITests {
    func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws
        -> CLIRunner.Outcome
    {
        try CLIRunner.run(arguments, environment: environment, in: directory)
    }

    @Test func initRegisterShowAndLsWorkTogether() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            #expect(try run(["init", "--registry", registry]).status == 0)
            let registered = try run([
                "register", bundle.path, "--registry", registry, "--name", "document-classifier",
                "--capability", "text-classification", "--label", "framework=pytorch",
            ])
            #expect(registered.status == 0, "\(registered.stderr)")
            let id = registered.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(ArtifactID(id) != nil, "stdout must be exactly the id, got '\(registered.stdout)'")

            let shown = try run(["show", id, "--registry", registry])
            #expect(shown.status == 0)
            #expect(shown.stdout.contains("document-classifier") && shown.stdout.contains("tokenizer/vocab.txt"))
            #expect(shown.stdout.contains("framework=pytorch"))

            let listed = try run(["ls"], environment: ["MODELREG_REGISTRY": registry])
            #expect(listed.status == 0)
            #expect(listed.stdout.contains(id) && listed.stdout.contains("5 files"))

            let again = try run([
                "register", bundle.path, "--registry", registry, "--name", "document-classifier",
                "--capability", "text-classification", "--label", "framework=pytorch",
            ])
            #expect(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id)
            #expect(again.stderr.contains("already registered"))
        }
    }

    @Test func theRegistryDefaultsToDotSlashRegistry() throws {
        try withTemporaryDirectory { temp in
            let outcome = try run(["init"], in: temp)
            #expect(outcome.status == 0)
            #expect(FileManager.default.fileExists(atPath: temp.appendingPathComponent("registry/registry.json").path))
        }
    }

    @Test func theDemoRegistersASampleBundleAndReDerivesItsId() throws {
        try withTemporaryDirectory { temp in
            let outcome = try run(["demo", temp.appendingPathComponent("demo").path])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout.contains("registered it as sha256-"))
            #expect(outcome.stdout.contains("same id, nothing changed"))
            #expect(outcome.stdout.contains("re-derives its own id: yes"))
            #expect(outcome.stdout.contains("(as expected)") && outcome.stdout.contains("hash chain intact"))
            let registry = try Registry.open(at: temp.appendingPathComponent("demo"), forWriting: false)
            #expect(try registry.listArtifacts().count == 2)
            let firstLine = outcome.stdout.split(separator: "\n").first { $0.contains("registered it as ") }
            let first = firstLine.flatMap { ArtifactID(String($0.split(separator: " ").last ?? "")) }
            #expect(try registry.resolve("document-classifier-champion").artifact == first)
        }
    }

    @Test func aliasCommandsPromoteResolveRollBackAndShowHistory() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            _ = try run(["init", "--registry", registry])
            var ids: [String] = []
            for index in 0..<2 {
                let bundle = try BundleFixture.write(
                    ["w.bin": [UInt8(index)]], to: temp.appendingPathComponent("b\(index)"))
                ids.append(
                    try run(["register", bundle.path, "--registry", registry]).stdout.trimmingCharacters(
                        in: .whitespacesAndNewlines))
            }
            #expect(try run(["promote", "champion", ids[0], "--registry", registry, "--reason", "first"]).status == 0)
            let conflict = try run(["promote", "champion", ids[1], "--expect", ids[1], "--registry", registry])
            #expect(conflict.status == 1 && conflict.stderr.contains("another writer"))
            #expect(try run(["promote", "champion", ids[1], "--expect", ids[0], "--registry", registry]).status == 0)
            #expect(try run(["resolve", "champion", "--registry", registry]).stdout == ids[1] + "\n")
            #expect(try run(["rollback", "champion", "--registry", registry]).status == 0)
            #expect(try run(["resolve", "champion", "--registry", registry]).stdout == ids[0] + "\n")
            let history = try run(["alias", "history", "champion", "--registry", registry])
            #expect(history.stdout.split(separator: "\n").count == 3)
            #expect(try run(["alias", "ls", "--registry", registry]).stdout.contains("champion  \(ids[0])"))
            let log = try run(["log", "--type", "alias_rolled_back", "--registry", registry])
            #expect(log.stdout.split(separator: "\n").count == 1 && log.stdout.contains("alias_rolled_back"))
            #expect(try run(["audit", "verify", "--registry", registry]).stdout.contains("hash chain intact"))
            #expect(try run(["recover", "--registry", registry]).stdout.contains("consistent"))
            #expect(try run(["resolve", "../x", "--registry", registry]).status == 1)
            #expect(try run(["retire", "champion", "--registry", registry]).status == 0)
            #expect(try run(["resolve", "champion", "--registry", registry]).status == 1)
        }
    }

    @Test func auditVerifyExitsWithOneOnAnEditedLog() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg")
            let bundle = try BundleFixture.write(["w.bin": [1]], to: temp.appendingPathComponent("b"))
            _ = try run(["init", "--registry", registry.path])
            _ = try run(["register", bundle.path, "--registry", registry.path])
            _ = try run(["register", bundle.path, "--registry", registry.path, "--name", "other"])
            let audit = registry.appendingPathComponent("audit")
            let file = audit.appendingPathComponent(
                try #require(FileManager.default.contentsOfDirectory(atPath: audit.path).first))
            let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(
                of: "\"files\":1", with: "\"files\":2")
            try edited.write(to: file, atomically: false, encoding: .utf8)
            let outcome = try run(["audit", "verify", "--registry", registry.path])
            #expect(outcome.status == 1)
            #expect(outcome.stdout.contains(file.lastPathComponent))
        }
    }

    @Test func failuresPrintOneErrorLineAndExitWithOne() throws {
        try withTemporaryDirectory { temp in
            let missing = try run(["ls", "--registry", temp.appendingPathComponent("nothing-here").path])
            #expect(missing.status == 1)
            #expect(missing.stderr.hasPrefix("error: ") && missing.stderr.contains("not a model registry"))
            #expect(missing.stderr.split(separator: "\n").count == 1)

            let registry = temp.appendingPathComponent("reg").path
            _ = try run(["init", "--registry", registry])
            let absent = try run(["show", "sha256-" + String(repeating: "0", count: 64), "--registry", registry])
            #expect(absent.status == 1 && absent.stderr.hasPrefix("error: "))

            let link = try BundleFixture.write(["a.bin": [1]], to: temp.appendingPathComponent("bundle"))
            try FileManager.default.createSymbolicLink(
                atPath: link.appendingPathComponent("l").path, withDestinationPath: "/etc/hostname")
            let refused = try run(["register", link.path, "--registry", registry])
            #expect(refused.status == 1 && refused.stderr.contains("symbolic link"))
        }
    }

    @Test(arguments: [
        ["frobnicate"], ["ls", "--bogus"], ["register"], ["show", "not-an-id"],
        ["register", "x", "--mode", "teleport"],
    ])
    func usageErrorsExitWith64(arguments: [String]) throws {
        try withTemporaryDirectory { temp in
            let outcome = try run(arguments + ["--registry", temp.path])
            #expect(outcome.status == (arguments == ["show", "not-an-id"] ? 1 : 64), "\(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix("error: "))
        }
    }

    @Test func helpListsTheSubcommands() throws {
        let outcome = try run(["help"])
        #expect(outcome.status == 0)
        for word in ["OVERVIEW:", "USAGE:", "SUBCOMMANDS:", "register", "demo"] {
            #expect(outcome.stdout.contains(word))
        }
    }
}
