import Foundation
import ModelRegistry

/// `modelreg keygen PATH [--comment TEXT]`
enum KeygenCommand: Command {
    static let name = "keygen"
    static let usage = """
        keygen PATH             Write an Ed25519 key pair: PATH (private, 0600) and PATH.pub.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["comment"])
        let path = try arguments.positionals(["PATH"])[0]
        let key = try KeyFiles.generateKeyPair(at: path, comment: arguments.value("comment") ?? "")
        print("wrote \(path) (private, mode 0600) and \(path).pub")
        print(key.keyID)
    }
}

/// `modelreg sign ARTIFACT --key PATH`
enum SignCommand: Command {
    static let name = "sign"
    static let usage = """
        sign ARTIFACT --key K   Add a detached signature of ARTIFACT's manifest.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["key", "actor"])
        let id = try ArtifactID(parsing: try arguments.positionals(["ARTIFACT"])[0], context: "ARTIFACT")
        guard let keyPath = arguments.value("key") else {
            throw UsageError("sign needs --key PATH (a private key from 'modelreg keygen')")
        }
        let key = try KeyFiles.loadPrivateKey(at: keyPath)
        let file = try CommandLineTool.openForWriting(arguments).sign(id, with: key, actor: arguments.value("actor"))
        print("signed \(id) with \(file.signature.keyID): signatures/\(file.fileName)")
    }
}

/// `modelreg approve ALIAS ARTIFACT --approval ID --key PATH --out FILE [--approver NAME] [--reason …]`
enum ApproveCommand: Command {
    static let name = "approve"
    static let usage = """
        approve ALIAS ARTIFACT --approval ID --key K --out FILE
                                Write a signed approval; pass it to promote --approval-file FILE.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["approval", "key", "out", "approver", "reason"])
        let positionals = try arguments.positionals(["ALIAS", "ARTIFACT"])
        guard let approval = arguments.value("approval"), let keyPath = arguments.value("key"),
            let out = arguments.value("out")
        else {
            throw UsageError("approve needs --approval ID, --key PATH and --out FILE")
        }
        try AliasName.check(positionals[0])
        let key = try KeyFiles.loadPrivateKey(at: keyPath)
        let signed = try SignedApproval(
            alias: positionals[0], approval: approval,
            approver: arguments.value("approver") ?? Registry.Configuration.defaultActor,
            artifact: try ArtifactID(parsing: positionals[1], context: "ARTIFACT"), reason: arguments.value("reason"),
            signer: key)
        try Data(signed.fileBytes()).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting)
        print("wrote signed approval \(approval) for \(positionals[0]) -> \(positionals[1]) by \(key.keyID) to \(out)")
    }
}

/// `modelreg verify [ARTIFACT] [--deep] [--trust DIR]`
enum VerifyCommand: Command {
    static let name = "verify"
    static let usage = """
        verify [ARTIFACT]       Verify one artifact or all: structure, sizes, ids; --deep re-hashes
                                every file and records its stamps (so loading needs no re-hash);
                                --trust DIR also checks signatures against DIR's keys.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, flags: ["deep"])
        let given = try arguments.positionals([], optional: 1)
        let registry = try CommandLineTool.openForReading(arguments)
        let depth: VerificationReport.Depth =
            arguments.value("trust") != nil ? .trust : arguments.flag("deep") ? .full : .quick
        // A deep check pre-stamps: indexes/stamps/, or the per-user cache when the registry cannot be written.
        let verifier = depth >= .full ? registry.verifier(stampRecording: .registry) : registry.verifier()
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
            let signers = report.trustedSigners.joined(separator: ", ")
            let signed = signers.isEmpty ? "" : " signed by \(signers)"
            print(report.isClean ? "ok  \(report.artifact) (\(depth))\(signed)" : "BAD \(report)")
            problems += report.findings.count
        }
        if problems > 0 {
            let bad = reports.filter { !$0.isClean }.count
            throw CommandFailure("\(problems) problem(s) in \(bad) artifact(s)")
        }
    }
}

/// `modelreg trust add KEYFILE [--trust DIR]`, `modelreg trust ls [--trust DIR]`
enum TrustCommand: Command {
    static let name = "trust"
    static let usage = """
        trust add KEYFILE       Add a public key (OpenSSH or PEM) to the trust directory
                                (--trust DIR, $MODELREG_TRUST, or ~/.config/modelreg/trust).
        trust ls                List trusted key ids.
        """

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing trust subcommand (add or ls)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()), options: ["comment"])
        switch sub {
        case "add":
            // The one command that may create the trust directory (printed, so a typo shows).
            let directory = CommandLineTool.trustLocation(arguments).path
            let key = try KeyFiles.loadPublicKey(at: try arguments.positionals(["KEYFILE"])[0])
            let file = try KeyFiles.addToTrustDirectory(
                key, directory: directory, comment: arguments.value("comment") ?? "")
            print("trusting \(key.keyID) (\(file))")
        case "ls":
            _ = try arguments.positionals([])
            for keyID in try CommandLineTool.loadTrust(arguments).keyIDs { print(keyID) }
        default:
            throw UsageError("unknown trust subcommand '\(sub)' (expected add or ls)")
        }
    }
}
