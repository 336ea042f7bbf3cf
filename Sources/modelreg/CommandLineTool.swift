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
        DemoCommand.self, VersionCommand.self, HelpCommand.self,
    ]

    static let overview = """
        OVERVIEW: Manage a model registry: immutable content-addressed artifacts in a plain directory.
        """

    static let options = """
        OPTIONS:
          --registry PATH         The registry directory. Default: $MODELREG_REGISTRY, else ./registry
          --trust DIR             Trusted public keys. Default: $MODELREG_TRUST, else ~/.config/modelreg/trust
          --allow-network-fs      Allow writing on NFS/Lustre/GPFS/CIFS (only if one machine writes)
          -h, --help              Show help.
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
        guard let name = arguments.first, name != "-h", name != "--help" else { throw HelpRequested() }
        let command = try command(named: name == "--version" ? VersionCommand.name : name)
        let rest = Array(arguments.dropFirst())
        if asksForHelp(rest) && command.name != HelpCommand.name { throw HelpRequested(command: command.name) }
        do {
            try command.run(rest)
        } catch let error as UsageError where error.command == nil && command.name != HelpCommand.name {
            throw UsageError(error.description, command: command.name)
        }
    }

    /// Whether `-h` or `--help` appears before a `--`.
    static func asksForHelp(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains { $0 == "-h" || $0 == "--help" }
    }

    /// Indents every line of `text` by two spaces.
    static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    /// Options every command accepts.
    static let commonOptions: Set<String> = ["registry", "trust"]
    /// Flags every command accepts.
    static let commonFlags: Set<String> = ["allow-network-fs"]

    /// The registry directory: `--registry`, else `$MODELREG_REGISTRY`, else `./registry`.
    static func registryURL(_ arguments: ArgumentList) -> URL {
        let path =
            arguments.value("registry") ?? ProcessInfo.processInfo.environment["MODELREG_REGISTRY"] ?? "registry"
        return URL(fileURLWithPath: path)
    }

    /// The configuration every command opens the registry with, including the trusted keys
    /// (see ``loadTrust(_:)``).
    static func configuration(_ arguments: ArgumentList) throws -> Registry.Configuration {
        Registry.Configuration(
            allowNetworkFileSystem: arguments.flag("allow-network-fs"), trust: try loadTrust(arguments))
    }

    /// Opens the registry for a command that writes.
    static func openForWriting(_ arguments: ArgumentList) throws -> Registry {
        try Registry.open(at: registryURL(arguments), configuration: configuration(arguments))
    }

    /// Opens the registry for a command that only reads (allowed on network file systems).
    static func openForReading(_ arguments: ArgumentList) throws -> Registry {
        try Registry.open(at: registryURL(arguments), configuration: configuration(arguments), forWriting: false)
    }

    /// Parses a command's arguments with the common options added.
    static func parse(_ arguments: [String], options: Set<String> = [], flags: Set<String> = []) throws -> ArgumentList
    {
        try ArgumentList(arguments, options: options.union(commonOptions), flags: flags.union(commonFlags))
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
        let given = try CommandLineTool.parse(raw.filter { $0 != "-h" && $0 != "--help" }).positionals([], optional: 1)
        if let name = given.first { _ = try CommandLineTool.command(named: name) }
        throw HelpRequested(command: given.first)
    }
}

/// `modelreg version`
enum VersionCommand: Command {
    static let name = "version"
    static let usage = """
        version                 Print the version and the SHA-256 kernel in use.
        """

    static func run(_ raw: [String]) throws {
        _ = try CommandLineTool.parse(raw).positionals([])
        print("modelreg \(ModelRegistryVersion.string) (sha256: \(SHA256Algorithm.implementation))")
    }
}
