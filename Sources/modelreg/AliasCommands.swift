import Foundation
import ModelRegistry

/// `modelreg promote ALIAS ARTIFACT [--expect CURRENT|none] [--reason …] [--approval …] [--actor …]`
enum PromoteCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["expect", "reason", "approval", "approval-file", "actor", "trust"])
        let positionals = try arguments.positionals(["ALIAS", "ARTIFACT"])
        let target = try ArtifactID(parsing: positionals[1], context: "ARTIFACT")
        let signed = try arguments.value("approval-file").map { path in
            try SignedApproval(fileBytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))), source: path)
        }
        var configuration = CommandLineTool.configuration(arguments)
        configuration.trust = try KeyFiles.loadTrustDirectory(trustDirectory(arguments))
        let registry = try Registry.open(at: CommandLineTool.registryURL(arguments), configuration: configuration)
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

/// `modelreg resolve ALIAS`
enum ResolveCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, flags: ["allow-revoked"])
        let alias = try arguments.positionals(["ALIAS"])[0]
        print(try CommandLineTool.openForReading(arguments).resolve(alias, allowRevoked: arguments.flag("allow-revoked")).artifact)
    }
}

/// `modelreg rollback ALIAS [--to ARTIFACT] [--expect CURRENT] [--reason …]`
enum RollbackCommand {
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

/// `modelreg retire ALIAS [--reason …]`
enum RetireCommand {
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
enum AliasCommand {
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
            for event in try CommandLineTool.openForReading(arguments).aliasHistory(alias) {
                print(LogCommand.line(event))
            }
        default:
            throw UsageError("unknown alias subcommand '\(sub)' (expected ls or history)")
        }
    }
}

/// `modelreg log [--type T] [--alias A] [--artifact ID] [--since TIME] [--until TIME] [--limit N]`
enum LogCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["type", "alias", "artifact", "since", "until", "limit"])
        _ = try arguments.positionals([])
        var filter = AuditJournal.Filter()
        if !arguments.values("type").isEmpty { filter.types = Set(arguments.values("type").map(AuditEvent.Kind.init(rawValue:))) }
        filter.alias = arguments.value("alias")
        filter.artifact = arguments.value("artifact")
        filter.since = try arguments.value("since").map { try time($0, option: "--since") }
        filter.until = try arguments.value("until").map { try time($0, option: "--until") }
        if let limit = arguments.value("limit") {
            guard let count = Int(limit), count > 0 else { throw UsageError("--limit must be a positive number") }
            filter.limit = count
        }
        try CommandLineTool.openForReading(arguments).journal.forEachEvent(filter) { print(line($0)) }
    }

    /// Accepts RFC 3339 (`2026-11-23T13:37:00Z`) or a day (`2026-11-23`, meaning its start in UTC).
    static func time(_ text: String, option: String) throws -> Date {
        if let date = Timestamp.parse(text) ?? Timestamp.parse(text + "T00:00:00Z") { return date }
        throw UsageError("\(option) must be an RFC 3339 time or a YYYY-MM-DD day, not '\(text)'")
    }

    /// One event per line: sequence, time, actor, type, then the payload's canonical JSON.
    static func line(_ event: AuditEvent) -> String {
        "\(event.sequence)  \(event.time)  \(event.actor)  \(event.type)  \(String(decoding: CanonicalJSON.encode(event.payload), as: UTF8.self))"
    }
}

/// `modelreg audit verify`
enum AuditCommand {
    static func run(_ raw: [String]) throws {
        guard raw.first == "verify" else { throw UsageError("unknown audit subcommand (expected verify)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()))
        _ = try arguments.positionals([])
        let report = try CommandLineTool.openForReading(arguments).journal.verify()
        for finding in report.findings { print(finding) }
        if report.findings.isEmpty {
            print("audit log verified: \(report.eventCount) events, hash chain intact")
        } else {
            throw RegistryError(
                .digestMismatch, "audit log has \(report.findings.count) problem(s); run 'modelreg recover' to repair a torn tail")
        }
    }
}

/// `modelreg recover`
enum RecoverCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["actor"])
        _ = try arguments.positionals([])
        let report = try CommandLineTool.openForWriting(arguments).recover(actor: arguments.value("actor"))
        if report.isClean { print("registry is consistent; nothing to do") }
        if let repaired = report.repairedTail { print("repaired torn audit log tail (event \(repaired.sequence))") }
        for event in report.appendedEvents { print("recorded missing event: \(LogCommand.line(event))") }
        for alias in report.restoredAliases { print("restored alias file: \(alias)") }
        for path in report.removedLeftovers { print("removed leftover: \(path)") }
    }
}
