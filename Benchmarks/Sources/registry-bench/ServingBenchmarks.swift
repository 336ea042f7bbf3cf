import Dispatch
import Foundation
import ModelRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What an inference server waits for: how soon a watcher sees another process's promotion, and how long
/// `openForLoading` of a 1 GiB model takes right after a copy-mode registration by another process.
enum ServingBenchmarks {
    static let watchName = "watch-latency"
    static let loadName = "load-after-register-1gib"

    // MARK: Watch latency

    /// ≥ 50 promotions by a child process, spaced so that none coalesce. Latency = the watcher's receipt minus the
    /// moment the child *started* `promote` — an upper bound, since the promotion's own lock, checks and fsyncs
    /// count against us; the watcher usually sees the alias file's rename before `promote` has even returned (its
    /// last steps are a directory fsync and the index update), and the report says how often.
    static func watch(_ context: BenchContext) throws {
        let workspace = context.disk
        let count = context.options.quick ? 20 : 60
        for polling in [false, true] {
            let root = URL(fileURLWithPath: workspace.scratchPath("watch"))
            let registry = try Registry.create(at: root)
            var ids: [ArtifactID] = []
            for index in 0..<2 {
                let file = root.deletingLastPathComponent().appendingPathComponent("watch-model-\(index)-\(getpid())")
                try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* (index + 3)) }).write(to: file)
                ids.append(
                    try registry.register(
                        files: [.init(source: file, path: "model.bin")], metadata: ArtifactMetadata(name: "m\(index)")
                    ).artifact.id)
                try? FileManager.default.removeItem(at: file)
            }
            let alias = "served"
            try registry.promote(alias, to: ids[1])
            let poll: Duration = polling ? .milliseconds(100) : .seconds(30)
            let spacing = polling ? 250 : 40
            let changes = try registry.watch(alias, pollInterval: poll, polling: polling)
            let received = Receipts()
            let done = DispatchSemaphore(value: 0)
            let consumer = Task {
                for await change in changes where change.target != nil { received.add(Date().timeIntervalSince1970) }
                done.signal()
            }
            Thread.sleep(forTimeInterval: 0.2)  // the watcher is iterating
            let output = try External.run(
                External.currentExecutable,
                [
                    TimedPromoteChild.command, root.path, alias, "\(count)", "\(spacing)", ids[0].description,
                    ids[1].description,
                ])
            let lines = output.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
            let starts = lines.compactMap { $0.first }
            let ends = lines.compactMap { $0.count == 2 ? $0[1] : nil }
            let deadline = Date().addingTimeInterval(5)
            while received.count < starts.count && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            consumer.cancel()
            done.wait()
            let seen = received.values
            guard starts.count == count, ends.count == count, seen.count == count else {
                throw BenchError(
                    "\(watchName): the child made \(starts.count) promotions, the watcher saw \(seen.count) changes")
            }
            let latencies = zip(seen, starts).map { $0 - $1 }
            let early = zip(seen, ends).filter { $0 < $1 }.count
            let samples = Samples(latencies)
            let p99 = percentile(0.99, of: latencies)
            let mode = polling ? "poll (100 ms)" : changes.notification == .kernel ? "inotify" : "poll (fallback)"
            let target = polling ? 0.100 + 0.050 : 0.050
            let line =
                "\(watchName) \(mode): \(count) promotions by another process, latency p50 "
                + "\(Format.duration(samples.median)), p99 \(Format.duration(p99)), max \(Format.duration(samples.max)) "
                + "from the start of promote (\(early) of \(count) seen before promote returned); "
                + "target p99 ≤ \(Format.duration(target)): \(p99 <= target ? "met" : "MISSED")"
            Progress.say(line)
            context.note(line)
            context.add(
                TimingResult(
                    benchmark: watchName, subject: "watch \(mode), p50 of \(count)",
                    location: context.location(workspace), samples: samples, bytes: 0))
            try? FileManager.default.removeItem(at: root)
        }
    }

    /// Nearest-rank percentile.
    static func percentile(_ fraction: Double, of values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1)]
    }

    /// Receipt times of changes, from the consuming task.
    final class Receipts: @unchecked Sendable {
        private let lock = NSLock()
        private var times: [Double] = []
        func add(_ time: Double) { lock.withLock { times.append(time) } }
        var count: Int { lock.withLock { times.count } }
        var values: [Double] { lock.withLock { times } }
    }

    // MARK: Load after registration

    /// Per run: a child registers the 1 GiB model in copy mode into a fresh registry; another child, as an
    /// unprivileged user where possible, opens it read-only and times `openForLoading`. Reference: `openssl dgst
    /// -sha256` of the same GiB (what a re-hash costs), and the same load after the stamps were deleted.
    static func load(_ context: BenchContext) throws {
        let workspace = context.disk
        let model = try context.model(in: workspace)
        let runs = context.options.runs
        let user = unprivilegedUser(for: workspace.root)
        var stamped: [Double] = []
        var unstamped: [Double] = []
        var openssl: [Double] = []
        var lastRehashed = ""
        for run in 0...runs {
            let root = workspace.scratchPath("load")
            try External.run(External.currentExecutable, [RegisterChild.command, root, model, "copy"])
            let id = try Registry.open(at: URL(fileURLWithPath: root), forWriting: false).listArtifacts()[0]
            let first = try loadChild(root: root, id: id, user: user)
            try FileManager.default.removeItem(atPath: root + "/indexes/stamps")
            let second = try loadChild(root: root, id: id, user: user)
            let clock = ContinuousClock()
            let start = clock.now
            _ = try context.openssl.sha256(model)
            let reference = (clock.now - start).seconds
            Workspace.removeTree(root)
            lastRehashed = "after registration re-hashed \(first.rehashed) file(s); without stamps \(second.rehashed)"
            if run == 0 { continue }  // warm-up
            stamped.append(first.seconds)
            unstamped.append(second.seconds)
            openssl.append(reference)
        }
        let location = context.location(workspace)
        let reference = Samples(openssl)
        context.add(
            TimingResult(
                benchmark: loadName, subject: "openForLoading after copy register (\(user ?? "same user"))",
                location: location, samples: Samples(stamped), bytes: context.sizes.model,
                comparison: Comparison(
                    reference: "openssl dgst -sha256", referenceSamples: reference, kind: .time, target: nil)))
        context.add(
            TimingResult(
                benchmark: loadName, subject: "openForLoading without stamps (\(user ?? "same user"))",
                location: location, samples: Samples(unstamped), bytes: context.sizes.model,
                comparison: Comparison(
                    reference: "openssl dgst -sha256", referenceSamples: reference, kind: .time, target: nil)))
        let median = Samples(stamped).median
        let line =
            "\(loadName): open+openForLoading in another process (\(user ?? "same user")) median "
            + "\(Format.duration(median)), p90 \(Format.duration(Samples(stamped).p90)); without stamps "
            + "\(Format.duration(Samples(unstamped).median)); openssl \(Format.duration(reference.median)); "
            + "\(lastRehashed); target ≤ 10 ms: \(median <= 0.010 ? "met" : "MISSED")"
        Progress.say(line)
        context.note(line)
    }

    /// `nobody` through `setpriv` when this process is root and `nobody` can reach the workspace; else nil.
    static func unprivilegedUser(for directory: String) -> String? {
        guard getuid() == 0, let setpriv = External.find("setpriv") else { return nil }
        let probe = try? External.run(
            setpriv,
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/test", "-r", directory, "-a", "-x",
                directory,
            ])
        return probe == nil ? nil : "uid 65534"
    }

    struct LoadReport: Decodable {
        var seconds: Double
        var rehashed: Int
    }

    static func loadChild(root: String, id: ArtifactID, user: String?) throws -> LoadReport {
        var arguments = [LoadChild.command, root, id.description]
        var executable = External.currentExecutable
        if user != nil, let setpriv = External.find("setpriv") {
            arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", executable] + arguments
            executable = setpriv
        }
        let output = try External.run(executable, arguments)
        guard let line = output.split(separator: "\n").last,
            let report = try? JSONDecoder().decode(LoadReport.self, from: Data(line.utf8))
        else { throw BenchError("\(loadName): unreadable load report: \(output)") }
        return report
    }
}

/// `registry-bench __promote-timed-child REGISTRY ALIAS COUNT SPACING-MS ID1 ID2`: promotes ALIAS alternately to
/// ID1 and ID2, COUNT times, SPACING-MS apart, printing the wall-clock start and end of each promotion.
enum TimedPromoteChild {
    static let command = "__promote-timed-child"

    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 6, let count = Int(arguments[2]), let spacing = Int(arguments[3]),
            let first = ArtifactID(arguments[4]), let second = ArtifactID(arguments[5])
        else {
            FileHandle.standardError.write(
                Data("usage: registry-bench \(command) REGISTRY ALIAS COUNT SPACING-MS ID1 ID2\n".utf8))
            return 64
        }
        do {
            let registry = try Registry.open(at: URL(fileURLWithPath: arguments[0]))
            for index in 0..<count {
                Thread.sleep(forTimeInterval: Double(spacing) / 1000)
                let start = Date().timeIntervalSince1970
                try registry.promote(arguments[1], to: index % 2 == 0 ? first : second)
                let end = Date().timeIntervalSince1970
                print(String(format: "%.6f %.6f", start, end))
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("registry-bench \(command): \(error)\n".utf8))
            return 1
        }
    }
}

/// `registry-bench __load-child REGISTRY ID`: opens the registry read-only and prints how long open plus
/// `openForLoading(artifact:)` took and how many files it re-hashed, as one JSON line.
enum LoadChild {
    static let command = "__load-child"

    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 2, let id = ArtifactID(arguments[1]) else {
            FileHandle.standardError.write(Data("usage: registry-bench \(command) REGISTRY ID\n".utf8))
            return 64
        }
        do {
            let clock = ContinuousClock()
            let start = clock.now
            let registry = try Registry.open(at: URL(fileURLWithPath: arguments[0]), forWriting: false)
            let loaded = try registry.openForLoading(artifact: id)
            let seconds = (clock.now - start).seconds
            print(#"{"seconds":\#(seconds),"rehashed":\#(loaded.rehashed.count)}"#)
            return 0
        } catch {
            FileHandle.standardError.write(Data("registry-bench \(command): \(error)\n".utf8))
            return 1
        }
    }
}
