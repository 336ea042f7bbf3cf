import Foundation
import ModelRegistry

/// Writes small model bundles for tests: relative path → contents.
public enum BundleFixture {
    /// A typical bundle: weights, a tokenizer file, a contract, lineage and an evaluation card.
    public static let standard: [String: [UInt8]] = [
        "weights.bin": Array((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }),
        "tokenizer/vocab.txt": Array("[PAD]\n[UNK]\ninvoice\nreceipt\n".utf8),
        "contract.json": Array(contract().utf8),
        "lineage.json": Array(#"{"parents":[]}"#.utf8),
        "evaluation-card.json": Array(evaluationCard(["accuracy": 0.9]).utf8),
    ]

    /// A valid `contract.json` for a text classifier with the given labels.
    public static func contract(labels: [String] = ["invoice", "receipt"], inputDimension: String = "\"sequence\"")
        -> String
    {
        let quoted = labels.map { "\"\($0)\"" }.joined(separator: ",")
        return
            #"{"inputs":[{"dtype":"int32","name":"input_ids","shape":["batch",\#(inputDimension)]}],"labels":[\#(quoted)],"#
            + #""outputs":[{"dtype":"float32","name":"logits","shape":["batch",\#(labels.count)]}],"task":"text-classification"}"#
    }

    /// A valid `evaluation-card.json` with the given metrics.
    public static func evaluationCard(_ metrics: [String: Double]) -> String {
        let body = metrics.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        return
            #"{"dataset":{"digest":"sha256:\#(String(repeating: "ab", count: 32))","name":"documents","split":"test"},"#
            + #""evaluatedAt":"2026-11-20T10:00:00.000Z","evaluatedBy":"eval-pipeline","metrics":{\#(body)}}"#
    }

    /// Writes `files` under `directory`, creating intermediate directories.
    @discardableResult
    public static func write(_ files: [String: [UInt8]], to directory: URL) throws -> URL {
        for (path, bytes) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        return directory
    }

    /// Random bytes from a seeded generator, so a failing case can be replayed.
    public static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = generator.next()
            for _ in 0..<8 where index < count {
                bytes[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return bytes
    }
}

extension BundleFixture {
    /// Registers a small model bundle named `name` (written under `temp`) with a contract and an evaluation card
    /// (pass nil to leave either out), for policy tests.
    public static func registerModel(
        _ name: String, in registry: Registry, under temp: URL, contract: String? = contract(),
        card: String? = evaluationCard(["accuracy": 0.9])
    ) throws -> ArtifactID {
        var files: [String: [UInt8]] = ["weights.bin": Array(name.utf8)]
        if let contract { files["contract.json"] = Array(contract.utf8) }
        if let card { files["evaluation-card.json"] = Array(card.utf8) }
        let bundle = try write(files, to: temp.appendingPathComponent(name))
        return try registry.register(directory: bundle, metadata: ArtifactMetadata(name: name)).artifact.id
    }
}
