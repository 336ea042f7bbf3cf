// A training script's last step: write the model bundle, describe it (contract, evaluation card, lineage),
// register it with its base model as parent, and promote it to the candidate alias for review.
//
//   swift run example-training [REGISTRY]
//
// The code revision comes from GIT_COMMIT (or GITHUB_SHA) when set, else from `git rev-parse HEAD` when the
// current directory is a git checkout; without either, the lineage records none.
import Foundation
import ModelRegistry

let arguments = CommandLine.arguments.dropFirst()
let root = URL(fileURLWithPath: arguments.first ?? "registry")
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("training-\(getpid())")
defer { try? FileManager.default.removeItem(at: scratch) }

let baseAlias = "document-classifier-base"
let candidateAlias = "document-classifier-candidate"

/// Writes `bytes` to `path` under `directory`, creating intermediate directories.
func write(_ bytes: [UInt8], to path: String, in directory: URL) throws {
    let url = directory.appendingPathComponent(path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
}

/// Deterministic stand-in for trained weights.
func fakeWeights(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}

/// The output of `git` with these arguments in the current directory, or nil when git or a checkout is missing.
func git(_ gitArguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git"] + gitArguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return nil
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The code revision that "trained" this model.
func codeRevision() -> Lineage.CodeRevision? {
    let environment = ProcessInfo.processInfo.environment
    if let commit = environment["GIT_COMMIT"] ?? environment["GITHUB_SHA"], !commit.isEmpty {
        return Lineage.CodeRevision(revision: commit, repository: environment["GIT_REPOSITORY"])
    }
    guard let commit = git(["rev-parse", "HEAD"]), !commit.isEmpty else { return nil }
    let remote = git(["config", "--get", "remote.origin.url"]).flatMap { $0.isEmpty ? nil : $0 }
    let dirty = git(["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty }
    return Lineage.CodeRevision(revision: commit, repository: remote, isDirty: dirty)
}

/// Prints registration progress as plain lines on stderr (this example's output usually goes to a CI log).
let reportProgress: @Sendable (RegistrationProgress) -> Void = { progress in
    let percent = Int(progress.fractionCompleted * 100)
    FileHandle.standardError.write(
        Data(
            ("progress: \(progress.phase) \(progress.filesCompleted)/\(progress.filesTotal) files, "
                + "\(progress.bytesCompleted)/\(progress.bytesTotal) bytes (\(percent)%)\n").utf8))
}

do {
    let registry = try Registry.create(at: root)

    // The base model this run fine-tunes: a real pipeline finds it by alias; register one on a fresh registry.
    if (try? registry.resolve(baseAlias)) == nil {
        let base = scratch.appendingPathComponent("base")
        try write(fakeWeights(count: 64 * 1024, seed: 1), to: "model.safetensors", in: base)
        try write(Array("[PAD]\n[UNK]\nhello\nworld\n".utf8), to: "tokenizer/vocab.txt", in: base)
        let registration = try registry.register(
            directory: base,
            metadata: ArtifactMetadata(name: "document-classifier-base", capabilities: ["text-classification"]),
            options: .init(mode: .move))
        try registry.promote(baseAlias, to: registration.artifact.id, reason: "bootstrap base model for the example")
    }

    // "Training": the data, the run's settings, and the files a real job writes.
    let trainingData = Array("{\"text\":\"invoice 42\",\"label\":0}\n{\"text\":\"contract\",\"label\":1}\n".utf8)
    let testData = Array("{\"text\":\"invoice 7\",\"label\":0}\n".utf8)
    let hyperparameters: [String: Lineage.Value] = [
        "learning_rate": 3e-4, "epochs": 3, "batch_size": 32, "optimizer": "adamw", "mixed_precision": true,
    ]
    let output = scratch.appendingPathComponent("output")
    try write(fakeWeights(count: 256 * 1024, seed: 42), to: "model.safetensors", in: output)
    try write(Array("[PAD]\n[UNK]\ninvoice\ncontract\n".utf8), to: "tokenizer/vocab.txt", in: output)
    try write(Array("{\"hidden_size\":256,\"num_labels\":2}\n".utf8), to: "config.json", in: output)

    // What the model is, how well it does, and where it came from.
    let contract = ModelContract(
        task: "text-classification",
        inputs: [
            .init(name: "input_ids", dtype: "int32", shape: [.symbol("batch"), .symbol("sequence")]),
            .init(
                name: "attention_mask", dtype: "int32", shape: [.symbol("batch"), .symbol("sequence")],
                isOptional: true),
        ],
        outputs: [.init(name: "logits", dtype: "float32", shape: [.symbol("batch"), .fixed(2)])],
        labels: ["invoice", "contract"], runtime: ["framework": "onnx"])
    let card = EvaluationCard(
        datasetName: "documents-v3", datasetDigest: SHA256Algorithm().hash(testData), split: "test",
        metrics: ["accuracy": 0.93, "macro_f1": 0.91, "loss": 0.21], evaluatedBy: "example-training",
        evaluatedAt: Timestamp.format(Date()) ?? "1970-01-01T00:00:00.000Z")
    let lineage = Lineage(
        datasets: [.init(name: "documents-v3", digest: SHA256Algorithm().hash(trainingData), split: "train")],
        code: codeRevision(), hyperparameters: hyperparameters)

    let registration = try registry.register(
        directory: output,
        metadata: ArtifactMetadata(
            name: "document-classifier", capabilities: ["text-classification"], labels: ["framework": "example"]),
        parents: [.alias(baseAlias)], contract: contract, card: card, lineage: lineage,
        options: .init(mode: .move),  // the output directory is scratch: take the files instead of copying
        progress: reportProgress)
    try registry.promote(candidateAlias, to: registration.artifact.id, reason: "training run finished")
    print(registration.artifact.id)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
