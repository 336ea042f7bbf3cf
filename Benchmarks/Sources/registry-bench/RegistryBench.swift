import Foundation
import ModelRegistry

/// The program: parses the command line, runs the picked benchmarks, prints the tables and JSON lines.
enum RegistryBench {
    static func main(_ arguments: [String]) -> Int32 {
        if arguments.first == RegisterChild.command { return RegisterChild.main(Array(arguments.dropFirst())) }
        if arguments.first == PromoteChild.command { return PromoteChild.main(Array(arguments.dropFirst())) }
        if arguments.first == HashFileChild.command { return HashFileChild.main(Array(arguments.dropFirst())) }
        if arguments.first == TimedPromoteChild.command {
            return TimedPromoteChild.main(Array(arguments.dropFirst()))
        }
        if arguments.first == LoadChild.command { return LoadChild.main(Array(arguments.dropFirst())) }
        if arguments.first == OCITransferChild.command { return OCITransferChild.main(Array(arguments.dropFirst())) }
        let options: Options
        let benchmarks: [Benchmark]
        do {
            options = try Options.parse(arguments)
            benchmarks = try Catalog.select(options.names)
        } catch let error as UsageError {
            if let message = error.message { FileHandle.standardError.write(Data("registry-bench: \(message)\n".utf8)) }
            FileHandle.standardError.write(Data((Options.usage + "\n").utf8))
            return error.message == nil ? 0 : 64
        } catch {
            return fail(error)
        }
        if options.list {
            print(Catalog.listing)
            return 0
        }
        if Environment.build == "debug" { printBanner() }

        Cleanup.shared.installSignalHandlers()
        let context: BenchContext
        do {
            context = try BenchContext(options: options)
        } catch {
            return fail(error)
        }
        let header = Environment.header(context)
        FileHandle.standardError.write(Data((header + "\n").utf8))

        var failures: [String] = []
        for benchmark in benchmarks {
            Progress.say("== \(benchmark.name)")
            let before = Contention.snapshot()
            defer {
                if let others = before?.otherCores() {
                    context.contention[benchmark.name] = others
                    Progress.say("[\(benchmark.name)] other processes used \(Format.fixed(others, 2)) cores meanwhile")
                }
            }
            do {
                try benchmark.run(context)
            } catch {
                failures.append("\(benchmark.name): \(error)")
                FileHandle.standardError.write(Data("registry-bench: \(benchmark.name) failed: \(error)\n".utf8))
            }
        }
        if options.keep {
            Progress.say("kept \(context.disk.root)")
        } else {
            context.removeWorkspaces()
        }

        print(header)
        print()
        if !context.timings.isEmpty {
            print(Report.timingTable(context.timings))
            print(Report.legend)
            print()
        }
        if !context.memory.isEmpty { print(Report.memoryTable(context.memory)) }
        for note in context.notes { print("note: \(note)") }
        print("load average at end: \(Environment.loadAverage)")
        if !context.contention.isEmpty {
            let shares = benchmarks.compactMap { benchmark in
                context.contention[benchmark.name].map { "\(benchmark.name) \(Format.fixed($0, 2))" }
            }
            print(
                "cores used by other processes (incl. kernel write-back) while each benchmark ran, of \(context.cores): "
                    + shares.joined(separator: ", "))
        }
        for failure in failures { print("FAILED: \(failure)") }

        let lines = jsonLines(context)
        if options.json { lines.forEach { print($0) } }
        if let path = options.jsonOut {
            do {
                try append(lines, to: path)
            } catch {
                failures.append("--json-out: \(error)")
                FileHandle.standardError.write(Data("registry-bench: cannot write \(path): \(error)\n".utf8))
            }
        }
        if Environment.build == "debug" { printBanner() }
        return failures.isEmpty ? 0 : 1
    }

    private static func jsonLines(_ context: BenchContext) -> [String] {
        let builder = JSONLines(
            context: JSONRecord(
                date: Environment.date, build: Environment.build, sha256Kernel: SHA256Algorithm.implementation,
                runs: context.options.runs, warmupRuns: 1, quick: context.options.quick, benchmark: "", subject: "",
                location: "", bytes: 0))
        func withContention(_ record: JSONRecord) -> String {
            var record = record
            record.otherCpuCores = context.contention[record.benchmark]
            return JSONLines.encode(record)
        }
        return context.timings.map { withContention(builder.record($0)) }
            + context.memory.map { withContention(builder.record($0)) }
    }

    private static func append(_ lines: [String], to path: String) throws {
        let data = Data(lines.map { $0 + "\n" }.joined().utf8)
        if !FileManager.default.fileExists(atPath: path) {
            try data.write(to: URL(fileURLWithPath: path))
            return
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
    }

    private static func printBanner() {
        print(Environment.debugBanner)
        FileHandle.standardError.write(Data((Environment.debugBanner + "\n").utf8))
    }

    private static func fail(_ error: any Error) -> Int32 {
        FileHandle.standardError.write(Data("registry-bench: \(error)\n".utf8))
        return 1
    }
}
