import Foundation
import ModelRegistry

/// The artifact an `ID|ALIAS` argument names: an artifact id as written, else the alias's target.
private func resolveCandidate(_ text: String, in registry: Registry) throws -> ArtifactID {
    if let id = ArtifactID(text) { return id }
    try AliasName.check(text)
    return try registry.resolve(text).artifact
}

/// `modelreg evaluate ID|ALIAS --metric NAME=VALUE … [--evaluator NAME] [--dataset NAME [--dataset-digest D]
/// [--split S]] [--notes TEXT] [--at TIME] [--key K] [--actor NAME]`
enum EvaluateCommand: Command {
    static let name = "evaluate"
    static let usage = """
        evaluate ID|ALIAS --metric NAME=VALUE …
                                Attach an evaluation record (no new artifact): --evaluator NAME,
                                --dataset NAME --dataset-digest D --split S, --notes TEXT, --at TIME,
                                --key K signs it with an evaluator key.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(
            raw,
            options: ["metric", "evaluator", "dataset", "dataset-digest", "split", "notes", "at", "key", "actor"])
        let target = try arguments.positionals(["ID|ALIAS"])[0]
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
        let id = try resolveCandidate(target, in: registry)
        let draft = EvaluationRecord.Draft(
            evaluator: arguments.value("evaluator") ?? Registry.Configuration.defaultActor, metrics: metrics,
            dataset: dataset, evaluatedAt: arguments.value("at"), notes: arguments.value("notes"))
        let record = try registry.addEvaluation(draft, to: id, signedBy: key, actor: arguments.value("actor"))
        let signer = record.signature.map { " signed by \($0.keyID)" } ?? " (unsigned)"
        print("evaluated \(id)\(signer): evaluations/\(id)/\(record.fileName)")
    }
}

/// `modelreg evaluations ID|ALIAS [--json]`
enum EvaluationsCommand: Command {
    static let name = "evaluations"
    static let usage = """
        evaluations ID|ALIAS    List the evaluation records of an artifact with their signature status
                                (trusted, untrusted-key, invalid, unsigned; --trust DIR); --json.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw, flags: ["json"])
        let target = try arguments.positionals(["ID|ALIAS"])[0]
        let registry = try CommandLineTool.openForReading(arguments)
        let id = try resolveCandidate(target, in: registry)
        let evaluations = try registry.evaluations(of: id)
        if arguments.flag("json") {
            print(String(decoding: CanonicalJSON.encode(.array(evaluations.map(EvaluationJSON.value))), as: UTF8.self))
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
    /// A record as its file holds it, plus `status` and `file`.
    static func value(_ evaluation: CheckedEvaluation) -> JSONValue {
        guard case .object(var members) = evaluation.record.jsonValue else { return evaluation.record.jsonValue }
        members["status"] = .string(evaluation.status.description)
        members["file"] = .string("evaluations/\(evaluation.record.artifact)/\(evaluation.record.fileName)")
        return .object(members)
    }

    static func number(_ value: Double) -> JSONValue {
        JSONNumber(value).map(JSONValue.number) ?? .null
    }
}
