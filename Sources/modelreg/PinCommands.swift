import Foundation
import ModelRegistry

/// `modelreg pin ARTIFACT [--reason TEXT]`
enum PinCommand: Command {
    static let name = "pin"
    static let usage = """
        pin ARTIFACT [--reason TEXT]
                                Pin an artifact: gc keeps it and rm refuses it (unless --force), whatever its
                                aliases and state say.
        """
    static let options = ["reason"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let reference = try arguments.positionals(["ARTIFACT"])[0]
        let registry = try CommandLineTool.openForWriting(arguments)
        let id = try registry.artifactID(matching: reference)
        let event = try registry.pin(id, reason: arguments.value("reason"))
        PinCommand.report(id, pinned: true, event: event, arguments: arguments)
    }

    /// Prints the outcome of `pin` or `unpin`.
    static func report(_ id: ArtifactID, pinned: Bool, event: AuditEvent?, arguments: ArgumentList) {
        if arguments.flag("json") {
            JSONOutput.print([
                "artifact": .string(id.description), "pinned": .bool(pinned), "changed": .bool(event != nil),
                "event": JSONOutput.number(event?.sequence),
            ])
            return
        }
        switch (pinned, event) {
        case (true, nil): print("\(id) was already pinned")
        case (true, _): print("pinned \(id)")
        case (false, nil): print("\(id) was not pinned")
        case (false, _): print("unpinned \(id)")
        }
    }
}

/// `modelreg unpin ARTIFACT [--reason TEXT]`
enum UnpinCommand: Command {
    static let name = "unpin"
    static let usage = """
        unpin ARTIFACT [--reason TEXT]
                                Remove an artifact's pin (also of an artifact that was removed by force).
        """
    static let options = ["reason"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let reference = try arguments.positionals(["ARTIFACT"])[0]
        let registry = try CommandLineTool.openForWriting(arguments)
        // A full id needs no artifact: the pin of a removed artifact can be taken away too.
        let id = try ArtifactID(reference) ?? registry.artifactID(matching: reference)
        let event = try registry.unpin(id, reason: arguments.value("reason"))
        PinCommand.report(id, pinned: false, event: event, arguments: arguments)
    }
}
