import Foundation

/// The command line of `registry-bench`.
struct Options {
    /// Where the register benchmarks also run on `/dev/shm` (tmpfs: `fsync` is free, so the CPU cost shows alone).
    enum TmpfsPolicy: String {
        /// Only `register-copy` also runs on tmpfs (the default).
        case copyOnly = "copy-only"
        /// Every register benchmark also runs on tmpfs (`--shm`).
        case all
        /// Nothing runs on tmpfs (`--no-shm`).
        case never
    }

    /// Benchmark names picked on the command line; empty means all.
    var names: [String] = []
    /// Timed runs per benchmark, after one thrown-away warm-up run.
    var runs = 5
    /// Print the benchmark names and exit.
    var list = false
    /// Also print one JSON line per result to stdout, after the table.
    var json = false
    /// Also append one JSON line per result to this file.
    var jsonOut: String?
    /// Parent of the work directory; default `Benchmarks/.bench-tmp`.
    var directory: String?
    var tmpfs: TmpfsPolicy = .copyOnly
    /// Keep the work directory (for debugging the harness).
    var keep = false
    /// Small inputs (64 MiB instead of 1 GiB …) to smoke-test the harness; the numbers are not the spec.
    var quick = false
    /// The debug build of registry-bench that `sha256-debug` runs; default `Benchmarks/.build/debug/registry-bench`.
    var debugBinary: String?
    /// The release build of registry-bench that `sha256-debug` runs; default `Benchmarks/.build/release/registry-bench`.
    var releaseBinary: String?

    static let usage = """
        usage: registry-bench [NAME…] [--runs N] [--list] [--json] [--json-out PATH] [--dir PATH]
                              [--shm | --no-shm] [--keep] [--quick]
                              [--debug-binary PATH] [--release-binary PATH]

          NAME…           benchmarks to run (default: all; see --list)
          --runs N        timed runs per benchmark after one thrown-away warm-up (default 5)
          --list          print the benchmark names and targets, then exit
          --json          also print one JSON line per result to stdout, after the tables
          --json-out PATH also append one JSON line per result to PATH
          --dir PATH      create the work directory under PATH (default: Benchmarks/.bench-tmp, on the file
                          system of the checkout); it is removed at the end
          --shm           run every register benchmark on /dev/shm (tmpfs) as well as on disk
          --no-shm        run nothing on /dev/shm (default: register-copy runs on both)
          --keep          keep the work directory
          --quick         small inputs (64 MiB files) to smoke-test the harness; numbers are NOT the spec
          --debug-binary PATH, --release-binary PATH
                          the registry-bench builds that sha256-debug compares (default: this one for its
                          own build, Benchmarks/.build/debug|release/registry-bench for the other)

        Build in release mode: swift run -c release --package-path Benchmarks registry-bench
        """

    /// Parses `arguments` (without the program name).
    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        func value(for flag: String) throws -> String {
            guard let value = iterator.next() else { throw UsageError("\(flag) needs a value") }
            return value
        }
        while let argument = iterator.next() {
            switch argument {
            case "--runs":
                let text = try value(for: argument)
                guard let runs = Int(text), runs >= 1 else {
                    throw UsageError("--runs needs a positive integer, not '\(text)'")
                }
                options.runs = runs
            case "--list": options.list = true
            case "--json": options.json = true
            case "--json-out": options.jsonOut = try value(for: argument)
            case "--dir": options.directory = try value(for: argument)
            case "--shm": options.tmpfs = .all
            case "--no-shm": options.tmpfs = .never
            case "--keep": options.keep = true
            case "--quick": options.quick = true
            case "--debug-binary": options.debugBinary = try value(for: argument)
            case "--release-binary": options.releaseBinary = try value(for: argument)
            case "-h", "--help": throw UsageError(nil)
            default:
                if argument.hasPrefix("-") { throw UsageError("unknown option '\(argument)'") }
                options.names.append(argument)
            }
        }
        return options
    }
}

/// A bad command line; `message == nil` asks for the usage text only.
struct UsageError: Error {
    let message: String?
    init(_ message: String?) { self.message = message }
}
