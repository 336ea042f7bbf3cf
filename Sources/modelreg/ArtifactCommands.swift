import Foundation
import ModelRegistry

/// `modelreg init`
enum InitCommand: Command {
    static let name = "init"
    static let usage = """
        init                    Create a registry (or check an existing one).
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw)
        _ = try arguments.positionals([])
        let registry = try Registry.create(
            at: CommandLineTool.registryURL(arguments), configuration: try CommandLineTool.configuration(arguments))
        print("initialized registry at \(registry.layout.rootPath) (format version \(RegistryLayout.formatVersion))")
    }
}

/// `modelreg register DIR [--name …] [--capability …] [--parent ID] [--label k=v] [--mode …]`
enum RegisterCommand: Command {
    static let name = "register"
    static let usage = """
        register DIR            Register every file under DIR as one artifact; prints its id.
            --name NAME             Artifact name (default: DIR's base name)
            --capability CAP        A capability such as text-classification (repeatable)
            --parent ID             An artifact this one derives from (repeatable)
            --label KEY=VALUE       A free-form label (repeatable)
            --mode MODE             copy (default) | hardlink | move | reflink
            --follow-symlinks       Follow symbolic links inside DIR instead of refusing them
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(
            raw, options: ["name", "capability", "parent", "label", "mode"], flags: ["follow-symlinks"])
        let directory = URL(fileURLWithPath: try arguments.positionals(["DIR"])[0])
        let modeText = arguments.value("mode") ?? "copy"
        guard let mode = FileArtifactStore.IngestMode(rawValue: modeText) else {
            throw UsageError("--mode must be copy, hardlink, move or reflink, not '\(modeText)'")
        }
        let parents = try arguments.values("parent").map { try ArtifactID(parsing: $0, context: "--parent") }
        var labels: [String: String] = [:]
        for label in arguments.values("label") {
            guard let equals = label.firstIndex(of: "=") else {
                throw UsageError("--label must be KEY=VALUE, not '\(label)'")
            }
            labels[String(label[..<equals])] = String(label[label.index(after: equals)...])
        }
        let metadata = ArtifactMetadata(
            name: arguments.value("name") ?? directory.standardizedFileURL.lastPathComponent,
            capabilities: arguments.values("capability"), parents: parents, labels: labels)
        let registry = try CommandLineTool.openForWriting(arguments)
        let display = ProgressDisplay(title: "register")
        defer { display.finish() }
        let registration = try registry.register(
            directory: directory, metadata: metadata,
            options: .init(mode: mode, followSymlinks: arguments.flag("follow-symlinks")),
            progress: { display.update(.init($0)) })
        display.finish()
        print(registration.artifact.id)
        if !registration.isNew {
            printError("note: identical content was already registered; nothing changed")
        }
        if !registration.copiedInstead.isEmpty {
            printError("note: \(registration.copiedInstead.count) file(s) were copied instead of \(mode)")
        }
    }
}

/// `modelreg show ID`
enum ShowCommand: Command {
    static let name = "show"
    static let usage = """
        show ID                 Print an artifact's manifest.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw)
        let id = try ArtifactID(parsing: try arguments.positionals(["ID"])[0], context: "ID")
        let registry = try CommandLineTool.openForReading(arguments)
        let artifact = try registry.artifact(id)
        let manifest = artifact.manifest
        print("id:           \(artifact.id)")
        print("name:         \(manifest.metadata.name)")
        print("capabilities: \(manifest.metadata.capabilities.joined(separator: ", "))")
        print("parents:      \(manifest.metadata.parents.map(\.description).joined(separator: ", "))")
        for (key, value) in manifest.metadata.labels.sorted(by: { $0.key < $1.key }) {
            print("label:        \(key)=\(value)")
        }
        print("directory:    \(artifact.directory.path)")
        print("files:        \(manifest.files.count), \(CommandLineTool.formatSize(manifest.totalSize))")
        for entry in manifest.files {
            print("  \(entry.digest)  \(String(entry.size).leftPadded(to: 12))  \(entry.path)")
        }
    }
}

/// `modelreg ls`
enum ListCommand: Command {
    static let name = "ls"
    static let usage = """
        ls                      List artifacts: id, name, files, size.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw)
        _ = try arguments.positionals([])
        let registry = try CommandLineTool.openForReading(arguments)
        for id in try registry.listArtifacts() {
            let manifest = try registry.artifact(id).manifest
            let size = CommandLineTool.formatSize(manifest.totalSize)
            print("\(id)  \(manifest.metadata.name)  \(manifest.files.count) files  \(size)")
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

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, options: ["actor"])
        let id = try ArtifactID(parsing: try arguments.positionals(["ARTIFACT"])[0], context: "ARTIFACT")
        let event = try CommandLineTool.openForWriting(arguments).adopt(id, actor: arguments.value("actor"))
        print(event.map { "adopted \(id) (audit event \($0.sequence))" } ?? "\(id) is already registered")
    }
}
