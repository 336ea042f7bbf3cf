import Foundation
import ModelRegistry

/// `modelreg keygen PATH [--comment TEXT]`
enum KeygenCommand: Command {
    static let name = "keygen"
    static let usage = """
        keygen PATH             Write an Ed25519 key pair: PATH (private, 0600) and PATH.pub.
        """

    static let options = ["comment"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let path = try arguments.positionals(["PATH"])[0]
        let key = try KeyFiles.generateKeyPair(at: path, comment: arguments.value("comment") ?? "")
        if arguments.flag("json") {
            JSONOutput.print([
                "keyID": .string(key.keyID), "privateKey": .string(path), "publicKey": .string(path + ".pub"),
            ])
        } else {
            print("wrote \(path) (private, mode 0600) and \(path).pub")
            print(key.keyID)
        }
    }
}

/// `modelreg sign ARTIFACT --key PATH`
enum SignCommand: Command {
    static let name = "sign"
    static let usage = """
        sign ARTIFACT --key K   Add a detached signature of ARTIFACT's manifest.
        """

    static let options = ["key", "actor"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let reference = try arguments.positionals(["ARTIFACT"])[0]
        guard let keyPath = arguments.value("key") else {
            throw UsageError("sign needs --key PATH (a private key from 'modelreg keygen')")
        }
        let key = try KeyFiles.loadPrivateKey(at: keyPath)
        let registry = try CommandLineTool.openForWriting(arguments)
        let id = try registry.artifactID(matching: reference)
        let file = try registry.sign(id, with: key, actor: arguments.value("actor"))
        if arguments.flag("json") {
            JSONOutput.print([
                "artifact": .string(id.description), "keyID": .string(file.signature.keyID),
                "file": .string("signatures/\(file.fileName)"),
            ])
        } else {
            print("signed \(id) with \(file.signature.keyID): signatures/\(file.fileName)")
        }
    }
}

/// `modelreg approve ALIAS ARTIFACT --approval ID --key PATH --out FILE [--approver NAME] [--reason …]`
enum ApproveCommand: Command {
    static let name = "approve"
    static let usage = """
        approve ALIAS ARTIFACT --approval ID --key K --out FILE
                                Write a signed approval; pass it to promote --approval-file FILE.
        """

    static let options = ["approval", "key", "out", "approver", "reason"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let positionals = try arguments.positionals(["ALIAS", "ARTIFACT"])
        guard let approval = arguments.value("approval"), let keyPath = arguments.value("key"),
            let out = arguments.value("out")
        else {
            throw UsageError("approve needs --approval ID, --key PATH and --out FILE")
        }
        try AliasName.check(positionals[0])
        let key = try KeyFiles.loadPrivateKey(at: keyPath)
        // An approver may sign for an artifact of a registry they cannot open: a full id needs no registry.
        let artifact =
            try ArtifactID(positionals[1])
            ?? CommandLineTool.openForReading(arguments).artifactID(matching: positionals[1])
        let signed = try SignedApproval(
            alias: positionals[0], approval: approval,
            approver: arguments.value("approver") ?? Registry.Configuration.defaultActor,
            artifact: artifact, reason: arguments.value("reason"), signer: key)
        try Data(signed.fileBytes()).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting)
        if arguments.flag("json") {
            JSONOutput.print([
                "alias": .string(positionals[0]), "artifact": .string(artifact.description),
                "approval": .string(approval), "keyID": .string(key.keyID), "file": .string(out),
            ])
        } else {
            print("wrote signed approval \(approval) for \(positionals[0]) -> \(artifact) by \(key.keyID) to \(out)")
        }
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

    static let flags = ["deep"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let given = try arguments.positionals([], optional: 1)
        let registry = try CommandLineTool.openForReading(arguments)
        let depth: VerificationReport.Depth =
            arguments.value("trust") != nil ? .trust : arguments.flag("deep") ? .full : .quick
        // A deep check pre-stamps: indexes/stamps/, or the per-user cache when the registry cannot be written.
        let verifier = depth >= .full ? registry.verifier(stampRecording: .registry) : registry.verifier()
        let reports: [VerificationReport]
        if let text = given.first {
            reports = [try verifier.verify(try registry.artifactID(matching: text), depth: depth)]
        } else {
            let progress = ProgressDisplay(title: "verify", items: "artifacts", measuresBytes: false)
            defer { progress.finish() }
            reports = try verifier.verifyAll(depth: depth) { step in
                progress.update(.init(phase: "verifying", itemsCompleted: step.completed, itemsTotal: step.total))
            }
        }
        // An evicted artifact (FORMAT.md §14.4) is reported, not counted as a problem: its bytes are elsewhere.
        let problems = reports.reduce(0) { $0 + $1.findings.filter { $0.kind != .evicted }.count }
        if arguments.flag("json") {
            JSONOutput.print([
                "depth": .string(depth.description), "problems": JSONOutput.number(problems),
                "artifacts": .array(
                    reports.map { report in
                        [
                            "id": .string(report.artifact.description), "clean": .bool(report.isClean),
                            "trustedSigners": JSONOutput.strings(report.trustedSigners),
                            "findings": JSONOutput.findings(report.findings),
                        ]
                    }),
            ])
        } else {
            for report in reports {
                let signers = report.trustedSigners.joined(separator: ", ")
                let signed = signers.isEmpty ? "" : " signed by \(signers)"
                if report.isClean {
                    print("ok  \(report.artifact) (\(depth))\(signed)")
                } else if report.findings.allSatisfy({ $0.kind == .evicted }) {
                    print("evicted \(report.artifact): \(report.findings.map(\.message).joined(separator: "; "))")
                } else {
                    print("BAD \(report)")
                }
            }
        }
        if problems > 0 {
            let bad = reports.filter { $0.findings.contains { $0.kind != .evicted } }.count
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

    static let subcommands = ["add", "ls"]
    static let options = ["comment"]

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing trust subcommand (add or ls)") }
        let arguments = try parse(Array(raw.dropFirst()))
        switch sub {
        case "add":
            // The one command that may create the trust directory (printed, so a typo shows).
            let directory = CommandLineTool.trustLocation(arguments).path
            let key = try KeyFiles.loadPublicKey(at: try arguments.positionals(["KEYFILE"])[0])
            let file = try KeyFiles.addToTrustDirectory(
                key, directory: directory, comment: arguments.value("comment") ?? "")
            if arguments.flag("json") {
                JSONOutput.print(["keyID": .string(key.keyID), "file": .string("\(file)")])
            } else {
                print("trusting \(key.keyID) (\(file))")
            }
        case "ls":
            _ = try arguments.positionals([])
            let location = CommandLineTool.trustLocation(arguments)
            let keyIDs = try CommandLineTool.loadTrust(arguments).keyIDs
            if arguments.flag("json") {
                JSONOutput.print(["directory": .string(location.path), "keys": JSONOutput.strings(keyIDs)])
            } else {
                for keyID in keyIDs { print(keyID) }
            }
        default:
            throw UsageError("unknown trust subcommand '\(sub)' (expected add or ls)")
        }
    }
}
