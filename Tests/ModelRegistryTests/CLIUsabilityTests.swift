import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Help, global options, completion, references, log order, register's exclusions and progress output (#13).
@Suite struct CLIUsabilityTests {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIRunner.Outcome {
        try CLIRunner.run(arguments, environment: environment)
    }

    /// A registry with `count` artifacts named `model`, registered in order; their ids.
    func withArtifacts(_ count: Int, _ body: (_ temp: URL, _ registry: String, _ ids: [String]) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            _ = try run(["init", "--registry", registry])
            var ids: [String] = []
            for index in 0..<count {
                let bundle = try BundleFixture.write(
                    ["w.bin": [UInt8(index)]], to: temp.appendingPathComponent("b\(index)"))
                let outcome = try run(["register", bundle.path, "--registry", registry, "--name", "model"])
                #expect(outcome.status == 0, "\(outcome.stderr)")
                ids.append(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            try body(temp, registry, ids)
        }
    }

    @Test(arguments: [["help", "alias"], ["alias", "--help"], ["alias", "ls", "-h"]])
    func helpForACommandGoesToStdoutWithExitZero(arguments: [String]) throws {
        let outcome = try run(arguments)
        #expect(outcome.status == 0 && outcome.stderr.isEmpty)
        #expect(outcome.stdout.contains("USAGE: modelreg alias") && outcome.stdout.contains("alias history ALIAS"))
        #expect(outcome.stdout.contains("--json"))
    }

    @Test func anUnknownCommandIsAUsageErrorWithTheUsageLine() throws {
        let outcome = try run(["frobnicate"])
        #expect(outcome.status == 64 && outcome.stdout.isEmpty)
        #expect(outcome.stderr.hasPrefix("error: unknown command 'frobnicate'"))
        #expect(outcome.stderr.contains("USAGE: modelreg <command>"))
    }

    @Test func globalOptionsWorkBeforeAndAfterTheCommand() throws {
        try withArtifacts(1) { _, registry, ids in
            for arguments in [
                ["--registry", registry, "--json", "ls"], ["ls", "--registry", registry, "--json"],
                ["--registry=\(registry)", "ls", "--json"],
            ] {
                let outcome = try run(arguments)
                #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)")
                #expect(outcome.stdout.hasPrefix("{\"artifacts\":[") && outcome.stdout.contains(ids[0]))
            }
            let stray = try run(["--name", "x", "ls", "--registry", registry])
            #expect(stray.status == 64 && stray.stderr.contains("'--name' is not a global option"))
        }
    }

    @Test func bashCompletionIsValidAndOffersEveryCommandAndSubcommand() throws {
        let outcome = try run(["completion", "bash"])
        #expect(outcome.status == 0)
        try withTemporaryDirectory { temp in
            let script = temp.appendingPathComponent("modelreg.bash")
            try Data(outcome.stdout.utf8).write(to: script)
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/bin/bash")
            check.arguments = ["-n", script.path]
            try check.run()
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "bash -n rejected the script")
        }
        let help = try JSONSerialization.jsonObject(with: Data(try run(["help", "--json"]).stdout.utf8))
        let commands = (help as? [String: Any])?["commands"] as? [[String: Any]] ?? []
        #expect(commands.count > 25)
        for command in commands {
            let name = command["name"] as? String ?? "?"
            #expect(outcome.stdout.contains("        \(name)) words=\""), "\(name) missing from the bash script")
            for sub in command["subcommands"] as? [String] ?? [] { #expect(outcome.stdout.contains(sub)) }
            for option in command["options"] as? [String] ?? [] { #expect(outcome.stdout.contains("--" + option)) }
        }
        #expect(try run(["completion", "tcsh"]).status == 64)
    }

    @Test(arguments: ["zsh", "fish"])
    func otherShellsGetAScriptNamingEveryCommand(shell: String) throws {
        let outcome = try run(["completion", shell])
        #expect(outcome.status == 0)
        for name in ["init", "register", "promote", "alias", "completion", "verify"] {
            #expect(outcome.stdout.contains(name), "\(shell): \(name)")
        }
    }

    static func shell(_ name: String) -> String? {
        ["/bin/\(name)", "/usr/bin/\(name)", "/usr/local/bin/\(name)"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    @Test(.enabled(if: shell("zsh") != nil, "zsh is not installed: 'zsh -n' skipped"))
    func zshCompletionParses() throws {
        try checkSyntax(shell: "zsh")
    }

    @Test(.enabled(if: shell("fish") != nil, "fish is not installed: 'fish -n' skipped"))
    func fishCompletionParses() throws {
        try checkSyntax(shell: "fish")
    }

    func checkSyntax(shell: String) throws {
        let script = try run(["completion", shell]).stdout
        let interpreter = try #require(Self.shell(shell))
        try withTemporaryDirectory { temp in
            let file = temp.appendingPathComponent("modelreg.\(shell)")
            try Data(script.utf8).write(to: file)
            let check = Process()
            check.executableURL = URL(fileURLWithPath: interpreter)
            check.arguments = ["-n", file.path]
            try check.run()
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "\(shell) -n rejected the script")
        }
    }

    @Test func anArtifactCanBeNamedByPrefixAliasOrNameLatest() throws {
        try withArtifacts(2) { _, registry, ids in
            #expect(try run(["promote", "champion", ids[0], "--registry", registry]).status == 0)
            let byPrefix = try run([
                "state", "show", String(ids[1].dropFirst(7).prefix(8)), "--registry", registry, "--json",
            ])
            #expect(byPrefix.stdout.contains(ids[1]), "\(byPrefix.stderr)")
            let byAlias = try run(["show", "champion", "--registry", registry, "--json"])
            #expect(byAlias.stdout.contains("\"id\":\"\(ids[0])\""))
            #expect(byAlias.stdout.contains("\"aliases\":[\"champion\"]"))
            let latest = try run(["show", "model:latest", "--registry", registry, "--json"])
            #expect(latest.stdout.contains("\"id\":\"\(ids[1])\""), "\(latest.stderr)")
            let short = try run(["show", String(ids[0].dropFirst(7).prefix(6)), "--registry", registry])
            #expect(short.status == 1 && short.stderr.contains("too short"))
            let missing = try run(["show", "model-nosuch:latest", "--registry", registry])
            #expect(missing.status == 1 && missing.stderr.contains("no artifact named 'model-nosuch'"))
        }
    }

    @Test func logShowsTheNewestNAndReverses() throws {
        try withArtifacts(4) { _, registry, _ in
            let sequences = { (arguments: [String]) throws -> [String] in
                try self.run(["log", "--registry", registry] + arguments).stdout.split(separator: "\n")
                    .map { String($0.prefix { $0 != " " }) }
            }
            let all = try sequences([])
            let newest = try sequences(["-n", "2"])
            let limited = try sequences(["--limit", "2"])
            let reversed = try sequences(["-n", "2", "--reverse"])
            let zero = try run(["log", "-n", "0", "--registry", registry])
            #expect(all == ["1", "2", "3", "4"])
            #expect(newest == ["3", "4"] && limited == ["3", "4"])
            #expect(reversed == ["4", "3"])
            #expect(zero.status == 64)
        }
    }

    @Test func lsListsTheNewestFirstWithItsState() throws {
        try withArtifacts(3) { _, registry, ids in
            #expect(try run(["state", "set", ids[0], "validated", "--registry", registry]).status == 0)
            let lines = try run(["ls", "--registry", registry]).stdout.split(separator: "\n")
            #expect(lines.map { String($0.prefix(71)) } == ids.reversed())
            #expect(lines.last?.contains("  validated  ") == true && lines.first?.contains("  registered  ") == true)
        }
    }

    @Test func showListsSignaturesAndWhetherTheyAreTrusted() throws {
        try withArtifacts(1) { temp, registry, ids in
            let key = temp.appendingPathComponent("k").path
            let trust = temp.appendingPathComponent("trust").path
            #expect(try run(["keygen", key]).status == 0)
            #expect(try run(["sign", ids[0], "--key", key, "--registry", registry]).status == 0)
            let untrusted = try run(["show", ids[0], "--registry", registry, "--json"])
            #expect(untrusted.stdout.contains("\"trusted\":false"), "\(untrusted.stdout)")
            #expect(try run(["trust", "add", key + ".pub", "--trust", trust]).status == 0)
            let trusted = try run(["show", ids[0], "--registry", registry, "--trust", trust])
            #expect(trusted.stdout.contains("(trusted)"), "\(trusted.stdout)")
        }
    }

    @Test func registerLeavesOutVCSAndIgnoredFilesAndSaysSo() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            _ = try run(["init", "--registry", registry])
            let bundle = try BundleFixture.write(
                [
                    "w.bin": [1], ".git/HEAD": [2], ".DS_Store": [3], "logs/run.tmp": [4], "notes.txt": [5],
                    ".modelregignore": Array("# scratch\n*.tmp\n".utf8),
                ], to: temp.appendingPathComponent("bundle"))
            let outcome = try run([
                "register", bundle.path, "--registry", registry, "--exclude", "notes.txt", "--json",
            ])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout.contains("\"files\":1"))
            #expect(outcome.stderr.contains("note: left out") && outcome.stderr.contains(".git/"))
            let keep = try run(["register", bundle.path, "--registry", registry, "--no-default-excludes", "--json"])
            #expect(keep.stdout.contains("\"files\":4"), "\(keep.stdout)")
            let bad = try run(["register", bundle.path, "--registry", registry, "--exclude", "!w.bin"])
            #expect(bad.status == 1 && bad.stderr.contains("'!'"))
        }
    }

    @Test func registerTakesASingleFile() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            _ = try run(["init", "--registry", registry])
            let file = temp.appendingPathComponent("resnet50.onnx")
            try Data([1, 2, 3]).write(to: file)
            let outcome = try run(["register", file.path, "--registry", registry, "--json"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout.contains("\"name\":\"resnet50\"") && outcome.stdout.contains("\"files\":1"))
            let shown = try run(["show", "resnet50:latest", "--registry", registry])
            #expect(shown.stdout.contains("resnet50.onnx"))
            let excluded = try run(["register", file.path, "--registry", registry, "--exclude", "x"])
            #expect(excluded.status == 64)
        }
    }

    @Test func verifyWritesPlainProgressLinesWhenStderrIsNotATerminal() throws {
        try withArtifacts(12) { _, registry, _ in
            let outcome = try run(["verify", "--registry", registry])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("\r") && !outcome.stdout.contains("\r"))
            #expect(outcome.stderr.contains("verify: verifying 12/12 artifacts (100%)\n"), "\(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count <= 5)  // the phase, then each quarter
        }
    }

    @Test(.enabled(if: shell("script") != nil, "util-linux 'script' is not installed: no terminal to test with"))
    func verifyDrawsABarOnATerminal() throws {
        try withArtifacts(3) { _, registry, _ in
            let binary: URL = try #require(CLIRunner.binary)
            // `script` runs the command on a pseudo-terminal, so stderr is a terminal.
            let child = Process()
            child.executableURL = URL(fileURLWithPath: try #require(Self.shell("script")))
            child.arguments = ["-qec", "'\(binary.path)' verify --registry '\(registry)'", "/dev/null"]
            var environment = ProcessInfo.processInfo.environment
            environment["TERM"] = "xterm"
            environment["SWIFT_BACKTRACE"] = "enable=no"
            child.environment = environment
            let output = Pipe()
            child.standardOutput = output
            child.standardInput = FileHandle.nullDevice
            try child.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            #expect(child.terminationStatus == 0, "\(text)")
            #expect(
                text.contains("\r") && text.contains("verify: verifying [") && text.contains("3/3 artifacts"), "\(text)"
            )
        }
    }

    @Test func theActorFallsBackToTheAccountNameWithoutUSER() throws {
        try withArtifacts(0) { temp, registry, _ in
            let bundle = try BundleFixture.write(["w.bin": [9]], to: temp.appendingPathComponent("b"))
            // A child with no USER and no LOGNAME at all, as in a container.
            let binary: URL = try #require(CLIRunner.binary)
            let child = Process()
            child.executableURL = binary
            child.arguments = ["register", bundle.path, "--registry", registry]
            child.environment = ProcessInfo.processInfo.environment.filter { $0.key != "USER" && $0.key != "LOGNAME" }
                .merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
            child.standardOutput = FileHandle.nullDevice
            try child.run()
            child.waitUntilExit()
            #expect(child.terminationStatus == 0)
            let log = try run(["log", "--registry", registry, "--json"]).stdout
            let expected = Registry.Configuration.accountName(environment: [:])
            #expect(!expected.isEmpty && expected != "unknown")
            #expect(log.contains("\"actor\":\"\(expected)@"), "\(log)")
        }
    }
}
