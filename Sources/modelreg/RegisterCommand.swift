import Foundation
import ModelRegistry

/// `modelreg register PATH [--name …] [--capability …] [--parent REF] [--label k=v] [--mode …] [--exclude P]`
enum RegisterCommand: Command {
    static let name = "register"
    static let usage = """
        register PATH           Register the files under directory PATH, or the single file PATH, as one
                                artifact; prints its id. Leaves out .git/, .hg/, .svn/, .DS_Store and what
                                PATH/.modelregignore lists (docs/CLI.md).
            --name NAME             Artifact name (default: PATH's base name; a file's without its extension)
            --capability CAP        A capability such as text-classification (repeatable)
            --parent ARTIFACT       An artifact this one derives from (repeatable)
            --label KEY=VALUE       A free-form label (repeatable)
            --mode MODE             copy (default) | hardlink | move | reflink
            --exclude PATTERN       Leave out paths matching PATTERN (repeatable; *, ?, **, trailing /)
            --no-default-excludes   Keep .git/, .hg/, .svn/ and .DS_Store in the artifact
            --follow-symlinks       Follow symbolic links inside PATH instead of refusing them
            --rehash                Read every file even if the source-digest cache knows it unchanged
        """
    static let options = ["name", "capability", "parent", "label", "mode", "exclude"]
    static let flags = ["follow-symlinks", "no-default-excludes", "rehash"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let source = URL(fileURLWithPath: try arguments.positionals(["PATH"])[0]).standardizedFileURL
        let modeText = arguments.value("mode") ?? "copy"
        guard let mode = FileArtifactStore.IngestMode(rawValue: modeText) else {
            throw UsageError("--mode must be copy, hardlink, move or reflink, not '\(modeText)'")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
            throw CommandFailure("'\(source.path)' does not exist")
        }
        let isFile = !isDirectory.boolValue
        if isFile && (!arguments.values("exclude").isEmpty || arguments.flag("no-default-excludes")) {
            throw UsageError("--exclude and --no-default-excludes apply to a directory; '\(source.path)' is a file")
        }
        var labels: [String: String] = [:]
        for label in arguments.values("label") {
            guard let equals = label.firstIndex(of: "=") else {
                throw UsageError("--label must be KEY=VALUE, not '\(label)'")
            }
            labels[String(label[..<equals])] = String(label[label.index(after: equals)...])
        }
        let registry = try CommandLineTool.openForWriting(arguments)
        let parents = try arguments.values("parent").map { try registry.artifactID(matching: $0) }
        let defaultName = isFile ? source.deletingPathExtension().lastPathComponent : source.lastPathComponent
        let metadata = ArtifactMetadata(
            name: arguments.value("name") ?? defaultName, capabilities: arguments.values("capability"),
            parents: parents, labels: labels)
        var options = FileArtifactStore.IngestOptions(
            mode: mode, followSymlinks: arguments.flag("follow-symlinks"), rehash: arguments.flag("rehash"))
        options.excludes =
            (arguments.flag("no-default-excludes") ? [] : FileArtifactStore.IngestOptions.defaultExcludes)
            + arguments.values("exclude")
        let display = ProgressDisplay(title: "register")
        defer { display.finish() }
        let progress: @Sendable (RegistrationProgress) -> Void = { display.update(.init($0)) }
        let registration =
            isFile
            ? try registry.register(
                files: [.init(source: source, path: source.lastPathComponent)], metadata: metadata, options: options,
                progress: progress)
            : try registry.register(directory: source, metadata: metadata, options: options, progress: progress)
        display.finish()
        report(registration, mode: mode, json: arguments.flag("json"))
    }

    /// Prints the id (or the JSON object) on stdout and the notes on stderr.
    static func report(_ registration: Registration, mode: FileArtifactStore.IngestMode, json: Bool) {
        let manifest = registration.artifact.manifest
        if json {
            JSONOutput.print([
                "id": .string(registration.artifact.id.description), "name": .string(manifest.metadata.name),
                "isNew": .bool(registration.isNew), "files": JSONOutput.number(manifest.files.count),
                "size": JSONOutput.number(manifest.totalSize),
                "copiedInstead": JSONOutput.strings(registration.copiedInstead),
                "excluded": JSONOutput.strings(registration.excluded),
                "deduplicated": JSONOutput.strings(registration.deduplicated),
                "deduplicatedBytes": JSONOutput.number(registration.deduplicatedBytes),
                "unread": JSONOutput.strings(registration.unread),
            ])
        } else {
            print(registration.artifact.id)
        }
        if !registration.excluded.isEmpty {
            let shown = registration.excluded.prefix(5).joined(separator: ", ")
            let more = registration.excluded.count > 5 ? " and \(registration.excluded.count - 5) more" : ""
            printError(
                "note: left out \(shown)\(more) (default exclusions, --exclude and .modelregignore; "
                    + "--no-default-excludes keeps .git/, .hg/, .svn/ and .DS_Store)")
        }
        if !registration.isNew {
            printError("note: identical content was already registered; nothing changed")
        }
        if !registration.deduplicated.isEmpty {
            printError(
                "note: \(registration.deduplicated.count) file(s) already stored in other artifacts were linked, "
                    + "not stored again (\(CommandLineTool.formatSize(registration.deduplicatedBytes)) saved)")
        }
        if !registration.copiedInstead.isEmpty {
            printError("note: \(registration.copiedInstead.count) file(s) were copied instead of \(mode)")
        }
    }
}
