/// One `modelreg` command: its name, its help and its implementation, registered together in
/// ``CommandLineTool/commands`` (the SUBCOMMANDS help and the dispatch are both derived from that list).
protocol Command: Sendable {
    /// The word after `modelreg` that selects the command: `promote`, `alias` ….
    static var name: String { get }
    /// The command's help lines as they appear under SUBCOMMANDS, without the two-space indent: the synopsis,
    /// padded to column 24, then the description; following lines indented further.
    static var usage: String { get }
    /// The words that may follow the command's name (`ls`, `history` for `alias`), for shell completion.
    static var subcommands: [String] { get }
    /// The names (without `--`) of the options that take a value, for parsing and shell completion; the
    /// global ones (``CommandLineTool/globalOptions``) are added by ``CommandLineTool/parse(_:options:flags:)``.
    static var options: [String] { get }
    /// The names (without `--`) of the flags, as ``options``.
    static var flags: [String] { get }
    /// Runs the command with the arguments after its name; throws ``UsageError`` for a mistake in the call.
    static func run(_ arguments: [String]) throws
}

extension Command {
    /// No subcommands unless a command says so.
    static var subcommands: [String] { [] }
    /// No options of its own unless a command says so.
    static var options: [String] { [] }
    /// No flags of its own unless a command says so.
    static var flags: [String] { [] }

    /// Parses the command's arguments with its own ``options`` and ``flags`` and the global ones.
    static func parse(_ arguments: [String]) throws -> ArgumentList {
        try CommandLineTool.parse(arguments, options: Set(options), flags: Set(flags))
    }
}

/// `-h`/`--help`, `help [COMMAND]` or no arguments at all: `main.swift` prints the help on stdout and exits 0.
struct HelpRequested: Error {
    /// The command whose help was asked for, or nil for the full help.
    var command: String?
}

/// A mistake in how the command was called; exits with 64 (`EX_USAGE`).
struct UsageError: Error, CustomStringConvertible {
    var description: String
    /// The command that was called wrongly, for the "see 'modelreg help COMMAND'" hint.
    var command: String?
    init(_ description: String, command: String? = nil) {
        self.description = description
        self.command = command
    }
}

/// The command ran and found something wrong (findings, unmet requirements, a missing trust directory):
/// exits with 1 and prints `error: <message>`. The CLI's own outcome, never dressed up as a library error.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    /// The exit status: 1, or 2 where a command distinguishes "could not check" (`fsck`).
    var exitStatus: Int32
    init(_ message: String, exitStatus: Int32 = 1) {
        self.message = message
        self.exitStatus = exitStatus
    }
    var description: String { message }
}
