import ModelRegistry

/// `modelreg remote add NAME URL`, `remote rm NAME`, `remote ls`
enum RemoteCommand: Command {
    static let name = "remote"
    static let usage = """
        remote add NAME URL | rm NAME | ls
                                Configure the remotes evicted artifacts are fetched back from: another
                                registry directory (an absolute path or file:// URL; audited).
        """

    static let subcommands = ["add", "rm", "ls"]
    static let options = ["actor"]

    static func run(_ raw: [String]) throws {
        guard let sub = raw.first else { throw UsageError("missing remote subcommand (add, rm or ls)") }
        let arguments = try parse(Array(raw.dropFirst()))
        switch sub {
        case "add":
            let positionals = try arguments.positionals(["NAME", "URL"])
            let registry = try CommandLineTool.openForWriting(arguments)
            let record = try registry.addRemote(
                name: positionals[0], url: positionals[1], actor: arguments.value("actor"))
            if arguments.flag("json") {
                JSONOutput.print(json(record))
            } else {
                print("remote '\(record.name)' -> \(record.url) (\(record.kind))")
            }
        case "rm":
            let name = try arguments.positionals(["NAME"])[0]
            let registry = try CommandLineTool.openForWriting(arguments)
            try registry.removeRemote(name, actor: arguments.value("actor"))
            if arguments.flag("json") {
                JSONOutput.print(["name": .string(name), "removed": .bool(true)])
            } else {
                print("remote '\(name)' removed")
            }
        case "ls":
            _ = try arguments.positionals([])
            let remotes = try CommandLineTool.openForReading(arguments).remotes()
            if arguments.flag("json") {
                JSONOutput.print(["remotes": .array(remotes.map(json))])
            } else if remotes.isEmpty {
                print("no remotes; add one with 'modelreg remote add NAME URL'")
            } else {
                for remote in remotes { print("\(remote.name)\t\(remote.kind)\t\(remote.url)") }
            }
        default:
            throw UsageError("unknown remote subcommand '\(sub)' (expected add, rm or ls)")
        }
    }

    /// A remote as documented in docs/CLI.md.
    static func json(_ record: RemoteRecord) -> JSONValue {
        [
            "name": .string(record.name), "kind": .string(record.kind.rawValue), "url": .string(record.url),
            "addedAt": .string(record.addedAt), "actor": .string(record.actor),
        ]
    }
}

/// `modelreg evict ID [--remote NAME] [--force]`
enum EvictCommand: Command {
    static let name = "evict"
    static let usage = """
        evict ARTIFACT [--remote NAME] [--force]
                                Drop an artifact's bytes (its manifest, signatures and history stay) once a
                                remote holds the same artifact; fetched back on demand (audited).
        """

    static let options = ["remote", "actor"]
    static let flags = ["force"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let reference = try arguments.positionals(["ARTIFACT"])[0]
        let registry = try CommandLineTool.openForWriting(arguments)
        let id = try registry.artifactID(matching: reference)
        let evictable = FileArtifactStore.evictableFiles(of: try registry.artifacts.artifact(id).manifest)
        let size = evictable.reduce(0) { $0 + $1.size }
        let record = try registry.evict(
            id, remote: arguments.value("remote"), force: arguments.flag("force"), actor: arguments.value("actor"))
        if arguments.flag("json") {
            JSONOutput.print([
                "artifact": .string(id.description), "remote": JSONOutput.string(record.remote),
                "url": JSONOutput.string(record.url), "forced": .bool(record.forced),
                "evictedAt": .string(record.evictedAt), "files": JSONOutput.number(evictable.count),
                "size": JSONOutput.number(size),
            ])
        } else {
            let source = record.remote.map { "remote '\($0)' (\(record.url ?? ""))" } ?? "no remote (forced)"
            print("evicted \(id): \(evictable.count) file(s), \(size) bytes; fetch from \(source)")
        }
    }
}

/// `modelreg fetch ID [--remote NAME]`
enum FetchCommand: Command {
    static let name = "fetch"
    static let usage = """
        fetch ARTIFACT [--remote NAME]
                                Copy an evicted artifact's bytes back from a remote, verify them and publish
                                them (audited).
        """

    static let options = ["remote", "actor"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let reference = try arguments.positionals(["ARTIFACT"])[0]
        let registry = try CommandLineTool.openForWriting(arguments)
        let id = try registry.artifactID(matching: reference)
        let report = try registry.fetch(id, from: arguments.value("remote"), actor: arguments.value("actor"))
        if arguments.flag("json") {
            JSONOutput.print([
                "artifact": .string(id.description), "fetched": .bool(report.event != nil),
                "remote": JSONOutput.string(report.remote?.name), "url": JSONOutput.string(report.remote?.url),
                "files": JSONOutput.number(report.files), "bytes": JSONOutput.number(report.bytes),
                "sequence": JSONOutput.number(report.event?.sequence),
                "deduplicated": .array(report.deduplicated.map { .string($0) }),
            ])
        } else if report.event != nil {
            let linked = report.deduplicated.isEmpty ? "" : ", \(report.deduplicated.count) linked to stored copies"
            print(
                "fetched \(id) from remote '\(report.remote?.name ?? "?")': \(report.files) file(s), "
                    + "\(report.bytes) bytes verified\(linked)")
        } else {
            print("\(id) is not evicted: its bytes are here")
        }
    }
}
