import Foundation
import ModelRegistry

/// Dispatches `modelreg <command>` to the command's implementation.
enum CommandLineTool {
    /// Every command, in help order. Adding a command is adding its type here: the SUBCOMMANDS help, the
    /// dispatch and `modelreg help COMMAND` all come from this list.
    static let commands: [any Command.Type] = [
        InitCommand.self, RegisterCommand.self, AdoptCommand.self, ShowCommand.self, ListCommand.self,
        PromoteCommand.self, ResolveCommand.self, RollbackCommand.self, RetireCommand.self, AliasCommand.self,
        LogCommand.self, AuditCommand.self, RecoverCommand.self, FsckCommand.self, CheckpointCommand.self,
        IndexCommand.self, FindCommand.self, LineageCommand.self,
        KeygenCommand.self, SignCommand.self, ApproveCommand.self, VerifyCommand.self, TrustCommand.self,
        PolicyCommand.self, StateCommand.self, EvaluateCommand.self, EvaluationsCommand.self, CompareCommand.self,
        DiskUsageCommand.self, RemoveCommand.self, PinCommand.self, UnpinCommand.self, GarbageCollectCommand.self,
        EvictCommand.self, FetchCommand.self, RemoteCommand.self, BackupCommand.self, RestoreCommand.self,
        ExportCommand.self, ImportCommand.self, PushCommand.self, PullCommand.self, DemoCommand.self,
        CompletionCommand.self, VersionCommand.self, HelpCommand.self,
    ]

    static let overview = """
        OVERVIEW: Manage a model registry: immutable content-addressed artifacts in a plain directory.
        """

    static let options = """
        OPTIONS:
          --registry PATH         The registry directory. Default: $MODELREG_REGISTRY, else ./registry
          --trust DIR             Trusted public keys. Default: $MODELREG_TRUST, else ~/.config/modelreg/trust
          --allow-network-fs      Allow writing on NFS/Lustre/GPFS/CIFS (only if one machine writes)
          --json                  Print the result as one JSON object (schemas: docs/CLI.md)
          -h, --help              Show help.
        These options go before or after the command. ARTIFACT and ID accept a full id, a unique id prefix
        (8+ hex digits), an alias, or NAME:latest (the newest artifact named NAME).
        """

    static let exitStatus = """
        Exit status: 0 success, 1 failure, 64 usage error. Set MODELREG_VERBOSE=1 for error details.
        """

    /// The full help: OVERVIEW, USAGE, OPTIONS, then SUBCOMMANDS built from ``commands``.
    static var help: String {
        let subcommands = commands.map { indented($0.usage) }.joined(separator: "\n")
        return """
            \(overview)

            USAGE: modelreg <command> [options]

            \(options)

            SUBCOMMANDS:
            \(subcommands)

            \(exitStatus)
            """
    }

    /// The help of one command: its USAGE, its lines from SUBCOMMANDS, and the options every command takes.
    static func help(for command: any Command.Type) -> String {
        """
        OVERVIEW: \(summary(of: command.usage))

        USAGE: modelreg \(command.name) [arguments] [options]

        \(indented(command.usage))

        \(options)

        \(exitStatus)
        """
    }

    /// The full help for nil, else the help of the command named `name` (a usage error if there is none).
    static func helpText(for name: String?) throws -> String {
        guard let name else { return help }
        return help(for: try command(named: name))
    }

    /// The command called `name`, or a usage error.
    static func command(named name: String) throws -> any Command.Type {
        guard let command = commands.first(where: { $0.name == name }) else {
            throw UsageError("unknown command '\(name)'")
        }
        return command
    }

    /// Runs the command `arguments` names. Help never exits here: it is thrown as ``HelpRequested``.
    static func run(_ arguments: [String]) throws {
        let (globals, remaining) = try splitLeadingGlobals(arguments)
        guard let name = remaining.first, name != "-h", name != "--help" else { throw HelpRequested() }
        let command = try command(named: name == "--version" ? VersionCommand.name : name)
        var rest = Array(remaining.dropFirst())
        // Global options given before the command are handed to it as if they came after it (before any `--`).
        rest.insert(contentsOf: globals, at: rest.firstIndex(of: "--") ?? rest.endIndex)
        if asksForHelp(rest) && command.name != HelpCommand.name { throw HelpRequested(command: command.name) }
        // A command that wrote may leave the index's updates due for compaction: hand that to a detached
        // `modelreg index compact`, so the command returns now (whether it succeeded or not).
        defer { BackgroundCompaction.startIfDue() }
        do {
            try command.run(rest)
        } catch let error as UsageError where error.command == nil && command.name != HelpCommand.name {
            throw UsageError(error.description, command: command.name)
        }
    }

    /// Splits the global options that come before the command name from the rest; anything else starting with
    /// `-` before the command is a usage error.
    static func splitLeadingGlobals(_ arguments: [String]) throws -> (globals: [String], rest: [String]) {
        var globals: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), argument != "--help", argument != "--version", argument != "--" else {
                break
            }
            let name = String(argument.dropFirst(2).prefix { $0 != "=" })
            if globalOptions.contains(name) {
                globals.append(argument)
                if !argument.contains("=") {
                    guard index + 1 < arguments.count else { throw UsageError("option '--\(name)' needs a value") }
                    globals.append(arguments[index + 1])
                    index += 1
                }
            } else if globalFlags.contains(name) {
                globals.append(argument)
            } else {
                throw UsageError("'\(argument)' is not a global option; put a command's own options after it")
            }
            index += 1
        }
        return (globals, Array(arguments[index...]))
    }

    /// Whether `-h` or `--help` appears before a `--`.
    static func asksForHelp(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains { $0 == "-h" || $0 == "--help" }
    }

    /// The first description in a usage text: what follows the synopsis (after a run of two or more spaces)
    /// on the first line, else the next line.
    static func summary(of usage: String) -> String {
        let lines = usage.split(separator: "\n").map(String.init)
        guard let first = lines.first else { return "" }
        if let gap = first.range(of: "  ") {
            let rest = first[gap.upperBound...].trimmingCharacters(in: .whitespaces)
            if !rest.isEmpty { return rest }
        }
        return (lines.dropFirst().first ?? "").trimmingCharacters(in: .whitespaces)
    }

    /// Indents every line of `text` by two spaces.
    static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    /// Options every command accepts, before or after its name.
    static let globalOptions: Set<String> = ["registry", "trust"]
    /// Flags every command accepts, before or after its name.
    static let globalFlags: Set<String> = ["allow-network-fs", "json"]

    /// The registry directory: `--registry`, else `$MODELREG_REGISTRY`, else `./registry`.
    static func registryURL(_ arguments: ArgumentList) -> URL {
        let path =
            arguments.value("registry") ?? ProcessInfo.processInfo.environment["MODELREG_REGISTRY"] ?? "registry"
        return URL(fileURLWithPath: path)
    }

    /// The configuration every command opens the registry with, including the trusted keys
    /// (see ``loadTrust(_:)``).
    static func configuration(_ arguments: ArgumentList) throws -> Registry.Configuration {
        var configuration = Registry.Configuration(
            allowNetworkFileSystem: arguments.flag("allow-network-fs"), trust: try loadTrust(arguments))
        configuration.indexBackend = try indexBackend(ProcessInfo.processInfo.environment["MODELREG_INDEX"])
        return configuration
    }

    /// Opens the registry for a command that writes, with the automatic-checkpoint key of
    /// `$MODELREG_CHECKPOINT_KEY` (``checkpointKey(_:)``) when it is set.
    static func openForWriting(_ arguments: ArgumentList) throws -> Registry {
        var configuration = try configuration(arguments)
        configuration.checkpointKey = try checkpointKey(ProcessInfo.processInfo.environment["MODELREG_CHECKPOINT_KEY"])
        // No compaction threads in a process about to exit: a detached `index compact` does it after the command.
        configuration.indexCompaction = .manual
        let registry = try Registry.open(at: registryURL(arguments), configuration: configuration)
        BackgroundCompaction.note(registry)
        return registry
    }

    /// Opens the registry for a command that only reads (allowed on network file systems).
    static func openForReading(_ arguments: ArgumentList) throws -> Registry {
        try Registry.open(at: registryURL(arguments), configuration: configuration(arguments), forWriting: false)
    }

    /// Parses a command's arguments with the common options added.
    static func parse(_ arguments: [String], options: Set<String> = [], flags: Set<String> = []) throws -> ArgumentList
    {
        try ArgumentList(arguments, options: options.union(globalOptions), flags: flags.union(globalFlags))
    }

    /// Formats a byte count for people: `1.5 GiB`.
    static func formatSize(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// `modelreg help [COMMAND]`
enum HelpCommand: Command {
    static let name = "help"
    static let usage = """
        help [COMMAND]          Show this help, or only COMMAND's (also: modelreg COMMAND --help).
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw.filter { $0 != "-h" && $0 != "--help" })
        let given = try arguments.positionals([], optional: 1)
        let commands = try given.first.map { [try CommandLineTool.command(named: $0)] } ?? CommandLineTool.commands
        guard arguments.flag("json") else { throw HelpRequested(command: given.first) }
        JSONOutput.print([
            "commands": .array(
                commands.map { command in
                    [
                        "name": .string(command.name), "usage": .string(command.usage),
                        "subcommands": .array(command.subcommands.map(JSONValue.string)),
                        "options": .array(command.options.map(JSONValue.string)),
                        "flags": .array(command.flags.map(JSONValue.string)),
                    ]
                }),
            "globalOptions": .array(CommandLineTool.globalOptions.sorted().map(JSONValue.string)),
            "globalFlags": .array(CommandLineTool.globalFlags.sorted().map(JSONValue.string)),
        ])
    }
}

/// `modelreg version`
enum VersionCommand: Command {
    static let name = "version"
    static let usage = """
        version                 Print the version and the SHA-256 kernel in use.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        if arguments.flag("json") {
            JSONOutput.print([
                "version": .string(ModelRegistryVersion.string), "sha256": .string(SHA256Algorithm.implementation),
            ])
        } else {
            print("modelreg \(ModelRegistryVersion.string) (sha256: \(SHA256Algorithm.implementation))")
        }
    }
}
