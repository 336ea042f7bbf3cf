import Foundation
import ModelRegistry

/// The trust directory: `--trust DIR`, else `$MODELREG_TRUST`, else `~/.config/modelreg/trust`.
func trustDirectory(_ arguments: ArgumentList) -> String {
    if let given = arguments.value("trust") { return URL(fileURLWithPath: given).standardizedFileURL.path }
    if let environment = ProcessInfo.processInfo.environment["MODELREG_TRUST"] { return environment }
    return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config/modelreg/trust").path
}

/// `modelreg keygen PATH [--comment TEXT]`
enum KeygenCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["comment"])
        let path = try arguments.positionals(["PATH"])[0]
        let key = try KeyFiles.generateKeyPair(at: path, comment: arguments.value("comment") ?? "")
        print("wrote \(path) (private, mode 0600) and \(path).pub")
        print(key.keyID)
    }
}

/// `modelreg sign ARTIFACT --key PATH`
enum SignCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["key", "actor"])
        let id = try ArtifactID(parsing: try arguments.positionals(["ARTIFACT"])[0], context: "ARTIFACT")
        guard let keyPath = arguments.value("key") else { throw UsageError("sign needs --key PATH (a private key from 'modelreg keygen')") }
        let key = try KeyFiles.loadPrivateKey(at: keyPath)
        let file = try CommandLineTool.openForWriting(arguments).sign(id, with: key, actor: arguments.value("actor"))
        print("signed \(id) with \(file.signature.keyID): signatures/\(file.fileName)")
    }
}

/// `modelreg verify [ARTIFACT] [--deep] [--trust DIR]`
enum VerifyCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["trust"], flags: ["deep"])
        let given = try arguments.positionals([], optional: 1)
        let registry = try CommandLineTool.openForReading(arguments)
        let depth: VerificationReport.Depth = arguments.value("trust") != nil ? .trust : arguments.flag("deep") ? .full : .quick
        let trust = try KeyFiles.loadTrustDirectory(trustDirectory(arguments))
        let verifier = registry.verifier(trust: trust)
        let reports: [VerificationReport]
        if let text = given.first {
            reports = [try verifier.verify(try ArtifactID(parsing: text, context: "ARTIFACT"), depth: depth)]
        } else {
            reports = try verifier.verifyAll(depth: depth) { progress in
                FileHandle.standardError.write(Data("verified \(progress.completed)/\(progress.total)\r".utf8))
            }
            if !reports.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
        }
        var problems = 0
        for report in reports {
            let signers = report.trustedSigners.isEmpty ? "" : " signed by \(report.trustedSigners.joined(separator: ", "))"
            print(report.isClean ? "ok  \(report.artifact) (\(depth))\(signers)" : "BAD \(report)")
            problems += report.findings.count
        }
        if problems > 0 {
            throw RegistryError(.digestMismatch, "\(problems) problem(s) in \(reports.filter { !$0.isClean }.count) artifact(s)")
        }
    }
}

/// `modelreg trust add KEYFILE [--trust DIR]`, `modelreg trust ls [--trust DIR]`
enum TrustCommand {
    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing trust subcommand (add or ls)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()), options: ["trust", "comment"])
        let directory = trustDirectory(arguments)
        switch sub {
        case "add":
            let key = try KeyFiles.loadPublicKey(at: try arguments.positionals(["KEYFILE"])[0])
            let file = try KeyFiles.addToTrustDirectory(key, directory: directory, comment: arguments.value("comment") ?? "")
            print("trusting \(key.keyID) (\(file))")
        case "ls":
            _ = try arguments.positionals([])
            for keyID in try KeyFiles.loadTrustDirectory(directory).keyIDs { print(keyID) }
        default:
            throw UsageError("unknown trust subcommand '\(sub)' (expected add or ls)")
        }
    }
}

/// `modelreg policy show`, `policy set FILE`, `policy check ALIAS ARTIFACT [--approval ID] [--trust DIR]`
enum PolicyCommand {
    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing policy subcommand (show, set or check)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()), options: ["approval", "trust", "actor"])
        switch sub {
        case "show":
            _ = try arguments.positionals([])
            let policy = try CommandLineTool.openForReading(arguments).promotionPolicy()
            print(String(decoding: policy.fileBytes(), as: UTF8.self), terminator: "")
        case "set":
            let path = try arguments.positionals(["FILE"])[0]
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let policy = try PromotionPolicy(parsing: bytes, source: path)
            let event = try CommandLineTool.openForWriting(arguments).setPromotionPolicy(policy, actor: arguments.value("actor"))
            print("policy replaced (\(policy.rules.count) rule(s)); audit event \(event.sequence)")
        case "check":
            let positionals = try arguments.positionals(["ALIAS", "ARTIFACT"])
            let target = try ArtifactID(parsing: positionals[1], context: "ARTIFACT")
            let registry = try CommandLineTool.openForReading(arguments)
            guard let rule = try registry.promotionPolicy().rule(for: positionals[0]) else {
                print("no rule matches '\(positionals[0])': promotion needs nothing")
                return
            }
            let trust = try KeyFiles.loadTrustDirectory(trustDirectory(arguments))
            let current = try? registry.resolve(positionals[0], allowRevoked: true).artifact
            let unmet = try PromotionGate(verifier: registry.verifier(trust: trust)).unmetRequirements(
                rule: rule, alias: positionals[0], target: target, current: current, approval: arguments.value("approval"))
            if unmet.isEmpty {
                print("the policy for '\(rule.aliases)' allows pointing '\(positionals[0])' at \(target)")
            } else {
                for item in unmet { print("unmet: \(item)") }
                throw RegistryError(.policyRefused, "\(unmet.count) requirement(s) unmet")
            }
        default:
            throw UsageError("unknown policy subcommand '\(sub)' (expected show, set or check)")
        }
    }
}

/// `modelreg state set ARTIFACT STATE [--reason …]`, `modelreg state show ARTIFACT`
enum StateCommand {
    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing state subcommand (set or show)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()), options: ["reason", "actor"])
        switch sub {
        case "set":
            let positionals = try arguments.positionals(["ARTIFACT", "STATE"])
            let id = try ArtifactID(parsing: positionals[0], context: "ARTIFACT")
            let state = try LifecycleState(parsing: positionals[1])
            try CommandLineTool.openForWriting(arguments).setState(id, to: state, reason: arguments.value("reason"), actor: arguments.value("actor"))
            print("\(id) is now \(state)")
        case "show":
            let id = try ArtifactID(parsing: try arguments.positionals(["ARTIFACT"])[0], context: "ARTIFACT")
            print(try CommandLineTool.openForReading(arguments).state(of: id))
        default:
            throw UsageError("unknown state subcommand '\(sub)' (expected set or show)")
        }
    }
}

/// `modelreg approve ALIAS ARTIFACT --approval ID --key PATH --out FILE [--approver NAME] [--reason …]`
enum ApproveCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["approval", "key", "out", "approver", "reason"])
        let positionals = try arguments.positionals(["ALIAS", "ARTIFACT"])
        guard let approval = arguments.value("approval"), let keyPath = arguments.value("key"), let out = arguments.value("out") else {
            throw UsageError("approve needs --approval ID, --key PATH and --out FILE")
        }
        try AliasName.check(positionals[0])
        let key = try KeyFiles.loadPrivateKey(at: keyPath)
        let signed = try SignedApproval(
            alias: positionals[0], approval: approval, approver: arguments.value("approver") ?? Registry.Configuration.defaultActor,
            artifact: try ArtifactID(parsing: positionals[1], context: "ARTIFACT"), reason: arguments.value("reason"), signer: key)
        try Data(signed.fileBytes()).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting)
        print("wrote signed approval \(approval) for \(positionals[0]) -> \(positionals[1]) by \(key.keyID) to \(out)")
    }
}
