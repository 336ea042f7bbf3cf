import Foundation
import ModelRegistry

/// `parallel-bundle`: a bundle of 8 × 128 MiB files registered in hardlink mode (hash-bound, not disk-bound) with
/// `maxConcurrency` 1 vs one per active core; and, as a second view without the registry, the same 8 files hashed
/// with `hash(fileAt:)` on 1 vs N threads of `DispatchQueue.concurrentPerform`.
///
/// Target: speed-up ≥ 1.7× on 2 cores.
enum ParallelBundleBenchmark {
    static let name = "parallel-bundle"
    static let target = Target(bound: 1.7, atLeast: true)

    static func run(_ context: BenchContext) throws {
        let workspace = context.disk
        let sizes = context.sizes
        let paths = try (0..<sizes.bundleFileCount).map { index in
            try workspace.inputs.file("bundle-part-\(index).bin", size: sizes.bundleFileSize, seed: 100 + UInt64(index))
        }
        let files = paths.enumerated().map { index, path in
            FileArtifactStore.SourceFile(source: URL(fileURLWithPath: path), path: "weights/part-\(index).bin")
        }
        let cores = context.cores

        func register(concurrency: Int) -> Subject {
            var registry: Registry?
            var registryPath = ""
            return Subject(
                name: "register ×\(concurrency)",
                setUp: { _ in
                    registryPath = workspace.scratchPath("registry-bundle")
                    registry = try Registry.create(at: URL(fileURLWithPath: registryPath))
                },
                body: { _ in
                    let registration = try registry!.register(
                        files: files, metadata: ArtifactMetadata(name: "bench-bundle"),
                        options: FileArtifactStore.IngestOptions(mode: .hardlink, maxConcurrency: concurrency))
                    guard registration.copiedInstead.isEmpty else {
                        throw BenchError("\(name): hardlink mode copied \(registration.copiedInstead)")
                    }
                },
                tearDown: { _ in
                    registry = nil
                    Workspace.removeTree(registryPath)
                })
        }
        let urls = paths.map { URL(fileURLWithPath: $0) }
        func hash(threads: Int) -> Subject {
            Subject(name: "hash ×\(threads)", body: { _ in try hashAll(urls, threads: threads) })
        }

        let samples = try Harness.interleave(
            name, [register(concurrency: 1), register(concurrency: cores), hash(threads: 1), hash(threads: cores)],
            runs: context.options.runs)

        let location = context.location(workspace)
        let bytes = Int64(sizes.bundleFileCount) * sizes.bundleFileSize
        let bundle = "\(sizes.bundleFileCount) × \(Format.size(sizes.bundleFileSize))"
        let coresNote = cores < 2 ? "only \(cores) active core: no speed-up is possible" : nil
        context.add(
            TimingResult(
                benchmark: name, subject: "register hardlink \(bundle), maxConcurrency 1", location: location,
                samples: samples[0], bytes: bytes))
        context.add(
            TimingResult(
                benchmark: name, subject: "register hardlink \(bundle), maxConcurrency \(cores)", location: location,
                samples: samples[1], bytes: bytes,
                comparison: Comparison(
                    reference: "maxConcurrency 1", referenceSamples: samples[0], kind: .throughput, target: target),
                note: coresNote))
        context.add(
            TimingResult(
                benchmark: name, subject: "hash(fileAt:) \(bundle), 1 thread", location: location, samples: samples[2],
                bytes: bytes))
        context.add(
            TimingResult(
                benchmark: name, subject: "hash(fileAt:) \(bundle), \(cores) threads", location: location,
                samples: samples[3], bytes: bytes,
                comparison: Comparison(
                    reference: "1 thread", referenceSamples: samples[2], kind: .throughput, target: target),
                note: "second view: concurrentPerform over hash(fileAt:), no registry"
                    + (coresNote.map { "; " + $0 } ?? "")))
    }

    /// Hashes every file, `threads` at a time, each thread taking the next unclaimed file.
    private static func hashAll(_ urls: [URL], threads: Int) throws {
        let queue = WorkQueue(count: urls.count)
        let algorithm = SHA256Algorithm()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let index = queue.claim() {
                do {
                    _ = try algorithm.hash(fileAt: urls[index])
                } catch {
                    queue.fail(error)
                }
            }
        }
        if let error = queue.error { throw error }
    }

    /// Hands out indices `0..<count` to threads and keeps the first error.
    private final class WorkQueue: @unchecked Sendable {
        private let lock = NSLock()
        private let count: Int
        private var next = 0
        private(set) var error: (any Error)?

        init(count: Int) { self.count = count }

        func claim() -> Int? {
            lock.withLock {
                guard error == nil, next < count else { return nil }
                defer { next += 1 }
                return next
            }
        }

        func fail(_ error: any Error) { lock.withLock { if self.error == nil { self.error = error } } }
    }
}
