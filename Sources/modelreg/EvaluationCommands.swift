import Foundation
import ModelRegistry

/// `modelreg evaluate ARTIFACT --metric NAME=VALUE … [--evaluator NAME] [--dataset NAME [--dataset-digest D]
/// [--split S]] [--notes TEXT] [--at TIME] [--key K] [--actor NAME]`
enum EvaluateCommand: Command {
    static let name = "evaluate"
    static let usage = """
        evaluate ARTIFACT --metric NAME=VALUE …
                                Attach an evaluation record (no new artifact): --evaluator NAME,
                                --dataset NAME --dataset-digest D --split S, --notes TEXT, --at TIME,
                                --key K signs it with an evaluator key.
        """
    static let options = ["metric", "evaluator", "dataset", "dataset-digest", "split", "notes", "at", "key", "actor"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let target = try arguments.positionals(["ARTIFACT"])[0]
        var metrics: [String: Double] = [:]
        for text in arguments.values("metric") {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]), value.isFinite else {
                throw UsageError("--metric '\(text)' is not NAME=VALUE with a finite number")
            }
            guard metrics.updateValue(value, forKey: parts[0]) == nil else {
                throw UsageError("--metric '\(parts[0])' is given twice")
            }
        }
        guard !metrics.isEmpty else { throw UsageError("evaluate needs at least one --metric NAME=VALUE") }
        var dataset: EvaluationRecord.Dataset?
        if let name = arguments.value("dataset") {
            var digest: Digest?
            if let text = arguments.value("dataset-digest") {
                guard let parsed = Digest(parsing: text) else {
                    throw UsageError("--dataset-digest '\(text)' is not '<algorithm>:<lowercase hex>'")
                }
                digest = parsed
            }
            dataset = .init(name: name, digest: digest, split: arguments.value("split"))
        } else if arguments.value("dataset-digest") != nil || arguments.value("split") != nil {
            throw UsageError("--dataset-digest and --split describe a dataset: give --dataset NAME too")
        }
        let key = try arguments.value("key").map { try KeyFiles.loadPrivateKey(at: $0) }
        let registry = try CommandLineTool.openForWriting(arguments)
        let id = try registry.artifactID(matching: target)
        let draft = EvaluationRecord.Draft(
            evaluator: arguments.value("evaluator") ?? Registry.Configuration.defaultActor, metrics: metrics,
            dataset: dataset, evaluatedAt: arguments.value("at"), notes: arguments.value("notes"))
        let record = try registry.addEvaluation(draft, to: id, signedBy: key, actor: arguments.value("actor"))
        let file = "evaluations/\(id)/\(record.fileName)"
        if arguments.flag("json") {
            JSONOutput.print([
                "artifact": .string(id.description), "file": .string(file),
                "signedBy": record.signature.map { .string($0.keyID) } ?? .null, "record": record.jsonValue,
            ])
            return
        }
        let signer = record.signature.map { " signed by \($0.keyID)" } ?? " (unsigned)"
        print("evaluated \(id)\(signer): \(file)")
    }
}

/// `modelreg evaluations ARTIFACT [--json]`
enum EvaluationsCommand: Command {
    static let name = "evaluations"
    static let usage = """
        evaluations ARTIFACT    List the evaluation records of an artifact with their signature status
                                (trusted, untrusted-key, invalid, unsigned; --trust DIR).
        """

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let target = try arguments.positionals(["ARTIFACT"])[0]
        let registry = try CommandLineTool.openForReading(arguments)
        let id = try registry.artifactID(matching: target)
        let evaluations = try registry.evaluations(of: id)
        if arguments.flag("json") {
            JSONOutput.print([
                "artifact": .string(id.description), "evaluations": .array(evaluations.map(EvaluationJSON.value)),
            ])
            return
        }
        if evaluations.isEmpty { print("no evaluation records for \(id)") }
        for evaluation in evaluations {
            let record = evaluation.record
            var line = "\(record.evaluatedAt)  \(evaluation.status)"
            if let key = evaluation.signerKeyID { line += " \(key)" }
            line += "  \(record.evaluator)"
            if let dataset = record.dataset {
                line += "  \(dataset.name)" + (dataset.split.map { "/\($0)" } ?? "")
            }
            let metrics = record.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            print(line + "  " + metrics.joined(separator: " "))
        }
    }
}

/// The JSON shapes of `evaluations --json` and `compare --json`.
enum EvaluationJSON {
    /// A record's signature status, its file and the record as the file holds it (FORMAT.md §12.10).
    static func value(_ evaluation: CheckedEvaluation) -> JSONValue {
        .object([
            "status": .string(evaluation.status.description),
            "file": .string("evaluations/\(evaluation.record.artifact)/\(evaluation.record.fileName)"),
            "record": evaluation.record.jsonValue,
        ])
    }

    static func number(_ value: Double) -> JSONValue {
        JSONNumber(value).map(JSONValue.number) ?? .null
    }
}
