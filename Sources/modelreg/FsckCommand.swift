import Foundation
import ModelRegistry

/// `modelreg fsck [--deep] [--trust DIR] [--json]`: the whole registry against FORMAT.md and its audit log.
enum FsckCommand: Command {
    static let name = "fsck"
    static let usage = """
        fsck                    Check every file against FORMAT.md and the audit log (read-only, no lock);
                                --deep re-hashes every file, --trust DIR also checks signatures, --json
                                prints the findings as JSON. Exit 0 clean, 1 findings, 2 could not check.
        """
    static let flags = ["deep"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        let depth: VerificationReport.Depth =
            arguments.value("trust") != nil ? .trust : arguments.flag("deep") ? .full : .quick
        let report: Registry.IntegrityReport
        do {
            report = try CommandLineTool.openForReading(arguments).fsck(depth: depth)
        } catch {
            throw CommandFailure("could not check the registry: \(error)", exitStatus: 2)
        }
        if arguments.flag("json") {
            print(String(decoding: CanonicalJSON.encode(json(report)), as: UTF8.self))
        } else {
            for finding in report.findings { print(finding) }
            let unanchored = report.unanchoredEvents.map { " (\($0) after the newest trusted checkpoint)" } ?? ""
            print(
                "\(report.artifactCount) artifact(s) checked (\(depth)), \(report.eventCount) event(s)\(unanchored): "
                    + (report.isClean ? "clean" : "\(report.findings.count) problem(s)"))
        }
        if !report.isClean { throw CommandFailure("\(report.findings.count) problem(s); see above") }
    }

    static func json(_ report: Registry.IntegrityReport) -> JSONValue {
        var members: [String: JSONValue] = [
            "artifacts": .number(JSONNumber(report.artifactCount)), "events": .number(JSONNumber(report.eventCount)),
            "depth": .string(report.depth.description),
            "findings": .array(
                report.findings.map(JSONOutput.finding)),
        ]
        members["unanchoredEvents"] = JSONOutput.number(report.unanchoredEvents.map(Int64.init))
        members["clean"] = .bool(report.isClean)
        return .object(members)
    }
}
