import Foundation
import ModelRegistry

/// Dispatches `modelreg <command>` to the command's implementation.
enum CommandLineTool {
    static let help = """
        OVERVIEW: Manage a model registry: immutable content-addressed artifacts in a plain directory.

        USAGE: modelreg <command> [options]

        OPTIONS:
          --registry PATH         The registry directory. Default: $MODELREG_REGISTRY, else ./registry
          --allow-network-fs      Allow writing on NFS/Lustre/GPFS/CIFS (only if one machine writes)
          -h, --help              Show help.

        SUBCOMMANDS:
          init                    Create a registry (or check an existing one).
          register DIR            Register every file under DIR as one artifact; prints its id.
              --name NAME             Artifact name (default: DIR's base name)
              --capability CAP        A capability such as text-classification (repeatable)
              --parent ID             An artifact this one derives from (repeatable)
              --label KEY=VALUE       A free-form label (repeatable)
              --mode MODE             copy (default) | hardlink | move | reflink
              --follow-symlinks       Follow symbolic links inside DIR instead of refusing them
          show ID                 Print an artifact's manifest.
          ls                      List artifacts: id, name, files, size.
          promote ALIAS ARTIFACT  Point ALIAS at ARTIFACT (compare-and-swap with --expect ID|none).
              --reason TEXT  --approval ID  --approval-file FILE  --trust DIR  --actor NAME
          resolve ALIAS           Print the artifact ALIAS points at (--allow-revoked to see a revoked one).
          rollback ALIAS          Point ALIAS back at its previous target (or --to ARTIFACT).
          retire ALIAS            Remove ALIAS (its history stays in the audit log).
          alias ls                List aliases.
          alias history ALIAS     The changes of ALIAS, oldest first.
          log                     Audit events; filters: --type T --alias A --artifact ID
                                  --since TIME --until TIME --limit N
          audit verify            Check the audit log's hash chain; exit 1 on any problem.
          recover                 Bring log, aliases and artifacts back into agreement after a crash.
          index rebuild           Rebuild the generated indexes in indexes/ (caches; never authoritative).
          index status            Compare the stored indexes with the registry (current, stale, damaged).
          find                    Query the index, most recent first; filters combine:
                                  --capability C (repeatable) --state S --text WORDS --name N
                                  --label KEY=VALUE (repeatable) --ancestors-of ID --descendants-of ID
                                  --limit N
          lineage ARTIFACT        Ancestors and descendants of ARTIFACT (transitive; --up or --down only).
          keygen PATH             Write an Ed25519 key pair: PATH (private, 0600) and PATH.pub.
          sign ARTIFACT --key K   Add a detached signature of ARTIFACT's manifest.
          approve ALIAS ARTIFACT --approval ID --key K --out FILE
                                  Write a signed approval; pass it to promote --approval-file FILE.
          verify [ARTIFACT]       Verify one artifact or all: structure, sizes, ids; --deep re-hashes
                                  every file; --trust DIR also checks signatures against DIR's keys.
          trust add KEYFILE       Add a public key (OpenSSH or PEM) to the trust directory
                                  (--trust DIR, $MODELREG_TRUST, or ~/.config/modelreg/trust).
          trust ls                List trusted key ids.
          policy show | set FILE  Show or replace the promotion policy (policy.json; audited).
          policy check ALIAS ARTIFACT [--approval ID]
                                  List every requirement the promotion would not meet.
          state set ARTIFACT STATE [--reason …]   registered, validated, candidate, production,
                                  deprecated or revoked.  state show ARTIFACT
          demo [PATH]             Create a registry at PATH (default: a temporary directory), register a
                                  sample model bundle and print what happened.
          version                 Print the version and the SHA-256 kernel in use.

        Exit status: 0 success, 1 failure, 64 usage error. Set MODELREG_VERBOSE=1 for error details.
        """

    static func run(_ arguments: [String]) throws {
        guard let command = arguments.first else {
            print(help)
            return
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "help", "-h", "--help": print(help)
        case "version", "--version": print("modelreg \(ModelRegistryVersion.string) (sha256: \(SHA256Algorithm.implementation))")
        case "init": try InitCommand.run(rest)
        case "register": try RegisterCommand.run(rest)
        case "show": try ShowCommand.run(rest)
        case "ls": try ListCommand.run(rest)
        case "demo": try DemoCommand.run(rest)
        case "promote": try PromoteCommand.run(rest)
        case "resolve": try ResolveCommand.run(rest)
        case "rollback": try RollbackCommand.run(rest)
        case "retire": try RetireCommand.run(rest)
        case "alias": try AliasCommand.run(rest)
        case "log": try LogCommand.run(rest)
        case "audit": try AuditCommand.run(rest)
        case "recover": try RecoverCommand.run(rest)
        case "index": try IndexCommand.run(rest)
        case "find": try FindCommand.run(rest)
        case "lineage": try LineageCommand.run(rest)
        case "keygen": try KeygenCommand.run(rest)
        case "approve": try ApproveCommand.run(rest)
        case "sign": try SignCommand.run(rest)
        case "verify": try VerifyCommand.run(rest)
        case "trust": try TrustCommand.run(rest)
        case "policy": try PolicyCommand.run(rest)
        case "state": try StateCommand.run(rest)
        default: throw UsageError("unknown command '\(command)'")
        }
    }

    /// Options every command accepts.
    static let commonOptions: Set<String> = ["registry"]
    /// Flags every command accepts.
    static let commonFlags: Set<String> = ["allow-network-fs"]

    /// The registry directory: `--registry`, else `$MODELREG_REGISTRY`, else `./registry`.
    static func registryURL(_ arguments: ArgumentList) -> URL {
        let path =
            arguments.value("registry") ?? ProcessInfo.processInfo.environment["MODELREG_REGISTRY"] ?? "registry"
        return URL(fileURLWithPath: path)
    }

    static func configuration(_ arguments: ArgumentList) -> Registry.Configuration {
        Registry.Configuration(allowNetworkFileSystem: arguments.flag("allow-network-fs"))
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
    static func parse(_ arguments: [String], options: Set<String> = [], flags: Set<String> = []) throws -> ArgumentList {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(help)
            exit(0)
        }
        return try ArgumentList(arguments, options: options.union(commonOptions), flags: flags.union(commonFlags))
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
