import Foundation
import ModelRegistry

/// `modelreg rm ARTIFACT [--force]`
enum RemoveCommand: Command {
    static let name = "rm"
    static let usage = """
        rm ARTIFACT [--force]   Remove one artifact, audited as artifact_collected. Refused while an alias, an
                                alias's rollback history, a production or candidate state, a pin or an ingest
                                in progress holds it (each is named); --force removes it anyway.
        """
    static let flags = ["force"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let reference = try arguments.positionals(["ARTIFACT"])[0]
        let registry = try CommandLineTool.openForWriting(arguments)
        let id = try registry.artifactID(matching: reference)
        let removal = try registry.remove(id, force: arguments.flag("force"))
        if arguments.flag("json") {
            JSONOutput.print([
                "artifact": .string(removal.artifact.description), "event": JSONOutput.number(removal.event.sequence),
                "bytesFreed": JSONOutput.number(removal.bytesFreed), "forced": .bool(!removal.overridden.isEmpty),
                "overridden": JSONOutput.strings(removal.overridden.map(\.description)),
            ])
            return
        }
        print("removed \(removal.artifact) (\(CommandLineTool.formatSize(removal.bytesFreed)) freed)")
        for hold in removal.overridden { print("  overrode: \(hold)") }
    }
}
