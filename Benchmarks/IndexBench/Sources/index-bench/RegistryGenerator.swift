import Dispatch
import Foundation
import ModelRegistry

/// Writes a valid registry of many small artifacts quickly, for the benchmark only.
///
/// The fast path skips what only durability needs: no staging directory, no `fsync`, no writer lock, and the
/// audit log written in one go. Everything else is as a registry holds it: canonical manifests whose SHA-256 is
/// the directory name, read-only files of the listed sizes and digests, and a hash-chained audit log with one
/// `artifact_registered` event per artifact, spread over a year of day files. `AuditJournal.verify()` accepts
/// the result.
struct RegistryGenerator {
    let root: URL
    let count: Int
    let seed: UInt64

    static let families = ["resnet", "bert", "llama", "whisper", "vit", "t5", "gpt2", "clip", "yolo", "unet"]
    static let variants = ["base", "small", "large", "finetuned", "distilled", "quantized", "instruct", "v2"]
    static let capabilities = (0..<40).map { "capability-\($0)" } + ["text-classification", "ocr", "speech-to-text"]
    static let teams = (0..<20).map { "team-\($0)" }
    static let frameworks = ["pytorch", "onnx", "jax", "tensorflow", "coreml"]

    struct Planned: Sendable {
        var id: ArtifactID
        var manifest: [UInt8]
        var files: [(path: String, bytes: [UInt8])]
        var name: String
        var totalSize: Int64
    }

    /// Generates the registry; returns the ids in registration order.
    func generate() throws -> [ArtifactID] {
        _ = try Registry.create(at: root)
        let planned = try plan()
        let artifacts = root.path + "/artifacts"
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 64) { slice in
            var index = slice
            while index < planned.count {
                do {
                    try Self.write(planned[index], under: artifacts)
                } catch {
                    failures.record(error)
                }
                index += 64
            }
        }
        if let error = failures.first { throw error }
        try writeAuditLog(planned)
        return planned.map(\.id)
    }

    /// The ids `generate()` writes, without writing anything (to reuse a generated registry).
    func plannedIDs() throws -> [ArtifactID] {
        try plan().map(\.id)
    }

    private func plan() throws -> [Planned] {
        var random = BenchRandom(seed: seed)
        var planned: [Planned] = []
        planned.reserveCapacity(count)
        let sha256 = SHA256Algorithm()
        for index in 0..<count {
            let family = Self.families[random.below(Self.families.count)]
            let variant = Self.variants[random.below(Self.variants.count)]
            let name = "\(family)-\(variant)-\(String(format: "%06d", index))"
            var capabilities: [String] = []
            for _ in 0...random.below(3) {
                capabilities.append(Self.capabilities[random.below(Self.capabilities.count)])
            }
            let labels = [
                "team": Self.teams[random.below(Self.teams.count)],
                "framework": Self.frameworks[random.below(Self.frameworks.count)],
                "dataset": "corpus-\(random.below(100))",
            ]
            var parents: [ArtifactID] = []
            if index > 0 && random.below(10) < 3 {
                parents.append(planned[max(0, index - 1 - random.below(min(index, 1000)))].id)
            }
            var files: [(path: String, bytes: [UInt8])] = [
                (
                    "weights.bin",
                    withUnsafeBytes(of: UInt64(index).littleEndian, Array.init) + [UInt8](repeating: 7, count: 8)
                )
            ]
            if index > 1 && random.below(10) == 0 {
                let parent = planned[index - 1 - random.below(min(index, 500))].id
                if !parents.contains(parent) {
                    files.append(("lineage.json", Array("{\"parents\":[\"\(parent)\"],\"run\":\(index)}".utf8)))
                }
            }
            let entries = files.map { file in
                Manifest.Entry(path: file.path, size: Int64(file.bytes.count), digest: sha256.hash(file.bytes))
            }
            let manifest = try Manifest(
                hashAlgorithm: "sha256",
                metadata: ArtifactMetadata(name: name, capabilities: capabilities, parents: parents, labels: labels),
                files: entries)
            planned.append(
                Planned(
                    id: manifest.artifactID(using: sha256), manifest: manifest.canonicalBytes(), files: files,
                    name: name,
                    totalSize: manifest.totalSize))
        }

        return planned
    }

    private static func write(_ artifact: Planned, under artifacts: String) throws {
        let directory = artifacts + "/" + artifact.id.description
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let readOnly: [FileAttributeKey: Any] = [.posixPermissions: 0o444]
        for file in artifact.files {
            guard
                FileManager.default.createFile(
                    atPath: directory + "/" + file.path, contents: Data(file.bytes), attributes: readOnly)
            else { throw RegistryError(.io, "could not write \(directory)/\(file.path)") }
        }
        guard
            FileManager.default.createFile(
                atPath: directory + "/manifest.json", contents: Data(artifact.manifest), attributes: readOnly)
        else { throw RegistryError(.io, "could not write \(directory)/manifest.json") }
    }

    /// One `artifact_registered` event per artifact, about five minutes apart, ending now-ish; day files as the
    /// journal names them.
    private func writeAuditLog(_ planned: [Planned]) throws {
        let end = Date().timeIntervalSince1970 - 3600
        let step = 365 * 86_400 / Double(max(1, planned.count))
        var previous = AuditEvent.genesisHash
        var days: [(day: String, bytes: [UInt8])] = []
        for (index, artifact) in planned.enumerated() {
            let date = Date(timeIntervalSince1970: end - Double(planned.count - index) * step)
            guard let time = Timestamp.format(date) else { throw RegistryError(.invalidArgument, "bad clock") }
            let event = AuditEvent(
                sequence: Int64(index + 1), time: time, actor: "bench", type: .artifactRegistered,
                payload: [
                    "artifact": .string(artifact.id.description), "name": .string(artifact.name),
                    "files": .number(JSONNumber(artifact.files.count)), "size": .number(JSONNumber(artifact.totalSize)),
                ],
                previousHash: previous)
            let line = event.encodedLine
            previous = SHA256Algorithm().hash(line)
            let day = String(time.prefix(10))
            if days.last?.day != day { days.append((day, [])) }
            days[days.count - 1].bytes += line + [0x0A]
        }
        for (day, bytes) in days {
            try Data(bytes).write(to: root.appendingPathComponent("audit/\(day).jsonl"))
        }
    }
}

/// The first error of a parallel job.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var first: (any Error)?

    func record(_ error: any Error) {
        lock.lock()
        if first == nil { first = error }
        lock.unlock()
    }
}

/// SplitMix64, for a repeatable generated registry.
struct BenchRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}
