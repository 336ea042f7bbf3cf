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

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, flags: ["deep", "json"])
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
                report.findings.map { finding in
                    var members: [String: JSONValue] = [
                        "kind": .string(finding.kind.name), "path": .string(finding.path),
                        "message": .string(finding.message),
                    ]
                    if let line = finding.line { members["line"] = .number(JSONNumber(line)) }
                    return .object(members)
                }),
        ]
        if let unanchored = report.unanchoredEvents { members["unanchoredEvents"] = .number(JSONNumber(unanchored)) }
        return .object(members)
    }
}
