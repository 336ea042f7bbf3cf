import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// keygen → trust add → sign → verify → policy → state, through the real binary.
@Suite struct TrustCLITests {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIRunner.Outcome {
        try CLIRunner.run(arguments, environment: environment)
    }

    @Test func signAndVerifyWithATrustDirectory() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            let keys = temp.appendingPathComponent("keys").path
            let trust = temp.appendingPathComponent("trust").path
            try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
            _ = try run(["init", "--registry", registry])
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let id = try run(["register", bundle.path, "--registry", registry]).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines)

            let keygen = try run(["keygen", keys + "/release"])
            #expect(keygen.status == 0, "\(keygen.stderr)")
            let mode = try FileManager.default.attributesOfItem(atPath: keys + "/release")[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try run(["keygen", registry + "/inside"]).stderr.contains("inside the registry"))

            #expect(try run(["sign", id, "--key", keys + "/release", "--registry", registry]).status == 0)
            try FileManager.default.createDirectory(atPath: trust, withIntermediateDirectories: true)
            let untrusted = try run(["verify", id, "--registry", registry, "--trust", trust])
            #expect(untrusted.status == 1 && untrusted.stdout.contains("not trusted"))

            #expect(try run(["trust", "add", keys + "/release.pub", "--trust", trust]).status == 0)
            #expect(try run(["trust", "ls", "--trust", trust]).stdout.hasPrefix("ed25519:"))
            let trusted = try run(["verify", id, "--registry", registry, "--trust", trust])
            #expect(trusted.status == 0, "\(trusted.stdout)\(trusted.stderr)")
            #expect(trusted.stdout.contains("signed by ed25519:"))
            #expect(try run(["verify", "--deep", "--registry", registry]).status == 0)

            // Signed approvals: a policy that requires one refuses without, accepts with.
            let policy = temp.appendingPathComponent("policy.json")
            try Data(#"{"rules":[{"aliases":"*","requireSignedApproval":true}],"schemaVersion":1}"#.utf8).write(
                to: policy)
            #expect(try run(["policy", "set", policy.path, "--registry", registry]).status == 0)
            #expect(
                try run(["promote", "champion", id, "--registry", registry, "--trust", trust]).stderr.contains(
                    "signed approval"))
            let approval = temp.appendingPathComponent("approval.json").path
            let approve = try run([
                "approve", "champion", id, "--approval", "CHG-42", "--key", keys + "/release", "--out", approval,
            ])
            #expect(approve.status == 0, "\(approve.stderr)")
            let promoted = try run([
                "promote", "champion", id, "--approval-file", approval, "--registry", registry, "--trust", trust,
            ])
            #expect(promoted.status == 0, "\(promoted.stderr)")
        }
    }

    @Test func policyAndStateCommands() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            _ = try run(["init", "--registry", registry])
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let id = try run(["register", bundle.path, "--registry", registry]).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines)
            let policy = temp.appendingPathComponent("policy.json")
            try Data(
                #"{"rules":[{"aliases":"*-champion","requireApproval":true,"metrics":{"accuracy":{"minimum":0.95}}}],"schemaVersion":1}"#
                    .utf8
            ).write(to: policy)
            #expect(try run(["policy", "set", policy.path, "--registry", registry]).status == 0)
            #expect(try run(["policy", "show", "--registry", registry]).stdout.contains("*-champion"))
            let check = try run(["policy", "check", "document-classifier-champion", id, "--registry", registry])
            #expect(check.status == 1)
            #expect(check.stdout.contains("approval") && check.stdout.contains("below the minimum 0.95"))
            let refused = try run(["promote", "document-classifier-champion", id, "--registry", registry])
            #expect(refused.status == 1 && refused.stderr.contains("refuses"))
            #expect(try run(["promote", "canary", id, "--registry", registry]).status == 0)

            #expect(try run(["state", "set", id, "revoked", "--reason", "leak", "--registry", registry]).status == 0)
            #expect(try run(["state", "show", id, "--registry", registry]).stdout == "revoked\n")
            #expect(try run(["resolve", "canary", "--registry", registry]).stderr.contains("revoked"))
            #expect(try run(["resolve", "canary", "--allow-revoked", "--registry", registry]).stdout == id + "\n")
            #expect(
                try run(["state", "set", id, "shiny", "--registry", registry]).stderr.contains("not a lifecycle state"))
        }
    }

    @Test func aTrustDirectoryThatDoesNotExistIsAnErrorNamingIt() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            let missing = temp.appendingPathComponent("no-such-trust").path
            _ = try run(["init", "--registry", registry])
            let bundle = try BundleFixture.write(["w.bin": [1]], to: temp.appendingPathComponent("bundle"))
            let id = try run(["register", bundle.path, "--registry", registry]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try run(["promote", "canary", id, "--registry", registry]).status == 0)
            let commands: [[String]] = [
                ["verify", id], ["promote", "canary", id], ["rollback", "canary", "--to", id], ["retire", "canary"],
                ["policy", "check", "canary", id], ["trust", "ls"],
            ]
            for command in commands {
                let given = try run(command + ["--registry", registry, "--trust", missing])
                #expect(given.status == 1, "\(command): \(given.stdout)\(given.stderr)")
                #expect(given.stderr.hasPrefix("error: trust directory '\(missing)' does not exist"), "\(command)")
                let environment = try run(command + ["--registry", registry], environment: ["MODELREG_TRUST": missing])
                #expect(environment.status == 1, "\(command): \(environment.stdout)\(environment.stderr)")
                #expect(environment.stderr.contains("trust directory '\(missing)' does not exist"), "\(command)")
            }
            // Only the default directory may be missing: it means no trusted keys.
            let home = ["HOME": temp.path, "MODELREG_TRUST": ""]
            let none = try run(["trust", "ls"], environment: home)
            #expect(none.status == 0 && none.stdout.isEmpty, "\(none.stderr)")
            #expect(try run(["verify", id, "--registry", registry], environment: home).status == 0)
            #expect(try run(["resolve", "canary", "--registry", registry]).stdout == id + "\n")
        }
    }

    @Test func rollbackAndRetireTakeTheTrustDirectory() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            let trust = temp.appendingPathComponent("trust").path
            let key = temp.appendingPathComponent("release").path
            _ = try run(["init", "--registry", registry])
            #expect(try run(["keygen", key]).status == 0)
            #expect(try run(["trust", "add", key + ".pub", "--trust", trust]).status == 0)
            var ids: [String] = []
            for index in 0..<2 {
                let bundle = try BundleFixture.write(
                    ["w.bin": [UInt8(index)]], to: temp.appendingPathComponent("b\(index)"))
                let id = try run(["register", bundle.path, "--registry", registry]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(try run(["sign", id, "--key", key, "--registry", registry]).status == 0)
                ids.append(id)
            }
            let policy = temp.appendingPathComponent("policy.json")
            try Data(#"{"rules":[{"aliases":"*","requiredSignatures":1}],"schemaVersion":1}"#.utf8).write(to: policy)
            #expect(try run(["policy", "set", policy.path, "--registry", registry]).status == 0)
            for id in ids {
                let promoted = try run(["promote", "champion", id, "--registry", registry, "--trust", trust])
                #expect(promoted.status == 0, "\(promoted.stderr)")
            }
            // Rollback is the emergency lever: the promotion's signature requirement does not gate it, with or
            // without a trust directory.
            let untrusted = try run(
                ["rollback", "champion", "--registry", registry],
                environment: ["HOME": temp.path, "MODELREG_TRUST": ""])
            #expect(untrusted.status == 0, "\(untrusted.stderr)")
            #expect(try run(["resolve", "champion", "--registry", registry]).stdout == ids[0] + "\n")
            let viaEnvironment = try run(
                ["rollback", "champion", "--to", ids[1], "--registry", registry],
                environment: ["MODELREG_TRUST": trust])
            #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
            let missing = try run(["rollback", "champion", "--registry", registry, "--trust", trust + "-typo"])
            #expect(missing.status == 1 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
            let retired = try run(["retire", "champion", "--registry", registry, "--trust", trust])
            #expect(retired.status == 0, "\(retired.stderr)")
        }
    }
}
