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
            let id = try run(["register", bundle.path, "--registry", registry]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            let keygen = try run(["keygen", keys + "/release"])
            #expect(keygen.status == 0, "\(keygen.stderr)")
            let mode = try FileManager.default.attributesOfItem(atPath: keys + "/release")[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try run(["keygen", registry + "/inside"]).stderr.contains("inside the registry"))

            #expect(try run(["sign", id, "--key", keys + "/release", "--registry", registry]).status == 0)
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
            try Data(#"{"rules":[{"aliases":"*","requireSignedApproval":true}],"schemaVersion":1}"#.utf8).write(to: policy)
            #expect(try run(["policy", "set", policy.path, "--registry", registry]).status == 0)
            #expect(try run(["promote", "champion", id, "--registry", registry, "--trust", trust]).stderr.contains("signed approval"))
            let approval = temp.appendingPathComponent("approval.json").path
            let approve = try run(["approve", "champion", id, "--approval", "CHG-42", "--key", keys + "/release", "--out", approval])
            #expect(approve.status == 0, "\(approve.stderr)")
            let promoted = try run(["promote", "champion", id, "--approval-file", approval, "--registry", registry, "--trust", trust])
            #expect(promoted.status == 0, "\(promoted.stderr)")
        }
    }

    @Test func policyAndStateCommands() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            _ = try run(["init", "--registry", registry])
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let id = try run(["register", bundle.path, "--registry", registry]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let policy = temp.appendingPathComponent("policy.json")
            try Data(#"{"rules":[{"aliases":"*-champion","requireApproval":true,"metrics":{"accuracy":{"minimum":0.95}}}],"schemaVersion":1}"#.utf8).write(to: policy)
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
            #expect(try run(["state", "set", id, "shiny", "--registry", registry]).stderr.contains("not a lifecycle state"))
        }
    }
}
