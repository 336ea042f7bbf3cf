import Foundation
import ModelRegistry

/// `modelreg gc [--grace 7d] [--max-size SIZE] [--explain [ARTIFACT]] [--apply]`
enum GarbageCollectCommand: Command {
    static let name = "gc"
    static let usage = """
        gc [--grace 7d] [--max-size SIZE] [--explain [ARTIFACT]] [--apply]
                                Garbage collection: remove what no alias, rollback history, production or
                                candidate state, pin, ingest in progress or kept descendant needs, and what is
                                older than the grace period (default 7d; 12h, 0 …). --max-size 10G removes only
                                down to a budget, oldest first. A dry run unless --apply. --explain prints
                                why each artifact (or ARTIFACT) is kept or would go, with its bytes.
        """
    static let options = ["grace", "max-size"]
    static let flags = ["explain", "apply"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let positionals = try arguments.positionals([], optional: 1)
        if !positionals.isEmpty && !arguments.flag("explain") {
            throw UsageError("unexpected argument '\(positionals[0])': only --explain takes an ARTIFACT")
        }
        var options = GarbageCollectionOptions(dryRun: !arguments.flag("apply"))
        if let grace = arguments.value("grace") {
            options.gracePeriod = try SpaceArguments.duration(grace, option: "--grace")
        }
        if let size = arguments.value("max-size") {
            options.maxSize = try SpaceArguments.size(size, option: "--max-size")
        }
        let registry =
            options.dryRun
            ? try CommandLineTool.openForReading(arguments) : try CommandLineTool.openForWriting(arguments)
        let only = try positionals.first.map { try registry.artifactID(matching: $0) }
        let report = try registry.collectGarbage(options)
        let decisions = report.decisions.filter { only == nil || $0.artifact == only }
        let failed = !report.isDryRun && report.decisions.contains { $0.verdict == .collect && !$0.removed }
        if arguments.flag("json") {
            JSONOutput.print(json(report, decisions: decisions))
        } else {
            printText(report, decisions: decisions, explain: arguments.flag("explain"))
        }
        if failed {
            throw CommandFailure("garbage collection stopped: \(report.problems.last?.message ?? "a removal failed")")
        }
    }

    private static func printText(
        _ report: GarbageCollectionReport, decisions: [GarbageCollectionReport.Decision], explain: Bool
    ) {
        let size = CommandLineTool.formatSize
        for decision in decisions where explain || decision.verdict == .collect {
            let name = decision.name.isEmpty ? "" : " (\(decision.name))"
            let bytes = "exclusive \(size(decision.exclusiveBytes)), shared \(size(decision.sharedBytes))"
            switch decision.verdict {
            case .keep:
                print(
                    "keep     \(decision.artifact)\(name): \(decision.holds.map(\.description).joined(separator: "; "))"
                )
            case .collect:
                let verb = report.isDryRun ? "would go" : decision.removed ? "removed" : "not removed"
                print(
                    "collect  \(decision.artifact)\(name): nothing keeps it, registered \(decision.registeredAt ?? "?")"
                        + " — \(verb), frees \(size(decision.bytesFreed))")
            case .withinBudget:
                print("spare    \(decision.artifact)\(name): nothing keeps it, but the size budget is met without it")
            }
            if explain { print("         \(bytes)") }
        }
        for entry in report.staging where explain || entry.collect {
            let verb =
                entry.collect ? (report.isDryRun ? "would go" : entry.removed ? "removed" : "not removed") : "kept"
            print("staging  \(entry.path): \(entry.reason) — \(verb)")
        }
        for problem in report.problems { print("problem  \(problem)") }
        let count = report.collected.count
        let budget = report.options.maxSize.map {
            report.meetsBudget ? ", within \(size($0))" : ", still over \(size($0))"
        }
        if report.isDryRun {
            print(
                "dry run: \(count) artifact(s) would go, freeing \(size(report.bytesFreed)) of "
                    + "\(size(report.totalBytesBefore))\(budget ?? ""); run with --apply to remove them")
        } else {
            print(
                "removed \(report.decisions.filter(\.removed).count) artifact(s), freed \(size(report.bytesFreed)) of "
                    + "\(size(report.totalBytesBefore))\(budget ?? "")")
        }
    }

    /// The `--json` object documented in docs/CLI.md.
    static func json(_ report: GarbageCollectionReport, decisions: [GarbageCollectionReport.Decision]) -> JSONValue {
        [
            "dryRun": .bool(report.isDryRun),
            "totalBytesBefore": JSONOutput.number(report.totalBytesBefore),
            "bytesFreed": JSONOutput.number(report.bytesFreed),
            "maxSize": JSONOutput.number(report.options.maxSize),
            "meetsBudget": .bool(report.meetsBudget),
            "artifacts": .array(
                decisions.map { decision in
                    [
                        "id": .string(decision.artifact.description), "name": .string(decision.name),
                        "registeredAt": JSONOutput.string(decision.registeredAt),
                        "verdict": .string(decision.verdict.rawValue),
                        "holds": JSONOutput.strings(decision.holds.map(\.description)),
                        "exclusiveBytes": JSONOutput.number(decision.exclusiveBytes),
                        "sharedBytes": JSONOutput.number(decision.sharedBytes),
                        "bytesFreed": JSONOutput.number(decision.bytesFreed), "removed": .bool(decision.removed),
                    ]
                }),
            "staging": .array(
                report.staging.map { entry in
                    [
                        "path": .string(entry.path), "collect": .bool(entry.collect), "reason": .string(entry.reason),
                        "removed": .bool(entry.removed),
                    ]
                }),
            "events": .array(report.events.map(JSONOutput.event)),
            "problems": JSONOutput.findings(report.problems),
        ]
    }
}
