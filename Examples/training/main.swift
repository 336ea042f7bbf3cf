// A training script's last step: write the model bundle, register it, print the id for the CI log.
//
//   swift run example-training [REGISTRY]
import Foundation
import ModelRegistry

let arguments = CommandLine.arguments.dropFirst()
let root = URL(fileURLWithPath: arguments.first ?? "registry")
let output = FileManager.default.temporaryDirectory.appendingPathComponent("training-output-\(getpid())")
defer { try? FileManager.default.removeItem(at: output) }

do {
    // "Training": write weights and a tokenizer the way a real job would.
    try FileManager.default.createDirectory(
        at: output.appendingPathComponent("tokenizer"), withIntermediateDirectories: true)
    let weights = (0..<(256 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
    try Data(weights).write(to: output.appendingPathComponent("model.safetensors"))
    try Data("[PAD]\n[UNK]\nhello\nworld\n".utf8).write(to: output.appendingPathComponent("tokenizer/vocab.txt"))

    let registry = try Registry.create(at: root)
    let registration = try registry.register(
        directory: output,
        metadata: ArtifactMetadata(
            name: "document-classifier", capabilities: ["text-classification"],
            labels: ["framework": "example", "epochs": "3"]),
        options: .init(mode: .move))  // the output directory is scratch: take the files instead of copying
    print(registration.artifact.id)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
