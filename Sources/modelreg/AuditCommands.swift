import Foundation
import ModelRegistry

/// `modelreg log [--type T] [--alias A] [--artifact ID] [--since TIME] [--until TIME] [--limit N]`
enum LogCommand: Command {
    static let name = "log"
    static let usage = """
        log                     Audit events; filters: --type T --alias A --artifact ID
                                --since TIME --until TIME --limit N
        """

    /// The event types `--type` accepts, sorted: the library's known types, plus `alias_restored` (written by
    /// recovery; the library is adding it to `AuditEvent.Kind.known`).
    static var eventTypes: [String] {
        Set(AuditEvent.Kind.known.map(\.rawValue)).union([AuditEvent.Kind.aliasRestored.rawValue]).sorted()
    }

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(
            raw, options: ["type", "alias", "artifact", "since", "until", "limit"])
        _ = try arguments.positionals([])
        var filter = AuditJournal.Filter()
        let types = try arguments.values("type", oneOf: eventTypes, kind: "an audit event type")
        if !types.isEmpty { filter.types = Set(types.map(AuditEvent.Kind.init(rawValue:))) }
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
    /// An event whose payload is not the documented one for its type is shown as it is, followed by why.
    static func line(_ event: AuditEvent) -> String {
        let payload = String(decoding: CanonicalJSON.encode(event.payload), as: UTF8.self)
        var text = "\(event.sequence)  \(event.time)  \(event.actor)  \(event.type)  \(payload)"
        do {
            _ = try event.decodePayload()
        } catch {
            text += "  # not the documented payload: \((error as? RegistryError)?.message ?? "\(error)")"
        }
        return text
    }
}

/// `modelreg audit verify`
enum AuditCommand: Command {
    static let name = "audit"
    static let usage = """
        audit verify            Check the audit log's hash chain; exit 1 on any problem.
        """

    static func run(_ raw: [String]) throws {
        guard raw.first == "verify" else { throw UsageError("unknown audit subcommand (expected verify)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()))
        _ = try arguments.positionals([])
        let report = try CommandLineTool.openForReading(arguments).journal.verify()
        for finding in report.findings { print(finding) }
        guard report.findings.isEmpty else {
            throw CommandFailure(
                "audit log has \(report.findings.count) problem(s); run 'modelreg recover' to repair a torn tail")
        }
        print("audit log verified: \(report.eventCount) events, hash chain intact")
    }
}

/// `modelreg recover`
enum RecoverCommand: Command {
    static let name = "recover"
    static let usage = """
        recover                 Bring every file back to what the audit log says, after a crash or damage;
                                reports what it completed, what it restored and what it cannot repair.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["actor"])
        _ = try arguments.positionals([])
        let report = try CommandLineTool.openForWriting(arguments).recover(actor: arguments.value("actor"))
        if report.isClean { print("registry is consistent; nothing to do") }
        if let repaired = report.repairedTail { print("repaired torn audit log tail (event \(repaired.sequence))") }
        for event in report.appendedEvents { print("recorded missing event: \(LogCommand.line(event))") }
        for finding in report.completed { print("completed the interrupted change: \(finding)") }
        for finding in report.repaired { print("restored from the log: \(finding)") }
        for path in report.removedLeftovers { print("removed leftover: \(path)") }
        for finding in report.unresolved { print("not repaired: \(finding)") }
        if !report.unresolved.isEmpty {
            throw CommandFailure("\(report.unresolved.count) problem(s) recovery cannot repair from the log; see above")
        }
    }
}
