import Foundation
import ModelRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The alias and audit-log targets (issue 3):
/// - `resolve`: in-process resolves per second (target ≥ 100,000/s);
/// - `promote`: promote latency p50 / p99 next to the raw floor of one write + fsync + rename + directory fsync on
///   the same disk, interleaved op by op (goal ≤ 3× the floor);
/// - `promote-4proc`: 4 processes × 500 promotions against one registry; every one must be in the log, once.
enum AliasBenchmarks {
    static let resolveName = "resolve"
    static let promoteName = "promote"
    static let contentionName = "promote-4proc"

    /// A registry with two tiny artifacts, in the disk workspace.
    static func makeRegistry(_ context: BenchContext, _ label: String) throws -> (Registry, ArtifactID, ArtifactID) {
        let root = URL(fileURLWithPath: context.disk.root).appendingPathComponent(
            "\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let registry = try Registry.create(at: root.appendingPathComponent("registry"))
        var ids: [ArtifactID] = []
        for index in 0..<2 {
            let file = root.appendingPathComponent("w\(index).bin")
            try Data([UInt8(index)]).write(to: file)
            ids.append(
                try registry.register(
                    files: [.init(source: file, path: "w.bin")], metadata: ArtifactMetadata(name: "m\(index)")
                ).artifact.id)
        }
        return (registry, ids[0], ids[1])
    }

    static func resolve(_ context: BenchContext) throws {
        let (registry, first, _) = try makeRegistry(context, "resolve")
        try registry.promote("champion", to: first)
        let count = 200_000
        var sink = 0
        let samples = try Harness.interleave(
            resolveName,
            [
                Subject(
                    name: "resolve ×\(count)",
                    body: { _ in
                        for _ in 0..<count { sink &+= try registry.resolve("champion").artifact.digest.bytes.count }
                    })
            ], runs: context.options.runs)
        precondition(sink > 0)
        let perSecond = Double(count) / samples[0].median
        let line =
            "resolve: \(Format.fixed(perSecond / 1000)) k/s median (\(Format.fixed(Double(count) / samples[0].p90 / 1000)) k/s p90 run); target ≥ 100 k/s: \(perSecond >= 100_000 ? "met" : "MISSED")"
        Progress.say(line)
        context.note(line)
    }

    static func promote(_ context: BenchContext) throws {
        let (registry, first, second) = try makeRegistry(context, "promote")
        try registry.promote("champion", to: first)
        let floorDirectory = registry.layout.rootPath + "/floor"
        try FileManager.default.createDirectory(atPath: floorDirectory, withIntermediateDirectories: true)
        let record = [UInt8](repeating: 0x61, count: 300)
        let clock = ContinuousClock()
        var promoteSeconds: [Double] = []
        var floorSeconds: [Double] = []
        let operations = max(200, context.options.runs * 100)
        for index in 0..<(operations + 20) {
            let target = index % 2 == 0 ? second : first
            var start = clock.now
            try registry.promote("champion", to: target)
            let promote = (clock.now - start).seconds
            start = clock.now
            try rawAtomicWrite(directory: floorDirectory, name: "record.json", bytes: record)
            let floor = (clock.now - start).seconds
            if index >= 20 {  // warm-up thrown away
                promoteSeconds.append(promote)
                floorSeconds.append(floor)
            }
        }
        let p = percentiles(promoteSeconds)
        let f = percentiles(floorSeconds)
        let line =
            "promote: p50 \(Format.duration(p.p50)), p99 \(Format.duration(p.p99)); floor (write+fsync+rename+dir fsync) "
            + "p50 \(Format.duration(f.p50)), p99 \(Format.duration(f.p99)); ratio p50 \(Format.ratio(p.p50 / f.p50)), "
            + "p99 \(Format.ratio(p.p99 / f.p99)) over \(promoteSeconds.count) interleaved ops; goal ≤ 3.00×: "
            + (p.p50 / f.p50 <= 3 ? "met" : "MISSED")
        Progress.say(line)
        context.note(line)
    }

    static func contention(_ context: BenchContext) throws {
        let (registry, first, second) = try makeRegistry(context, "contention")
        let processes = 4
        let promotions = 500
        let clock = ContinuousClock()
        let start = clock.now
        var children: [Process] = []
        for index in 0..<processes {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = [
                PromoteChild.command, registry.layout.rootPath, "writer-\(index)", String(promotions),
                first.description, second.description,
            ]
            try child.run()
            children.append(child)
        }
        for child in children { child.waitUntilExit() }
        let seconds = (clock.now - start).seconds
        guard children.allSatisfy({ $0.terminationStatus == 0 }) else { throw BenchError("a promote child failed") }
        var promoted = 0
        try registry.journal.forEachEvent(.init(types: [.aliasPromoted])) { _ in promoted += 1 }
        let verification = try registry.journal.verify()
        let lost = processes * promotions - promoted
        let line =
            "promote-4proc: \(processes) processes × \(promotions) promotions in \(Format.duration(seconds)) "
            + "(\(Format.fixed(Double(processes * promotions) / seconds)) promotions/s); events logged \(promoted), "
            + "lost \(lost), chain \(verification.isClean ? "intact" : "BROKEN"); "
            + "target zero lost: \(lost == 0 && verification.isClean ? "met" : "MISSED")"
        Progress.say(line)
        context.note(line)
    }

    /// The floor: one durable replace by hand — write a fresh temp file, fsync, rename, fsync the directory.
    static func rawAtomicWrite(directory: String, name: String, bytes: [UInt8]) throws {
        let temp = directory + "/.tmp-floor"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("open \(temp): errno \(errno)") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { close(fd); throw BenchError("write/fsync failed") }
        close(fd)
        guard rename(temp, directory + "/" + name) == 0 else { throw BenchError("rename failed") }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0, fsync(dfd) == 0 else { throw BenchError("directory fsync failed") }
        close(dfd)
    }

    static func percentiles(_ values: [Double]) -> (p50: Double, p99: Double) {
        let sorted = values.sorted()
        func rank(_ p: Double) -> Double { sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
        return (rank(0.5), rank(0.99))
    }
}

/// The hidden subcommand `registry-bench __promote-child REGISTRY ALIAS COUNT ID1 ID2`: promotes ALIAS COUNT times,
/// alternating between the two artifacts, so every promotion is a real change.
enum PromoteChild {
    static let command = "__promote-child"

    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 5, let count = Int(arguments[2]), let first = ArtifactID(arguments[3]),
            let second = ArtifactID(arguments[4])
        else {
            FileHandle.standardError.write(Data("usage: registry-bench \(command) REGISTRY ALIAS COUNT ID1 ID2\n".utf8))
            return 64
        }
        do {
            let registry = try Registry.open(
                at: URL(fileURLWithPath: arguments[0]), configuration: .init(lockTimeout: .seconds(300)))
            for index in 0..<count {
                try registry.promote(arguments[1], to: index % 2 == 0 ? first : second, actor: arguments[1])
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("registry-bench \(command): \(error)\n".utf8))
            return 1
        }
    }
}
