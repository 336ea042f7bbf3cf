import Foundation
import ModelRegistry

/// `modelreg log [-n N] [--reverse] [--type T] [--alias A] [--artifact ARTIFACT] [--since TIME] [--until TIME]`
enum LogCommand: Command {
    static let name = "log"
    static let usage = """
        log                     Audit events, oldest first; -n N (or --limit N) keeps the newest N,
                                --reverse prints newest first; filters: --type T --alias A
                                --artifact ARTIFACT --since TIME --until TIME
        """
    static let options = ["type", "alias", "artifact", "since", "until", "limit"]
    static let flags = ["reverse"]

    /// The event types `--type` accepts, sorted: the library's known types, plus `alias_restored` (written by
    /// recovery; the library is adding it to `AuditEvent.Kind.known`).
    static var eventTypes: [String] {
        Set(AuditEvent.Kind.known.map(\.rawValue)).union([AuditEvent.Kind.aliasRestored.rawValue]).sorted()
    }

    static func run(_ raw: [String]) throws {
        // `-n N` is git's spelling of `--limit N`; both keep the newest N events.
        let end = raw.firstIndex(of: "--") ?? raw.endIndex
        let translated = raw[..<end].map { $0 == "-n" ? "--limit" : $0 } + raw[end...]
        let arguments = try parse(translated)
        _ = try arguments.positionals([])
        var filter = AuditJournal.Filter()
        let types = try arguments.values("type", oneOf: eventTypes, kind: "an audit event type")
        if !types.isEmpty { filter.types = Set(types.map(AuditEvent.Kind.init(rawValue:))) }
        filter.alias = arguments.value("alias")
        filter.since = try arguments.value("since").map { try time($0, option: "--since") }
        filter.until = try arguments.value("until").map { try time($0, option: "--until") }
        var newest: Int?
        if let limit = arguments.value("limit") {
            guard let count = Int(limit), count > 0 else { throw UsageError("-n/--limit must be a positive number") }
            newest = count
        }
        let registry = try CommandLineTool.openForReading(arguments)
        if let reference = arguments.value("artifact") {
            // An artifact that is gone (or never registered) still has events: a full id is taken as it is.
            filter.artifact =
                try ArtifactID(reference)?.description ?? registry.artifactID(matching: reference).description
        }
        // A damaged line stops nothing: the other events are shown, the damaged one is marked where it is, and
        // the command exits 1 at the end (FORMAT.md §9.4).
        var entries: [Result<AuditEvent, AuditJournal.DamagedLine>] = []
        var damaged = 0
        var held = 0
        var cursor = registry.journal.events(filter).makeIterator()
        while let next = cursor.next() {
            switch next {
            case .success(let event):
                entries.append(.success(event))
                held += 1
            case .failure(let error):
                guard let damage = AuditJournal.DamagedLine.found(in: error) else { throw error }
                entries.append(.failure(damage))
                damaged += 1
            }
            // Keep only the newest N events (and the damage among them) without holding the whole log: trim in
            // batches.
            if let newest, held >= 2 * newest {
                entries = keepingNewest(newest, of: entries)
                held = newest
            }
        }
        if let newest { entries = keepingNewest(newest, of: entries) }
        if arguments.flag("reverse") { entries.reverse() }
        if arguments.flag("json") {
            JSONOutput.print(["events": .array(entries.compactMap { try? JSONOutput.event($0.get()) })])
            if damaged > 0 {
                for case .failure(let damage) in entries { printError("damaged line: \(damage.message)") }
            }
        } else {
            for entry in entries {
                switch entry {
                case .success(let event): print(line(event))
                case .failure(let damage): print("#  damaged line \(damage.message)")
                }
            }
        }
        if damaged > 0 {
            throw CommandFailure(
                "the audit log has \(damaged) damaged line(s), marked where they fall among the events shown; every "
                    + "other event was read. 'modelreg fsck' reports the damage; nothing rewrites it")
        }
    }

    /// The entries from the newest `count`-th event on (damage before it is dropped with the older events).
    static func keepingNewest(
        _ count: Int, of entries: [Result<AuditEvent, AuditJournal.DamagedLine>]
    ) -> [Result<AuditEvent, AuditJournal.DamagedLine>] {
        let eventIndices = entries.indices.filter { (try? entries[$0].get()) != nil }
        guard eventIndices.count > count else { return entries }
        return Array(entries[eventIndices[eventIndices.count - count]...])
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

    static let subcommands = ["verify"]

    static func run(_ raw: [String]) throws {
        guard raw.first == "verify" else { throw UsageError("unknown audit subcommand (expected verify)") }
        let arguments = try parse(Array(raw.dropFirst()))
        _ = try arguments.positionals([])
        let report = try CommandLineTool.openForReading(arguments).journal.verify()
        if arguments.flag("json") {
            JSONOutput.print([
                "events": JSONOutput.number(report.eventCount), "clean": .bool(report.findings.isEmpty),
                "findings": JSONOutput.findings(report.findings),
            ])
        } else {
            for finding in report.findings { print(finding) }
        }
        guard report.findings.isEmpty else {
            throw CommandFailure(
                "audit log has \(report.findings.count) problem(s); run 'modelreg recover' to repair a torn tail")
        }
        if !arguments.flag("json") { print("audit log verified: \(report.eventCount) events, hash chain intact") }
    }
}

/// `modelreg recover`
enum RecoverCommand: Command {
    static let name = "recover"
    static let usage = """
        recover                 Bring every file back to what the audit log says, after a crash or damage;
                                reports what it completed, what it restored and what it cannot repair.
        """

    static let options = ["actor"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        let report = try CommandLineTool.openForWriting(arguments).recover(actor: arguments.value("actor"))
        if arguments.flag("json") {
            JSONOutput.print([
                "clean": .bool(report.isClean), "repairedTail": JSONOutput.number(report.repairedTail?.sequence),
                "appendedEvents": .array(report.appendedEvents.map(JSONOutput.event)),
                "completed": JSONOutput.findings(report.completed), "restored": JSONOutput.findings(report.repaired),
                "removedLeftovers": JSONOutput.strings(report.removedLeftovers),
                "rebuiltIndexes": JSONOutput.findings(report.rebuiltIndexes),
                "unresolved": JSONOutput.findings(report.unresolved),
            ])
        } else {
            print(text(report), terminator: "")
        }
        if !report.unresolved.isEmpty {
            throw CommandFailure("\(report.unresolved.count) problem(s) recovery cannot repair from the log; see above")
        }
    }

    /// The text form of a recovery report, one line per thing done or left undone.
    static func text(_ report: Registry.RecoveryReport) -> String {
        var lines: [String] = []
        if report.isClean { lines.append("registry is consistent; nothing to do") }
        if let repaired = report.repairedTail {
            lines.append("repaired torn audit log tail (event \(repaired.sequence))")
        }
        lines += report.appendedEvents.map { "recorded missing event: \(LogCommand.line($0))" }
        lines += report.completed.map { "completed the interrupted change: \($0)" }
        lines += report.repaired.map { "restored from the log: \($0)" }
        lines += report.removedLeftovers.map { "removed leftover: \($0)" }
        lines += report.rebuiltIndexes.map { "rebuilt the index caches: \($0)" }
        lines += report.unresolved.map { "not repaired: \($0)" }
        return lines.map { $0 + "\n" }.joined()
    }
}
