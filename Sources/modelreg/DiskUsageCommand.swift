import Foundation
import ModelRegistry

/// `modelreg du [--json]`
enum DiskUsageCommand: Command {
    static let name = "du"
    static let usage = """
        du                      Disk usage: bytes per artifact (exclusive / shared with other artifacts), per
                                alias, per state and in total, each deduplicated file counted once.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        let usage = try CommandLineTool.openForReading(arguments).diskUsage()
        if arguments.flag("json") {
            JSONOutput.print(json(usage))
            return
        }
        let bytes = CommandLineTool.formatSize
        print("ARTIFACT                 NAME                     STATE        EXCLUSIVE     SHARED")
        for artifact in usage.artifacts {
            print(
                pad(String(artifact.artifact.description.prefix(23)), 24) + " " + pad(artifact.name, 24) + " "
                    + pad(artifact.state.rawValue, 12) + " " + right(bytes(artifact.exclusiveBytes), 10) + " "
                    + right(bytes(artifact.sharedBytes), 10))
        }
        if !usage.aliases.isEmpty {
            print("\nALIAS                    TARGET                                EXCLUSIVE     SHARED")
            for alias in usage.aliases {
                print(
                    pad(alias.alias, 24) + " " + pad(String(alias.artifact.description.prefix(36)), 37) + " "
                        + right(bytes(alias.exclusiveBytes), 10) + " " + right(bytes(alias.sharedBytes), 10))
            }
        }
        if !usage.states.isEmpty {
            print("\nSTATE        ARTIFACTS      BYTES  EXCLUSIVE")
            for state in usage.states {
                print(
                    pad(state.state.rawValue, 12) + " " + right(String(state.artifacts), 9) + " "
                        + right(bytes(state.bytes), 10) + " " + right(bytes(state.exclusiveBytes), 10))
            }
        }
        print(
            "\ntotal: \(bytes(usage.totalBytes)) on disk for \(usage.artifacts.count) artifact(s); "
                + "\(bytes(usage.apparentBytes)) without deduplication (\(bytes(usage.savedBytes)) saved)")
    }

    /// The `--json` object documented in docs/CLI.md.
    static func json(_ usage: DiskUsage) -> JSONValue {
        [
            "artifacts": .array(
                usage.artifacts.map { artifact in
                    [
                        "id": .string(artifact.artifact.description), "name": .string(artifact.name),
                        "state": .string(artifact.state.rawValue),
                        "exclusiveBytes": JSONOutput.number(artifact.exclusiveBytes),
                        "sharedBytes": JSONOutput.number(artifact.sharedBytes),
                    ]
                }),
            "aliases": .array(
                usage.aliases.map { alias in
                    [
                        "alias": .string(alias.alias), "artifact": .string(alias.artifact.description),
                        "exclusiveBytes": JSONOutput.number(alias.exclusiveBytes),
                        "sharedBytes": JSONOutput.number(alias.sharedBytes),
                    ]
                }),
            "states": .array(
                usage.states.map { state in
                    [
                        "state": .string(state.state.rawValue), "artifacts": JSONOutput.number(state.artifacts),
                        "bytes": JSONOutput.number(state.bytes),
                        "exclusiveBytes": JSONOutput.number(state.exclusiveBytes),
                    ]
                }),
            "totalBytes": JSONOutput.number(usage.totalBytes),
            "apparentBytes": JSONOutput.number(usage.apparentBytes),
            "savedBytes": JSONOutput.number(usage.savedBytes),
        ]
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func right(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
