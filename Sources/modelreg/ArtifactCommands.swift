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

/// `modelreg ls [--all] [--limit N] [--after CURSOR]`: the artifacts, newest first, with their state, from the
/// index (`--all`: from a listing of `artifacts/`, see ``ListAllCommand``).
enum ListCommand: Command {
    static let name = "ls"
    static let usage = """
        ls                      List artifacts, most recently registered first: id, name, state,
                                registration time, files, size (and 'evicted' when the bytes are elsewhere).
                                --limit N (a page) --after CURSOR (the page after the one that ended there)
                                --all (list artifacts/ too: also what the index does not hold; slower)
        """

    static let options = ["limit", "after"]
    static let flags = ["all"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        let page = try Paging(arguments)
        let registry = try CommandLineTool.openForReading(arguments)
        if arguments.flag("all") {
            try ListAllCommand.run(registry, page: page, json: arguments.flag("json"))
            return
        }
        let summaries = try registry.query(IndexQuery(limit: page.limit), after: page.after)
        // An evicted artifact's bytes are elsewhere (FORMAT.md §14.4); a damaged eviction file counts as evicted.
        let evicted = Set(
            summaries.map(\.id).filter { id in
                do { return try registry.eviction(of: id) != nil } catch { return true }
            })
        let next = page.nextCursor(after: summaries)
        if arguments.flag("json") {
            let artifacts: [JSONValue] = summaries.map { summary in
                guard case .object(var members) = JSONOutput.summary(summary) else {
                    return JSONOutput.summary(summary)
                }
                members["evicted"] = .bool(evicted.contains(summary.id))
                return .object(members)
            }
            JSONOutput.print([
                "artifacts": .array(artifacts), "nextCursor": next.map { .string($0.description) } ?? .null,
            ])
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
        page.printHint(next)
    }
}

/// The `--limit N` and `--after CURSOR` options of `ls` and `find`: one page of results in the index's stable
/// order (registration sequence, newest first, then unregistered artifacts by id).
struct Paging {
    /// The page size; nil for everything.
    var limit: Int?
    /// Where the previous page ended.
    var after: IndexQuery.Cursor?

    init(_ arguments: ArgumentList) throws {
        if let text = arguments.value("limit") {
            guard let count = Int(text), count > 0 else { throw UsageError("--limit must be a positive number") }
            limit = count
        }
        if let text = arguments.value("after") {
            guard let cursor = IndexQuery.Cursor(text) else {
                throw UsageError(
                    "--after must be a cursor printed by a previous page (a registration sequence number or an "
                        + "artifact id), not '\(text)'")
            }
            after = cursor
        }
    }

    /// The cursor of the next page: set when the page is full (there may be more).
    func nextCursor(after summaries: [ArtifactSummary]) -> IndexQuery.Cursor? {
        guard let limit, summaries.count == limit, let last = summaries.last else { return nil }
        return IndexQuery.Cursor(after: last)
    }

    /// Tells a person at a terminal how to get the next page (stderr, so stdout stays one artifact per line).
    func printHint(_ next: IndexQuery.Cursor?) {
        guard let next else { return }
        FileHandle.standardError.write(Data("next page: --after \(next)\n".utf8))
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
