import Foundation
import ModelRegistry

/// `modelreg init`
enum InitCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw)
        _ = try arguments.positionals([])
        let registry = try Registry.create(
            at: CommandLineTool.registryURL(arguments), configuration: CommandLineTool.configuration(arguments))
        print("initialized registry at \(registry.layout.rootPath) (format version \(RegistryLayout.formatVersion))")
    }
}

/// `modelreg register DIR [--name …] [--capability …] [--parent ID] [--label k=v] [--mode …]`
enum RegisterCommand {
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
        let registry = try Registry.open(
            at: CommandLineTool.registryURL(arguments), configuration: CommandLineTool.configuration(arguments))
        let registration = try registry.register(
            directory: directory, metadata: metadata,
            options: .init(mode: mode, followSymlinks: arguments.flag("follow-symlinks")))
        print(registration.artifact.id)
        if !registration.isNew {
            FileHandle.standardError.write(Data("note: identical content was already registered; nothing changed\n".utf8))
        }
        if !registration.copiedInstead.isEmpty {
            FileHandle.standardError.write(
                Data("note: \(registration.copiedInstead.count) file(s) were copied instead of \(mode)\n".utf8))
        }
    }
}

/// `modelreg show ID`
enum ShowCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw)
        let id = try ArtifactID(parsing: try arguments.positionals(["ID"])[0], context: "ID")
        let registry = try Registry.open(
            at: CommandLineTool.registryURL(arguments), configuration: CommandLineTool.configuration(arguments),
            forWriting: false)
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
enum ListCommand {
    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw)
        _ = try arguments.positionals([])
        let registry = try Registry.open(
            at: CommandLineTool.registryURL(arguments), configuration: CommandLineTool.configuration(arguments),
            forWriting: false)
        for id in try registry.listArtifacts() {
            let manifest = try registry.artifact(id).manifest
            print("\(id)  \(manifest.metadata.name)  \(manifest.files.count) files  \(CommandLineTool.formatSize(manifest.totalSize))")
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
