import Foundation
import ModelRegistry

/// `sha256`: `SHA256Algorithm().hash(fileAt:)` of the 1 GiB model vs `openssl dgst -sha256`, interleaved.
///
/// Target: our throughput ≥ 90% of openssl's.
enum SHA256Benchmark {
    static let name = "sha256"
    static let target = Target(bound: 0.90, atLeast: true)

    static func run(_ context: BenchContext) throws {
        let workspace = context.disk
        let path = try context.model(in: workspace)
        let url = URL(fileURLWithPath: path)
        let algorithm = SHA256Algorithm()
        var ours = ""
        var theirs = ""
        let samples = try Harness.interleave(
            name,
            [
                Subject(name: "hash(fileAt:)", body: { _ in ours = try algorithm.hash(fileAt: url).digest.hex }),
                Subject(name: "openssl", body: { _ in theirs = try context.openssl.sha256(path) }),
            ], runs: context.options.runs)
        guard ours == theirs else { throw BenchError("digest mismatch on \(path): ours \(ours), openssl \(theirs)") }
        let location = context.location(workspace)
        let size = context.sizes.model
        context.add(
            TimingResult(
                benchmark: name, subject: "openssl dgst -sha256", location: location, samples: samples[1], bytes: size))
        var result = TimingResult(
            benchmark: name, subject: "hash(fileAt:) [\(SHA256Algorithm.implementation)]", location: location,
            samples: samples[0], bytes: size,
            comparison: Comparison(
                reference: "openssl", referenceSamples: samples[1], kind: .throughput, target: target))
        // For context: `openssl dgst` reads in small blocks and does not overlap reading with hashing, so it is
        // slower than OpenSSL's kernel; `openssl speed` shows the kernel's in-memory ceiling.
        if let ceiling = context.openssl.kernelSpeed() {
            let ceilingMB = ceiling / 1e6
            result.note =
                "openssl speed -evp sha256 (1 MiB blocks, in memory, 3 s, after the timed runs): \(Format.fixed(ceilingMB)) MB/s; "
                + "hash(fileAt:) reaches \(Format.fixed(100 * result.megabytesPerSecond / ceilingMB))% of that kernel ceiling, "
                + "openssl dgst \(Format.fixed(100 * Format.megabytesPerSecond(bytes: size, seconds: samples[1].median) / ceilingMB))%"
        }
        context.add(result)
    }
}
