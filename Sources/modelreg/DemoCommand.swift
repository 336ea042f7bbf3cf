import Foundation
import ModelRegistry

/// `modelreg demo [PATH]`: creates a registry, registers a small sample model bundle and narrates each step.
enum DemoCommand: Command {
    static let name = "demo"
    static let usage = """
        demo [PATH]             Create a registry at PATH (default: a temporary directory), register a
                                sample model bundle and print what happened.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let json = arguments.flag("json")
        // With --json the narration is left out and one result object is printed at the end.
        let say: (String) -> Void = { line in if !json { print(line) } }
        let given = try arguments.positionals([], optional: 1)
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("modelreg-demo-\(UUID().uuidString)")
        let root = given.first.map { URL(fileURLWithPath: $0) } ?? temporary.appendingPathComponent("registry")
        let bundle = temporary.appendingPathComponent("document-classifier")
        defer { try? FileManager.default.removeItem(at: bundle) }

        let registry = try Registry.create(at: root, configuration: try CommandLineTool.configuration(arguments))
        say("1. created registry at \(registry.layout.rootPath)")

        try writeSampleBundle(to: bundle)
        say("2. wrote a sample model bundle at \(bundle.path)")

        let metadata = ArtifactMetadata(
            name: "document-classifier", capabilities: ["text-classification"],
            labels: ["framework": "demo", "task": "document-classification"])
        let first = try registry.register(directory: bundle, metadata: metadata)
        let manifest = first.artifact.manifest
        say("3. registered it as \(first.artifact.id)")
        let size = CommandLineTool.formatSize(manifest.totalSize)
        let kernel = SHA256Algorithm.implementation
        say("   \(manifest.files.count) files, \(size), hashed with \(manifest.hashAlgorithm) (\(kernel) kernel):")
        for entry in manifest.files {
            let digest = entry.digest.description.prefix(23)
            say("     \(digest)…  \(String(entry.size).leftPadded(to: 8))  \(entry.path)")
        }

        let again = try registry.register(directory: bundle, metadata: metadata)
        let outcome = again.isNew ? "a new artifact (unexpected)" : "same id, nothing changed"
        say("4. registered the same bundle again: \(outcome)")

        let copy = temporary.appendingPathComponent("copied-artifact")
        try FileManager.default.copyItem(at: first.artifact.directory, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let derived = try registry.artifacts.identify(directory: copy, verifyFiles: true)
        let same = derived == first.artifact.id ? "yes" : "NO"
        say("5. copied the artifact directory elsewhere; it re-derives its own id: \(same)")

        let opened = try registry.artifact(first.artifact.id)
        if let weights = opened.url(for: "weights.bin") {
            say("6. a server would load \(weights.path)")
        }

        try writeRetrainedWeights(in: bundle)
        let retrained = try registry.register(directory: bundle, metadata: metadata)
        say("7. registered a retrained model as \(retrained.artifact.id)")
        try registry.promote("document-classifier-champion", to: first.artifact.id, reason: "first model")
        let promoted = try registry.promote(
            "document-classifier-champion", to: retrained.artifact.id, expecting: .target(first.artifact.id),
            reason: "retrained on more documents")
        let (from, to) = (first.artifact.id.description.prefix(19), promoted.record.artifact.description.prefix(19))
        say("8. promoted document-classifier-champion: \(from)… -> \(to)…")
        let rolledBack = try registry.rollback("document-classifier-champion", reason: "demo rollback")
        let resolved = try registry.resolve("document-classifier-champion").artifact.description.prefix(19)
        let expected = rolledBack.record.artifact == first.artifact.id ? "as expected" : "UNEXPECTED"
        say("9. rolled it back in one call; it resolves to \(resolved)… again (\(expected))")
        let verification = try registry.journal.verify()
        let chain = verification.findings.isEmpty ? "intact" : "BROKEN"
        say("10. audit log: \(verification.eventCount) events, hash chain \(chain)")
        try registry.journal.forEachEvent { event in
            say("      #\(event.sequence) \(event.type) \(event.alias ?? "")")
        }
        if json {
            JSONOutput.print([
                "registry": .string(registry.layout.rootPath),
                "artifacts": JSONOutput.strings([first.artifact.id.description, retrained.artifact.id.description]),
                "alias": .string("document-classifier-champion"),
                "aliasTarget": .string(rolledBack.record.artifact.description),
                "events": JSONOutput.number(verification.eventCount),
                "chainIntact": .bool(verification.findings.isEmpty),
                "reDerivedID": .bool(derived == first.artifact.id),
            ])
            return
        }
        say("\nTry: modelreg ls --registry \(registry.layout.rootPath)")
        say("     modelreg alias history document-classifier-champion --registry \(registry.layout.rootPath)")
        say("     modelreg audit verify --registry \(registry.layout.rootPath)")
        say("     modelreg show \(first.artifact.id) --registry \(registry.layout.rootPath)")
    }

    /// A small but realistic bundle: weights, a tokenizer, a contract, lineage and an evaluation card.
    static func writeSampleBundle(to directory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(
            at: directory.appendingPathComponent("tokenizer"), withIntermediateDirectories: true)
        // SplitMix64, so the weights are the same bytes on every machine (and so the same id).
        var generator = SplitMix64Generator(seed: 2026)
        let weights = (0..<(1 << 20)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        try Data(weights).write(to: directory.appendingPathComponent("weights.bin"))
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "invoice", "contract", "receipt", "letter"]
        try Data((vocabulary.joined(separator: "\n") + "\n").utf8)
            .write(to: directory.appendingPathComponent("tokenizer/vocab.txt"))
        try Data(
            (#"{"inputs":[{"dtype":"int32","name":"input_ids","shape":["batch","sequence"]}],"#
                + #""labels":["invoice","contract","receipt","letter"],"#
                + #""outputs":[{"dtype":"float32","name":"logits","shape":["batch",4]}],"task":"text-classification"}"#)
                .utf8
        ).write(to: directory.appendingPathComponent("contract.json"))
        try Data(#"{"dataset":"demo-documents","parents":[],"trainer":"modelreg demo"}"#.utf8)
            .write(to: directory.appendingPathComponent("lineage.json"))
        try Data(
            (#"{"dataset":{"digest":"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef","#
                + #""name":"demo-documents","split":"test"},"evaluatedAt":"2026-11-20T10:00:00.000Z","#
                + #""evaluatedBy":"modelreg demo","metrics":{"accuracy":0.93,"macro_f1":0.91}}"#).utf8
        ).write(to: directory.appendingPathComponent("evaluation-card.json"))
    }
}

extension DemoCommand {
    /// Changes the weights as a retraining run would.
    static func writeRetrainedWeights(in directory: URL) throws {
        var generator = SplitMix64Generator(seed: 2027)
        let weights = (0..<(1 << 20)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        try Data(weights).write(to: directory.appendingPathComponent("weights.bin"))
    }
}
