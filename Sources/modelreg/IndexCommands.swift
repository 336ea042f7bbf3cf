import Foundation
import ModelRegistry

/// `modelreg index rebuild`, `modelreg index status` and `modelreg index compact [--quiet]`
enum IndexCommand: Command {
    static let name = "index"
    static let usage = """
        index rebuild           Rebuild the generated indexes in indexes/ (caches; never authoritative).
        index status            Compare the stored indexes with the registry (current, stale, damaged).
        index compact           Fold the index's update records into its base when they are due (writes start
                                this in the background; --quiet prints nothing).
        """

    static let subcommands = ["rebuild", "status", "compact"]
    static let flags = ["quiet"]

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing index subcommand (rebuild, status or compact)") }
        let arguments = try parse(Array(raw.dropFirst()))
        let json = arguments.flag("json")
        _ = try arguments.positionals([])
        switch sub {
        case "rebuild":
            let registry = try CommandLineTool.openForWriting(arguments)
            let clock = ContinuousClock()
            let start = clock.now
            let report = try registry.rebuildIndexes()
            let elapsed =
                Double((clock.now - start).components.attoseconds) / 1e18
                + Double((clock.now - start).components.seconds)
            if json {
                JSONOutput.print([
                    "summaries": JSONOutput.number(report.summaryCount),
                    "artifacts": JSONOutput.number(report.stamp.artifactCount),
                    "auditSequence": JSONOutput.number(report.stamp.auditSequence),
                    "seconds": JSONNumber(elapsed).map(JSONValue.number) ?? .null,
                    "findings": JSONOutput.findings(report.findings),
                ])
                return
            }
            for finding in report.findings { print("problem: \(finding)") }
            print(
                "rebuilt indexes: \(report.summaryCount) of \(report.stamp.artifactCount) artifacts, audit "
                    + "\(report.stamp.auditPosition) in \(String(format: "%.2f", elapsed)) s")
        case "status":
            let status = try CommandLineTool.openForReading(arguments).index.status()
            if json {
                JSONOutput.print([
                    "current": .bool(status.isClean), "behind": .bool(status.isBehind),
                    "storedArtifacts": JSONOutput.number(status.stored.map { Int64($0.artifactCount) }),
                    "storedAuditSequence": JSONOutput.number(status.stored?.auditSequence),
                    "artifacts": JSONOutput.number(status.artifactCount),
                    "auditSequence": JSONOutput.number(status.auditPosition.sequence),
                    "findings": JSONOutput.findings(status.findings),
                ])
            } else {
                print(status)
            }
        case "compact":
            let registry = try CommandLineTool.openForWriting(arguments)
            let compacted = try registry.compactIndex()
            if json {
                JSONOutput.print(["compacted": .bool(compacted)])
            } else if !arguments.flag("quiet") {
                print(compacted ? "compacted the index" : "nothing to compact (or another process is compacting)")
            }
        default:
            throw UsageError("unknown index subcommand '\(sub)' (expected rebuild, status or compact)")
        }
    }
}

/// `modelreg find [--capability C]… [--state S] [--text T] [--name N] [--label K=V]… [--ancestors-of ID]
/// [--descendants-of ID] [--limit N] [--after CURSOR]`
enum FindCommand: Command {
    static let name = "find"
    static let usage = """
        find                    Query the index, most recent first; filters combine:
                                --capability C (repeatable) --state S --text WORDS --name N
                                --label KEY=VALUE (repeatable) --ancestors-of ID --descendants-of ID
                                --limit N --after CURSOR (pages, in a stable order)
        """

    static let options = [
        "capability", "state", "text", "name", "label", "ancestors-of", "descendants-of", "limit", "after",
    ]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        let state = try arguments.value(
            "state", oneOf: LifecycleState.all.map(\.rawValue), kind: "a lifecycle state")
        var query = IndexQuery(
            capabilities: Set(arguments.values("capability")), state: state.flatMap(LifecycleState.init(rawValue:)),
            text: arguments.value("text"), name: arguments.value("name"))
        for label in arguments.values("label") {
            guard let equals = label.firstIndex(of: "=") else {
                throw UsageError("--label must be KEY=VALUE, not '\(label)'")
            }
            query.labels[String(label[..<equals])] = String(label[label.index(after: equals)...])
        }
        let page = try Paging(arguments)
        query.limit = page.limit
        let registry = try CommandLineTool.openForReading(arguments)
        query.ancestorsOf = try arguments.value("ancestors-of").map { try registry.artifactID(matching: $0) }
        query.descendantsOf = try arguments.value("descendants-of").map { try registry.artifactID(matching: $0) }
        let summaries = try registry.query(query, after: page.after)
        let next = page.nextCursor(after: summaries)
        if arguments.flag("json") {
            JSONOutput.print([
                "artifacts": .array(summaries.map(JSONOutput.summary)),
                "nextCursor": next.map { .string($0.description) } ?? .null,
            ])
        } else {
            for summary in summaries { print(line(summary)) }
            page.printHint(next)
        }
    }

    /// One artifact per line: id, name, state, registration time, capabilities.
    static func line(_ summary: ArtifactSummary) -> String {
        let capabilities = summary.capabilities.isEmpty ? "-" : summary.capabilities.joined(separator: ",")
        return
            "\(summary.id)  \(summary.name)  \(summary.state?.rawValue ?? "-")  \(summary.registeredAt ?? "-")  \(capabilities)"
    }
}

/// `modelreg lineage ARTIFACT [--up|--down]`
enum LineageCommand: Command {
    static let name = "lineage"
    static let usage = """
        lineage ARTIFACT        Ancestors and descendants of ARTIFACT (transitive; --up or --down only).
        """

    static let flags = ["up", "down"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let reference = try arguments.positionals(["ARTIFACT"])[0]
        let registry = try CommandLineTool.openForReading(arguments)
        let id = try registry.artifactID(matching: reference)
        let up = arguments.flag("up")
        let down = arguments.flag("down")
        let ancestors = up || !down ? try registry.lineage(of: id, direction: .ancestors) : nil
        let descendants = down || !up ? try registry.lineage(of: id, direction: .descendants) : nil
        if arguments.flag("json") {
            JSONOutput.print([
                "artifact": .string(id.description),
                "ancestors": ancestors.map { .array($0.map(JSONOutput.summary)) } ?? .null,
                "descendants": descendants.map { .array($0.map(JSONOutput.summary)) } ?? .null,
            ])
        } else if let ancestors, let descendants {
            print("ancestors:")
            for summary in ancestors { print("  " + FindCommand.line(summary)) }
            print("descendants:")
            for summary in descendants { print("  " + FindCommand.line(summary)) }
        } else {
            for summary in ancestors ?? descendants ?? [] { print(FindCommand.line(summary)) }
        }
    }
}
