import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Help for one command, unknown values as usage errors, and findings reported by the CLI itself.
@Suite struct CommandCLITests {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIRunner.Outcome {
        try CLIRunner.run(arguments, environment: environment)
    }

    /// A registry with one artifact and one alias, `champion`, pointing at it.
    func withRegistry(_ body: (_ temp: URL, _ registry: String, _ id: String) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            _ = try run(["init", "--registry", registry])
            let bundle = try BundleFixture.write(["w.bin": [7]], to: temp.appendingPathComponent("bundle"))
            let id = try run(["register", bundle.path, "--registry", registry]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try run(["promote", "champion", id, "--registry", registry]).status == 0)
            try body(temp, registry, id)
        }
    }

    @Test func logMarksAnEventWhosePayloadIsNotTheDocumentedOne() throws {
        try withRegistry { _, registry, id in
            let layout = try RegistryLayout.open(at: URL(fileURLWithPath: registry))
            try AuditJournal(layout: layout).appendLocked(
                .stateChanged, actor: "foreign", payload: ["artifact": .string(id), "state": .string("production")],
                lock: WriterLock(path: layout.writerLockPath))
            let lines = try run(["log", "--registry", registry]).stdout.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines.prefix(2).allSatisfy { !$0.contains("# not the documented payload") }, "\(lines)")
            #expect(lines.last?.contains("# not the documented payload") == true, "\(lines)")
            #expect(lines.last?.contains("record") == true, "\(lines)")
        }
    }

    @Test(arguments: [["help", "promote"], ["promote", "--help"], ["promote", "champion", "-h"]])
    func helpForOneCommandPrintsOnlyThatCommand(arguments: [String]) throws {
        let outcome = try run(arguments)
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("USAGE: modelreg promote"))
        #expect(outcome.stdout.contains("promote ALIAS ARTIFACT  Point ALIAS at ARTIFACT"))
        #expect(outcome.stdout.contains("--approval-file FILE"))
        #expect(outcome.stdout.contains("OPTIONS:") && outcome.stdout.contains("--registry PATH"))
        #expect(!outcome.stdout.contains("SUBCOMMANDS:") && !outcome.stdout.contains("keygen PATH"))
    }

    @Test func helpForAGroupShowsEachOfItsSubcommands() throws {
        let outcome = try run(["alias", "history", "--help"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("alias ls") && outcome.stdout.contains("alias history ALIAS"))
        #expect(!outcome.stdout.contains("SUBCOMMANDS:"))
    }

    @Test func aUsageErrorPointsAtTheCommandsHelp() throws {
        let outcome = try run(["promote", "champion"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr == "error: missing ARTIFACT\nsee 'modelreg help promote'\n")
    }

    @Test func helpForAnUnknownCommandIsAUsageError() throws {
        let outcome = try run(["help", "frobnicate"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.hasPrefix("error: unknown command 'frobnicate'"))
    }

    @Test func theFullHelpKeepsItsLayoutAndListsEveryCommandOnce() throws {
        for arguments in [[], ["help"], ["--help"], ["-h"]] {
            let outcome = try run(arguments)
            #expect(outcome.status == 0)
            let text = outcome.stdout
            let headings = ["OVERVIEW:", "USAGE:", "OPTIONS:", "SUBCOMMANDS:"].compactMap { text.range(of: $0) }
            #expect(headings.count == 4 && headings.map(\.lowerBound) == headings.map(\.lowerBound).sorted())
            #expect(text.contains("--trust DIR"))
            #expect(text.contains("\n  state set ARTIFACT STATE\n") && text.contains("\n  state show ARTIFACT  "))
        }
    }

    @Test func anUnknownFindStateIsAUsageErrorListingTheStates() throws {
        try withRegistry { _, registry, _ in
            let outcome = try run(["find", "--state", "staging", "--registry", registry])
            #expect(outcome.status == 64, "\(outcome.stdout)\(outcome.stderr)")
            #expect(outcome.stderr.contains("--state"))
            #expect(outcome.stderr.contains("'staging'"))
            #expect(outcome.stderr.contains("registered, validated, candidate, production, deprecated, revoked"))
            #expect(try run(["find", "--state", "registered", "--registry", registry]).status == 0)
        }
    }

    @Test func anUnknownLogTypeIsAUsageErrorListingTheKnownTypes() throws {
        try withRegistry { _, registry, _ in
            let outcome = try run(["log", "--type", "alias_promotd", "--registry", registry])
            #expect(outcome.status == 64, "\(outcome.stdout)\(outcome.stderr)")
            #expect(outcome.stderr.contains("--type") && outcome.stderr.contains("'alias_promotd'"))
            let allowed = Set(AuditEvent.Kind.known.map(\.rawValue)).union(["alias_restored"]).sorted()
            #expect(outcome.stderr.contains(allowed.joined(separator: ", ")))
            #expect(try run(["log", "--type", "alias_restored", "--registry", registry]).status == 0)
            let promoted = try run(["log", "--type", "alias_promoted", "--registry", registry])
            #expect(promoted.status == 0 && promoted.stdout.split(separator: "\n").count == 1)
        }
    }

    @Test func anUnknownLifecycleStateIsAUsageError() throws {
        try withRegistry { _, registry, id in
            let outcome = try run(["state", "set", id, "staging", "--registry", registry])
            #expect(outcome.status == 64, "\(outcome.stderr)")
            #expect(outcome.stderr.contains("STATE") && outcome.stderr.contains("'staging'"))
            #expect(outcome.stderr.contains("registered, validated, candidate, production, deprecated, revoked"))
            #expect(try run(["state", "show", id, "--registry", registry]).stdout == "registered\n")
        }
    }

    @Test func theHistoryOfAnAliasThatNeverExistedIsAnError() throws {
        try withRegistry { _, registry, _ in
            let outcome = try run(["alias", "history", "nosuch", "--registry", registry])
            #expect(outcome.status == 1)
            #expect(outcome.stderr.hasPrefix("error: no alias 'nosuch'"))
            #expect(outcome.stdout.isEmpty)
            #expect(try run(["alias", "history", "champion", "--registry", registry]).status == 0)
            // A retired alias has no file but still has a history.
            #expect(try run(["retire", "champion", "--registry", registry]).status == 0)
            let retired = try run(["alias", "history", "champion", "--registry", registry])
            #expect(retired.status == 0 && retired.stdout.split(separator: "\n").count == 2)
        }
    }

    /// Findings are the CLI's own failure (exit 1, one `error:` line), not a library error with a cause tree.
    @Test func findingsFailWithOneErrorLineEvenWhenVerbose() throws {
        try withRegistry { temp, registry, id in
            let weights = URL(fileURLWithPath: registry).appendingPathComponent("artifacts/\(id)/w.bin")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: weights.path)
            try Data([8]).write(to: weights)
            let verify = try run(
                ["verify", id, "--deep", "--registry", registry], environment: ["MODELREG_VERBOSE": "1"])
            #expect(verify.status == 1 && verify.stdout.hasPrefix("BAD "))
            #expect(verify.stderr.hasPrefix("error: ") && verify.stderr.hasSuffix(" problem(s) in 1 artifact(s)\n"))
            #expect(verify.stderr.split(separator: "\n").count == 1, "\(verify.stderr)")

            let audit = URL(fileURLWithPath: registry).appendingPathComponent("audit")
            let file = audit.appendingPathComponent(
                try #require(FileManager.default.contentsOfDirectory(atPath: audit.path).first))
            let edited = try String(contentsOf: file, encoding: .utf8)
                .replacingOccurrences(of: "\"files\":1", with: "\"files\":2")
            try edited.write(to: file, atomically: false, encoding: .utf8)
            let outcome = try run(["audit", "verify", "--registry", registry], environment: ["MODELREG_VERBOSE": "1"])
            #expect(outcome.status == 1)
            #expect(outcome.stderr.hasPrefix("error: audit log has "))
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
        }
    }
}
