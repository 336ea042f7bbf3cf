import Foundation
import ModelRegistry

/// `modelreg init`
enum InitCommand: Command {
    static let name = "init"
    static let usage = """
        init                    Create a registry (or check an existing one).
        """

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        let registry = try Registry.create(
            at: CommandLineTool.registryURL(arguments), configuration: try CommandLineTool.configuration(arguments))
        if arguments.flag("json") {
            JSONOutput.print([
                "root": .string(registry.layout.rootPath),
                "formatVersion": JSONOutput.number(RegistryLayout.formatVersion),
            ])
        } else {
            print(
                "initialized registry at \(registry.layout.rootPath) (format version \(RegistryLayout.formatVersion))")
        }
    }
}

/// `modelreg ls`: the artifacts, newest first, with their state.
enum ListCommand: Command {
    static let name = "ls"
    static let usage = """
        ls                      List artifacts, most recently registered first: id, name, state,
                                registration time, files, size (and 'evicted' when the bytes are elsewhere).
        """

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        let registry = try CommandLineTool.openForReading(arguments)
        let summaries = try registry.query(IndexQuery())
        // An evicted artifact's bytes are elsewhere (FORMAT.md §14.4); a damaged eviction file counts as evicted.
        let evicted = Set(
            summaries.map(\.id).filter { id in
                do { return try registry.eviction(of: id) != nil } catch { return true }
            })
        if arguments.flag("json") {
            let artifacts: [JSONValue] = summaries.map { summary in
                guard case .object(var members) = JSONOutput.summary(summary) else {
                    return JSONOutput.summary(summary)
                }
                members["evicted"] = .bool(evicted.contains(summary.id))
                return .object(members)
            }
            JSONOutput.print(["artifacts": .array(artifacts)])
            return
        }
        for summary in summaries {
            let state = (summary.state ?? .registered).rawValue
            let size = CommandLineTool.formatSize(summary.totalSize)
            let mark = evicted.contains(summary.id) ? "  evicted" : ""
            print(
                "\(summary.id)  \(summary.name)  \(state)  \(summary.registeredAt ?? "-")  \(summary.fileCount) files  "
                    + size + mark)
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

/// `modelreg adopt ARTIFACT`: register an artifact directory that has no registration event.
enum AdoptCommand: Command {
    static let name = "adopt"
    static let usage = """
        adopt ARTIFACT          Register an artifact directory in artifacts/ that has no registration event
                                (reported by fsck or recover), after verifying every file.
        """

    static let options = ["actor"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        // The artifact has no registration event yet, so only a full id names it (prefixes look at artifacts/).
        let id = try ArtifactID(parsing: try arguments.positionals(["ARTIFACT"])[0], context: "ARTIFACT")
        let event = try CommandLineTool.openForWriting(arguments).adopt(id, actor: arguments.value("actor"))
        if arguments.flag("json") {
            JSONOutput.print([
                "id": .string(id.description), "adopted": .bool(event != nil),
                "sequence": JSONOutput.number(event?.sequence),
            ])
        } else {
            print(event.map { "adopted \(id) (audit event \($0.sequence))" } ?? "\(id) is already registered")
        }
    }
}
