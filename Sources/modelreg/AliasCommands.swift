import Foundation
import ModelRegistry

/// `modelreg promote ALIAS ARTIFACT [--expect CURRENT|none] [--reason …] [--approval …] [--actor …]`
enum PromoteCommand: Command {
    static let name = "promote"
    static let usage = """
        promote ALIAS ARTIFACT  Point ALIAS at ARTIFACT (compare-and-swap with --expect ID|none).
            --reason TEXT  --approval ID  --approval-file FILE  --trust DIR  --actor NAME
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(
            raw, options: ["expect", "reason", "approval", "approval-file", "actor"])
        let positionals = try arguments.positionals(["ALIAS", "ARTIFACT"])
        let target = try ArtifactID(parsing: positionals[1], context: "ARTIFACT")
        let signed = try arguments.value("approval-file").map { path in
            try SignedApproval(fileBytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))), source: path)
        }
        let registry = try CommandLineTool.openForWriting(arguments)
        let update = try registry.promote(
            positionals[0], to: target, expecting: try expectation(arguments), actor: arguments.value("actor"),
            reason: arguments.value("reason"), approval: arguments.value("approval"), signedApproval: signed)
        if update.changed {
            let from = update.record.previousArtifact.map { " (was \($0))" } ?? ""
            print("\(update.record.alias) -> \(update.record.artifact)\(from)")
        } else {
            print("\(update.record.alias) already points at \(update.record.artifact); nothing changed")
        }
    }

    /// `--expect ID` or `--expect none`.
    static func expectation(_ arguments: ArgumentList) throws -> AliasExpectation {
        guard let text = arguments.value("expect") else { return .any }
        if text == "none" { return .absent }
        return .target(try ArtifactID(parsing: text, context: "--expect"))
    }
}

/// `modelreg resolve ALIAS [--allow-revoked]`
enum ResolveCommand: Command {
    static let name = "resolve"
    static let usage = """
        resolve ALIAS           Print the artifact ALIAS points at (--allow-revoked to see a revoked one).
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, flags: ["allow-revoked"])
        let alias = try arguments.positionals(["ALIAS"])[0]
        let registry = try CommandLineTool.openForReading(arguments)
        print(try registry.resolve(alias, allowRevoked: arguments.flag("allow-revoked")).artifact)
    }
}

/// `modelreg rollback ALIAS [--to ARTIFACT] [--expect CURRENT] [--reason …] [--trust DIR]`
enum RollbackCommand: Command {
    static let name = "rollback"
    static let usage = """
        rollback ALIAS          Point ALIAS back at its previous target (or --to ARTIFACT).
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["to", "expect", "reason", "approval", "actor"])
        let alias = try arguments.positionals(["ALIAS"])[0]
        let target = try arguments.value("to").map { try ArtifactID(parsing: $0, context: "--to") }
        let update = try CommandLineTool.openForWriting(arguments).rollback(
            alias, to: target, expecting: try PromoteCommand.expectation(arguments), actor: arguments.value("actor"),
            reason: arguments.value("reason"), approval: arguments.value("approval"))
        print("\(update.record.alias) -> \(update.record.artifact)")
    }
}

/// `modelreg retire ALIAS [--expect CURRENT] [--reason …] [--trust DIR]`
enum RetireCommand: Command {
    static let name = "retire"
    static let usage = """
        retire ALIAS            Remove ALIAS (its history stays in the audit log).
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["expect", "reason", "actor"])
        let alias = try arguments.positionals(["ALIAS"])[0]
        try CommandLineTool.openForWriting(arguments).retire(
            alias, expecting: try PromoteCommand.expectation(arguments), actor: arguments.value("actor"),
            reason: arguments.value("reason"))
        print("retired \(alias)")
    }
}

/// `modelreg alias ls` and `modelreg alias history ALIAS`
enum AliasCommand: Command {
    static let name = "alias"
    static let usage = """
        alias ls                List aliases.
        alias history ALIAS     The changes of ALIAS, oldest first.
        """

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing alias subcommand (ls or history)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()))
        switch sub {
        case "ls":
            _ = try arguments.positionals([])
            for record in try CommandLineTool.openForReading(arguments).listAliases() {
                print("\(record.alias)  \(record.artifact)  \(record.changedAt)  \(record.actor)")
            }
        case "history":
            let alias = try arguments.positionals(["ALIAS"])[0]
            // An alias that never existed is `.notFound` (exit 1), not an empty history.
            for event in try CommandLineTool.openForReading(arguments).aliasHistory(alias) {
                print(LogCommand.line(event))
            }
        default:
            throw UsageError("unknown alias subcommand '\(sub)' (expected ls or history)")
        }
    }
}
