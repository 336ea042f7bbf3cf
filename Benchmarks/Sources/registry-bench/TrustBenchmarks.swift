import Foundation
import ModelRegistry

/// The verification targets (issue 4):
/// - `ed25519`: sign/s and verify/s in-process next to `openssl speed ed25519` in the same run (goal within 3×);
/// - `verify-1gib`: a full verification of a 1 GiB artifact vs `openssl dgst -sha256` of its file (≤ 1.1×).
enum TrustBenchmarks {
    static let ed25519Name = "ed25519"
    static let verifyName = "verify-1gib"

    static func ed25519(_ context: BenchContext) throws {
        let key = try Ed25519PrivateKey.generate()
        let message = [UInt8](repeating: 0x5A, count: 64)
        let signature = try key.signature(for: message)
        let count = 2000
        var valid = 0
        let samples = try Harness.interleave(
            ed25519Name,
            [
                Subject(
                    name: "sign ×\(count)", body: { _ in for _ in 0..<count { _ = try key.signature(for: message) } }),
                Subject(
                    name: "verify ×\(count)",
                    body: { _ in
                        for _ in 0..<count where key.publicKey.isValidSignature(signature, for: message) { valid += 1 }
                    }),
            ], runs: context.options.runs)
        guard valid > 0 else { throw BenchError("ed25519 verification failed") }
        let signPerSecond = Double(count) / samples[0].median
        let verifyPerSecond = Double(count) / samples[1].median
        var line =
            "ed25519: ours sign \(Format.fixed(signPerSecond))/s, verify \(Format.fixed(verifyPerSecond))/s (medians)"
        if let (openSign, openVerify) = opensslSpeed() {
            line +=
                "; openssl speed sign \(Format.fixed(openSign))/s, verify \(Format.fixed(openVerify))/s; "
                + "ratio openssl/ours sign \(Format.ratio(openSign / signPerSecond)), verify \(Format.ratio(openVerify / verifyPerSecond)); "
                + "goal within 3×: \(openSign / signPerSecond <= 3 && openVerify / verifyPerSecond <= 3 ? "met" : "MISSED")"
        } else {
            line += "; openssl speed unavailable"
        }
        Progress.say(line)
        context.note(line)
    }

    /// Runs `openssl speed -seconds 2 ed25519` and reads its sign/s and verify/s columns.
    static func opensslSpeed() -> (Double, Double)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["speed", "-seconds", "2", "ed25519"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        for line in output.split(separator: "\n") where line.contains("Ed25519") && line.contains("EdDSA") {
            let numbers = line.split(separator: " ").compactMap { Double($0) }
            if numbers.count >= 3 { return (numbers[numbers.count - 2], numbers[numbers.count - 1]) }
        }
        return nil
    }

    static func verify(_ context: BenchContext) throws {
        let workspace = context.disk
        let path = try context.model(in: workspace)
        let root = URL(fileURLWithPath: workspace.root).appendingPathComponent("verify-\(getpid())")
        let registry = try Registry.create(at: root)
        // Hardlink: the artifact shares the model's inode, so no second GiB is written.
        let id = try registry.register(
            files: [.init(source: URL(fileURLWithPath: path), path: "model.bin")],
            metadata: ArtifactMetadata(name: "big"),
            options: .init(mode: .hardlink)
        ).artifact.id
        var ok = true
        let samples = try Harness.interleave(
            verifyName,
            [
                Subject(
                    name: "verify(.full)",
                    body: { _ in
                        let valid = try registry.verify(id, depth: .full).isClean
                        ok = ok && valid
                    }),
                Subject(name: "openssl", body: { _ in _ = try context.openssl.sha256(path) }),
            ], runs: context.options.runs)
        try? FileManager.default.removeItem(at: root)
        guard ok else { throw BenchError("verification failed") }
        context.add(
            TimingResult(
                benchmark: verifyName, subject: "verify(.full) 1 GiB", location: context.location(workspace),
                samples: samples[0], bytes: context.sizes.model,
                comparison: Comparison(
                    reference: "openssl dgst -sha256", referenceSamples: samples[1], kind: .time,
                    target: Target(bound: 1.1, atLeast: false))))
    }
}
