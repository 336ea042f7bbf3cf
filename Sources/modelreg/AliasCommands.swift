import Foundation
import ModelRegistry

/// `modelreg promote ALIAS ARTIFACT [--expect CURRENT|none] [--reason …] [--approval …] [--actor …]`
enum PromoteCommand: Command {
    static let name = "promote"
    static let usage = """
        promote ALIAS ARTIFACT  Point ALIAS at ARTIFACT (compare-and-swap with --expect ARTIFACT|none).
            --reason TEXT  --approval ID  --approval-file FILE  --trust DIR  --actor NAME
        """
    static let options = ["expect", "reason", "approval", "approval-file", "actor"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let positionals = try arguments.positionals(["ALIAS", "ARTIFACT"])
        let signed = try arguments.value("approval-file").map { path in
            try SignedApproval(fileBytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))), source: path)
        }
        let registry = try CommandLineTool.openForWriting(arguments)
        let target = try registry.artifactID(matching: positionals[1])
        let update = try registry.promote(
            positionals[0], to: target, expecting: try expectation(arguments, in: registry),
            actor: arguments.value("actor"), reason: arguments.value("reason"),
            approval: arguments.value("approval"), signedApproval: signed)
        if arguments.flag("json") {
            JSONOutput.print(json(update))
        } else if update.changed {
            let from = update.record.previousArtifact.map { " (was \($0))" } ?? ""
            print("\(update.record.alias) -> \(update.record.artifact)\(from)")
        } else {
            print("\(update.record.alias) already points at \(update.record.artifact); nothing changed")
        }
    }

    /// `--expect ARTIFACT` (any reference) or `--expect none`.
    static func expectation(_ arguments: ArgumentList, in registry: Registry) throws -> AliasExpectation {
        guard let text = arguments.value("expect") else { return .any }
        if text == "none" { return .absent }
        return .target(try registry.artifactID(matching: text))
    }

    /// `{"alias", "artifact", "previous", "changed", "sequence"}`: the outcome of promote and rollback.
    static func json(_ update: Registry.AliasUpdate) -> JSONValue {
        [
            "alias": .string(update.record.alias), "artifact": .string(update.record.artifact.description),
            "previous": JSONOutput.string(update.record.previousArtifact?.description),
            "changed": .bool(update.changed), "sequence": JSONOutput.number(update.event?.sequence),
        ]
    }
}

/// `modelreg resolve ALIAS [--allow-revoked]`
enum ResolveCommand: Command {
    static let name = "resolve"
    static let usage = """
        resolve ALIAS           Print the artifact ALIAS points at (--allow-revoked to see a revoked one).
        """
    static let flags = ["allow-revoked"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let alias = try arguments.positionals(["ALIAS"])[0]
        let registry = try CommandLineTool.openForReading(arguments)
        let record = try registry.resolve(alias, allowRevoked: arguments.flag("allow-revoked"))
        if let eviction = try registry.eviction(of: record.artifact) {
            let source = eviction.remote.map { "remote '\($0)'" } ?? "no recorded remote"
            printError(
                "note: \(record.artifact) is evicted (its bytes are at \(source)); 'modelreg fetch \(record.artifact)' "
                    + "brings them back, and loading it fetches them on demand")
        }
        if arguments.flag("json") {
            JSONOutput.print(JSONOutput.alias(record))
        } else {
            print(record.artifact)
        }
    }
}

/// `modelreg rollback ALIAS [--to ARTIFACT] [--expect CURRENT] [--reason …] [--trust DIR]`
enum RollbackCommand: Command {
    static let name = "rollback"
    static let usage = """
        rollback ALIAS          Point ALIAS back at its previous target (or --to ARTIFACT).
            --expect ARTIFACT  --reason TEXT  --approval ID  --actor NAME
        """
    static let options = ["to", "expect", "reason", "approval", "actor"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let alias = try arguments.positionals(["ALIAS"])[0]
        let registry = try CommandLineTool.openForWriting(arguments)
        let target = try arguments.value("to").map { try registry.artifactID(matching: $0) }
        let update = try registry.rollback(
            alias, to: target, expecting: try PromoteCommand.expectation(arguments, in: registry),
            actor: arguments.value("actor"), reason: arguments.value("reason"),
            approval: arguments.value("approval"))
        if arguments.flag("json") {
            JSONOutput.print(PromoteCommand.json(update))
        } else {
            print("\(update.record.alias) -> \(update.record.artifact)")
        }
    }
}

/// `modelreg retire ALIAS [--expect CURRENT] [--reason …] [--trust DIR]`
enum RetireCommand: Command {
    static let name = "retire"
    static let usage = """
        retire ALIAS            Remove ALIAS (its history stays in the audit log).
            --expect ARTIFACT  --reason TEXT  --actor NAME
        """
    static let options = ["expect", "reason", "actor"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let alias = try arguments.positionals(["ALIAS"])[0]
        let registry = try CommandLineTool.openForWriting(arguments)
        try registry.retire(
            alias, expecting: try PromoteCommand.expectation(arguments, in: registry),
            actor: arguments.value("actor"), reason: arguments.value("reason"))
        if arguments.flag("json") {
            JSONOutput.print(["alias": .string(alias), "retired": .bool(true)])
        } else {
            print("retired \(alias)")
        }
    }
}

/// `modelreg alias ls` and `modelreg alias history ALIAS`
enum AliasCommand: Command {
    static let name = "alias"
    static let usage = """
        alias ls                List aliases.
        alias history ALIAS     The changes of ALIAS, oldest first.
        """
    static let subcommands = ["ls", "history"]

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing alias subcommand (ls or history)") }
        let arguments = try parse(Array(raw.dropFirst()))
        let json = arguments.flag("json")
        switch sub {
        case "ls":
            _ = try arguments.positionals([])
            let records = try CommandLineTool.openForReading(arguments).listAliases()
            if json {
                JSONOutput.print(["aliases": .array(records.map(JSONOutput.alias))])
                return
            }
            for record in records {
                print("\(record.alias)  \(record.artifact)  \(record.changedAt)  \(record.actor)")
            }
        case "history":
            let alias = try arguments.positionals(["ALIAS"])[0]
            // An alias that never existed is `.notFound` (exit 1), not an empty history.
            let events = try CommandLineTool.openForReading(arguments).aliasHistory(alias)
            if json {
                JSONOutput.print(["alias": .string(alias), "events": .array(events.map(JSONOutput.event))])
                return
            }
            for event in events { print(LogCommand.line(event)) }
        default:
            throw UsageError("unknown alias subcommand '\(sub)' (expected ls or history)")
        }
    }
}
