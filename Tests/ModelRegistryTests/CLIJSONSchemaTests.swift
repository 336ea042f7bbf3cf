import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Every command's `--json` output against the field tables of docs/CLI.md: no undocumented key, every
/// documented key present, and every command documented.
@Suite struct CLIJSONSchemaTests {
    /// One `### \`modelreg …\`` section of docs/CLI.md: its documented field paths and their types.
    struct Section {
        var fields: [String: String] = [:]
    }

    static let documentURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/CLI.md")

    /// The field tables of docs/CLI.md by invocation (`alias ls`), with shared shapes expanded.
    static func documentedSections() throws -> [String: Section] {
        let text = try String(contentsOf: documentURL, encoding: .utf8)
        var sections: [String: Section] = [:]
        var current: String?
        let shapes: [String: [String: String]] = [
            "*finding* shape": ["kind": "string", "path": "string", "line": "integer or null", "message": "string"],
            "*event* shape": [
                "sequence": "integer", "time": "string", "actor": "string", "type": "string", "payload": "JSON",
                "documented": "boolean",
            ],
            "*summary* shape": [
                "id": "string", "name": "string", "state": "string", "registeredAt": "string or null",
                "capabilities": "array of strings", "files": "integer", "size": "integer",
            ],
        ]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### `modelreg "), let end = line.dropFirst(14).firstIndex(of: "`") {
                current = String(line.dropFirst(14)[..<end])
                sections[current ?? ""] = Section()
                continue
            }
            if line.hasPrefix("## ") { current = nil }
            guard let name = current, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let path = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            sections[name]?.fields[path] = cells[1]
            for (shape, members) in shapes where cells[2].contains(shape) {
                for (member, type) in members { sections[name]?.fields["\(path)[].\(member)"] = type }
            }
        }
        return sections
    }

    /// The paths of a JSON value: `key`, `key.sub`, `list[].member`; a documented map or JSON leaf is not
    /// descended into. `containers` collects the object and array paths that have members.
    static func paths(
        of value: Any, prefix: String, leaves: Set<String>, into paths: inout Set<String>,
        containers: inout Set<String>
    ) {
        if let object = value as? [String: Any] {
            if !object.isEmpty { containers.insert(prefix) }
            for (key, member) in object {
                let path = prefix.isEmpty ? key : prefix + "." + key
                paths.insert(path)
                if !leaves.contains(path) {
                    Self.paths(of: member, prefix: path, leaves: leaves, into: &paths, containers: &containers)
                }
            }
        } else if let array = value as? [Any] {
            for element in array where element is [String: Any] {
                containers.insert(prefix)
                Self.paths(of: element, prefix: prefix + "[]", leaves: leaves, into: &paths, containers: &containers)
            }
        }
    }

    /// Checks one invocation's output against its section.
    static func check(_ name: String, output: String, against section: Section) {
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1, "\(name): --json must print exactly one line, got \(lines.count): \(output)")
        guard let data = lines.first.map({ Data($0.utf8) }),
            let value = try? JSONSerialization.jsonObject(with: data), value is [String: Any]
        else {
            Issue.record("\(name): output is not a JSON object: \(output)")
            return
        }
        let leaves = Set(section.fields.filter { $0.value.hasPrefix("map") || $0.value == "JSON" }.keys)
        var actual: Set<String> = []
        var containers: Set<String> = []
        paths(of: value, prefix: "", leaves: leaves, into: &actual, containers: &containers)
        let documented = Set(section.fields.keys)
        #expect(actual.subtracting(documented).isEmpty, "\(name): undocumented keys \(actual.subtracting(documented))")
        for path in documented where !actual.contains(path) {
            // A nested field can only appear when its container (object or array) has members in this run.
            let parent = path.range(of: ".", options: .backwards).map { String(path[..<$0.lowerBound]) } ?? ""
            let container = parent.hasSuffix("[]") ? String(parent.dropLast(2)) : parent
            #expect(
                !(container.isEmpty || containers.contains(container)),
                "\(name): documented key '\(path)' is missing from \(output)")
        }
    }

    @Test func everyCommandsJSONOutputHasExactlyTheDocumentedFields() throws {
        let sections = try Self.documentedSections()
        try withTemporaryDirectory { temp in
            let scenario = try JSONScenario(temp: temp)
            var covered: Set<String> = []
            for (name, arguments, expectedStatus) in scenario.invocations {
                let outcome = try CLIRunner.run(arguments + ["--json"], environment: scenario.environment)
                #expect(outcome.status == expectedStatus, "\(name): \(outcome.stderr)")
                guard let section = sections[name] else {
                    Issue.record("docs/CLI.md has no section '### `modelreg \(name)`'")
                    continue
                }
                Self.check(name, output: outcome.stdout, against: section)
                covered.insert(name)
            }
            // push and pull need an OCI registry: run when MODELREG_TEST_OCI_REGISTRY names one (.ci/run starts it).
            let offline: Set<String> = OCITestRegistry.address == nil ? ["push", "pull"] : []
            #expect(Set(sections.keys).subtracting(covered).subtracting(offline).isEmpty, "sections without a test run")
        }
    }

    @Test func everyCommandHasASectionInTheDocument() throws {
        let sections = try Self.documentedSections()
        let help = try CLIRunner.run(["help", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(help.stdout.utf8)) as? [String: Any]
        let commands = object?["commands"] as? [[String: Any]] ?? []
        #expect(commands.count > 25)
        for command in commands {
            let name = command["name"] as? String ?? "?"
            #expect(
                sections.keys.contains { $0 == name || $0.hasPrefix(name + " ") },
                "docs/CLI.md has no section for '\(name)'")
        }
    }
}

/// A registry in which every command has something to report: two artifacts (one with an evaluation card and
/// a signature), aliases, a key, a trust directory, a policy, a checkpoint.
struct JSONScenario {
    var invocations: [(String, [String], Int32)]
    let environment: [String: String]

    init(temp: URL) throws {
        let registry = temp.appendingPathComponent("reg").path
        let trust = temp.appendingPathComponent("trust").path
        let key = temp.appendingPathComponent("key").path
        environment = ["MODELREG_REGISTRY": registry, "MODELREG_TRUST": trust].merging(OCITestRegistry.cliEnvironment) {
            $1
        }
        func run(_ arguments: [String]) throws -> String {
            let outcome = try CLIRunner.run(arguments, environment: ["MODELREG_REGISTRY": registry])
            #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)")
            return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try run(["init"])
        let card =
            #"{"dataset":{"digest":"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef","#
            + #""name":"docs","split":"test"},"evaluatedAt":"2026-11-20T10:00:00.000Z","evaluatedBy":"ci","#
            + #""metrics":{"accuracy":0.93}}"#
        let first = try BundleFixture.write(
            ["w.bin": [1], "evaluation-card.json": Array(card.utf8)], to: temp.appendingPathComponent("first"))
        let second = try BundleFixture.write(["w.bin": [2]], to: temp.appendingPathComponent("second"))
        let a = try run(["register", first.path, "--name", "classifier", "--capability", "ocr"])
        let b = try run(["register", second.path, "--name", "classifier", "--parent", a])
        _ = try run(["keygen", key])
        _ = try run(["trust", "add", key + ".pub", "--trust", trust])
        _ = try run(["sign", a, "--key", key])
        _ = try run(["promote", "champion", a])
        _ = try run(["promote", "champion", b])
        _ = try run(["promote", "temp", b])
        let policy = temp.appendingPathComponent("policy.json")
        try Data(#"{"rules":[{"aliases":"*-prod","requireApproval":true}],"schemaVersion":1}"#.utf8).write(to: policy)
        let third = try BundleFixture.write(["w.bin": [3]], to: temp.appendingPathComponent("third"))
        // A copy of the registry: the remote `b` is evicted to and fetched back from.
        let mirror = temp.appendingPathComponent("mirror").path
        try FileManager.default.copyItem(atPath: registry, toPath: mirror)
        invocations = [
            ("init", ["init"], 0),
            ("register", ["register", third.path, "--name", "other"], 0),
            ("adopt", ["adopt", a], 0),
            ("show", ["show", String(a.dropFirst(7).prefix(12))], 0),
            ("ls", ["ls"], 0),
            ("ls", ["ls", "--limit", "1"], 0),
            ("ls --all", ["ls", "--all"], 0),
            ("ls --all", ["ls", "--all", "--limit", "1"], 0),
            ("rollback", ["rollback", "champion"], 0),
            ("promote", ["promote", "champion", "classifier:latest"], 0),
            ("resolve", ["resolve", "champion"], 0),
            ("retire", ["retire", "temp"], 0),
            ("alias ls", ["alias", "ls"], 0),
            ("alias history", ["alias", "history", "champion"], 0),
            ("log", ["log", "-n", "3"], 0),
            ("audit verify", ["audit", "verify"], 0),
            ("recover", ["recover"], 0),
            ("fsck", ["fsck"], 0),
            ("checkpoint", ["checkpoint", "--key", key], 0),
            ("checkpoint verify", ["checkpoint", "verify"], 0),
            ("index rebuild", ["index", "rebuild"], 0),
            ("index status", ["index", "status"], 0),
            ("index compact", ["index", "compact"], 0),
            ("du", ["du"], 0),
            ("remote add", ["remote", "add", "mirror", mirror], 0),
            ("remote ls", ["remote", "ls"], 0),
            ("evict", ["evict", b], 0),
            ("fetch", ["fetch", b], 0),
            ("remote add", ["remote", "add", "spare", mirror], 0),
            ("remote rm", ["remote", "rm", "spare"], 0),
            ("export", ["export", a, "--oci-layout", temp.appendingPathComponent("oci").path], 0),
            ("import", ["import", "--oci-layout", temp.appendingPathComponent("oci").path + ":classifier"], 0),
            ("backup", ["backup", temp.appendingPathComponent("backup").path], 0),
            (
                "restore",
                ["restore", temp.appendingPathComponent("backup").path, temp.appendingPathComponent("restored").path], 0
            ),
            ("find", ["find", "--name", "classifier"], 0),
            ("find", ["find", "--limit", "1", "--after", "1"], 0),
            ("lineage", ["lineage", a], 0),
            ("keygen", ["keygen", temp.appendingPathComponent("key2").path], 0),
            ("sign", ["sign", b, "--key", key], 0),
            (
                "approve",
                [
                    "approve", "x-prod", b, "--approval", "T-1", "--key", key, "--out",
                    temp.appendingPathComponent("ap").path,
                ],
                0
            ),
            ("verify", ["verify"], 0),
            ("trust add", ["trust", "add", temp.appendingPathComponent("key2.pub").path], 0),
            ("trust ls", ["trust", "ls"], 0),
            ("policy set", ["policy", "set", policy.path], 0),
            ("policy show", ["policy", "show"], 0),
            ("policy check", ["policy", "check", "x-prod", b, "--approval", "T-1"], 0),
            ("state set", ["state", "set", b, "validated"], 0),
            ("state show", ["state", "show", b], 0),
            (
                "evaluate",
                [
                    "evaluate", "champion", "--metric", "accuracy=0.91", "--dataset", "docs", "--split", "test",
                    "--key", key,
                ],
                0
            ),
            ("evaluations", ["evaluations", "champion"], 0),
            // `a` has a card and `champion` (b) a signed record: both value sources and a null cell appear.
            ("compare", ["compare", a, "champion", "--lower-is-better", "loss"], 0),
            ("pin", ["pin", a, "--reason", "paper"], 0),
            ("unpin", ["unpin", a], 0),
            ("gc", ["gc", "--grace", "0", "--explain"], 0),
            ("rm", ["rm", "other:latest"], 0),
            ("demo", ["demo", temp.appendingPathComponent("demo").path], 0),
            ("completion", ["completion", "bash"], 0),
            ("version", ["version"], 0),
            ("help", ["help"], 0),
        ]
        if let address = OCITestRegistry.address {
            let reference = "http://\(address)/modelreg-test/cli-json:classifier"
            invocations += [
                ("push", ["push", a, reference], 0), ("pull", ["pull", reference, "--alias", "pulled"], 0),
            ]
        }
    }
}
