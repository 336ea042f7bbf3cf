import Foundation
import ModelRegistry

/// `modelreg index rebuild` and `modelreg index status`
enum IndexCommand: Command {
    static let name = "index"
    static let usage = """
        index rebuild           Rebuild the generated indexes in indexes/ (caches; never authoritative).
        index status            Compare the stored indexes with the registry (current, stale, damaged).
        """

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing index subcommand (rebuild or status)") }
        let arguments = try CommandLineTool.parse(Array(raw.dropFirst()))
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
            for finding in report.findings { print("problem: \(finding)") }
            print(
                "rebuilt indexes: \(report.summaryCount) of \(report.stamp.artifactCount) artifacts, audit "
                    + "\(report.stamp.auditPosition) in \(String(format: "%.2f", elapsed)) s")
        case "status":
            let status = try CommandLineTool.openForReading(arguments).index.status()
            print(status)
        default:
            throw UsageError("unknown index subcommand '\(sub)' (expected rebuild or status)")
        }
    }
}

/// `modelreg find [--capability C]… [--state S] [--text T] [--name N] [--label K=V]… [--ancestors-of ID]
/// [--descendants-of ID] [--limit N]`
enum FindCommand: Command {
    static let name = "find"
    static let usage = """
        find                    Query the index, most recent first; filters combine:
                                --capability C (repeatable) --state S --text WORDS --name N
                                --label KEY=VALUE (repeatable) --ancestors-of ID --descendants-of ID
                                --limit N
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(
            raw, options: ["capability", "state", "text", "name", "label", "ancestors-of", "descendants-of", "limit"])
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
        query.ancestorsOf = try arguments.value("ancestors-of").map {
            try ArtifactID(parsing: $0, context: "--ancestors-of")
        }
        query.descendantsOf = try arguments.value("descendants-of").map {
            try ArtifactID(parsing: $0, context: "--descendants-of")
        }
        if let limit = arguments.value("limit") {
            guard let count = Int(limit), count > 0 else { throw UsageError("--limit must be a positive number") }
            query.limit = count
        }
        for summary in try CommandLineTool.openForReading(arguments).query(query) {
            print(line(summary))
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

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, flags: ["up", "down"])
        let id = try ArtifactID(parsing: try arguments.positionals(["ARTIFACT"])[0], context: "ARTIFACT")
        let registry = try CommandLineTool.openForReading(arguments)
        let up = arguments.flag("up")
        let down = arguments.flag("down")
        if up == down {
            print("ancestors:")
            for summary in try registry.lineage(of: id, direction: .ancestors) {
                print("  " + FindCommand.line(summary))
            }
            print("descendants:")
            for summary in try registry.lineage(of: id, direction: .descendants) {
                print("  " + FindCommand.line(summary))
            }
        } else {
            for summary in try registry.lineage(of: id, direction: up ? .ancestors : .descendants) {
                print(FindCommand.line(summary))
            }
        }
    }
}
