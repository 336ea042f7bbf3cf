import Foundation
import ModelRegistry

/// One runnable benchmark.
struct Benchmark {
    let name: String
    let summary: String
    let run: (BenchContext) throws -> Void
}

/// Every benchmark, in the order a full run runs them.
enum Catalog {
    static var all: [Benchmark] {
        [
            Benchmark(
                name: SHA256Benchmark.name,
                summary: "hash(fileAt:) of a 1 GiB file vs openssl dgst -sha256; target ≥ 0.90× openssl's MB/s",
                run: SHA256Benchmark.run),
            Benchmark(
                name: SHA256DebugBenchmark.name,
                summary:
                    "hash(fileAt:) of 1 GiB in a debug and a release build, and openssl; target debug ≥ 0.90× release",
                run: SHA256DebugBenchmark.run),
            Benchmark(
                name: RegisterBenchmark.name(.copy),
                summary:
                    "register 1 GiB, copy mode, disk and /dev/shm, with the dd conv=fsync floor; target ≤ 1.3× openssl time",
                run: { try RegisterBenchmark.run(.copy, $0) }),
            Benchmark(
                name: RegisterBenchmark.name(.hardlink),
                summary: "register 1 GiB, hardlink mode; target ≤ 1.1× openssl time",
                run: { try RegisterBenchmark.run(.hardlink, $0) }),
            Benchmark(
                name: RegisterBenchmark.name(.move), summary: "register 1 GiB, move mode; target ≤ 1.1× openssl time",
                run: { try RegisterBenchmark.run(.move, $0) }),
            Benchmark(
                name: RegisterBenchmark.name(.reflink),
                summary: "register 1 GiB, reflink mode; ≤ 1.1× where it clones, ≤ 1.3× where it falls back to copy",
                run: { try RegisterBenchmark.run(.reflink, $0) }),
            Benchmark(
                name: SpaceBenchmark.name,
                summary: "1 GiB directory: register, register again unchanged, under a second name, vs cp -r; "
                    + "target again ≤ 0.05× the first",
                run: SpaceBenchmark.run),
            Benchmark(
                name: BackupBenchmark.name,
                summary: "backup of 8 × 128 MiB to a directory and a tar vs cp -a and tar -cf (+ sync -f); target "
                    + "≥ 0.90× their throughput; incremental backup of one artifact, 2 vs 308 artifacts",
                run: BackupBenchmark.run),
            Benchmark(
                name: OCITransferBenchmark.name,
                summary: "push and pull of 1 GiB and 8 × 128 MiB against a loopback OCI registry vs skopeo copy; "
                    + "target ≤ 1.0× skopeo's time, peak RSS ≤ 64 MiB (skipped without MODELREG_TEST_OCI_REGISTRY)",
                run: OCITransferBenchmark.run),
            Benchmark(
                name: PeakMemoryBenchmark.name,
                summary: "peak RSS of a child process registering 4 GiB (copy, hardlink; 1 run each); target < 64 MiB",
                run: PeakMemoryBenchmark.run),
            Benchmark(
                name: ParallelBundleBenchmark.name,
                summary: "8 × 128 MiB bundle, hardlink, maxConcurrency 1 vs cores; target speed-up ≥ 1.7× on 2 cores",
                run: ParallelBundleBenchmark.run),
            Benchmark(
                name: AliasBenchmarks.resolveName, summary: "in-process resolve() per second; target ≥ 100,000/s",
                run: AliasBenchmarks.resolve),
            Benchmark(
                name: AliasBenchmarks.promoteName,
                summary: "promote p50/p99 next to write+fsync+rename+dir-fsync on the same disk; goal ≤ 3× that floor",
                run: AliasBenchmarks.promote),
            Benchmark(
                name: AliasBenchmarks.contentionName,
                summary: "4 processes × 500 promotions against one registry; target zero lost events, chain intact",
                run: AliasBenchmarks.contention),
            Benchmark(
                name: CheckpointBenchmark.name,
                summary: "promote with and without Configuration.checkpointKey, and the signing alone; target ≤ 0.2 ms",
                run: CheckpointBenchmark.run),
            Benchmark(
                name: TrustBenchmarks.ed25519Name,
                summary: "Ed25519 sign/s and verify/s next to openssl speed; goal within 3×",
                run: TrustBenchmarks.ed25519),
            Benchmark(
                name: TrustBenchmarks.verifyName,
                summary: "full verify of a 1 GiB artifact vs openssl dgst -sha256 of its file; target ≤ 1.1×",
                run: TrustBenchmarks.verify),
            Benchmark(
                name: ServingBenchmarks.watchName,
                summary: "another process promotes ≥ 50 times; watcher latency p50/p99, inotify and 100 ms polling; "
                    + "target p99 ≤ 50 ms (inotify), ≤ one poll interval otherwise",
                run: ServingBenchmarks.watch),
            Benchmark(
                name: ServingBenchmarks.loadName,
                summary: "openForLoading of 1 GiB right after a copy-mode registration by another process, as an "
                    + "unprivileged user; target ≤ 10 ms (reference: openssl dgst -sha256)",
                run: ServingBenchmarks.load),
        ]
    }

    /// The benchmarks named, in catalog order; all of them for no names.
    static func select(_ names: [String]) throws -> [Benchmark] {
        let unknown = names.filter { name in !all.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw UsageError("unknown benchmark \(unknown.joined(separator: ", ")); see --list")
        }
        return names.isEmpty ? all : all.filter { names.contains($0.name) }
    }

    static var listing: String {
        let width = all.map(\.name.count).max() ?? 0
        return all.map { $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.summary }
            .joined(separator: "\n")
    }
}
