import Foundation
import ModelRegistry

/// `modelreg show ARTIFACT`: everything about one artifact in one place.
enum ShowCommand: Command {
    static let name = "show"
    static let usage = """
        show ARTIFACT           Print an artifact: manifest, state, registration time, the aliases pointing
                                at it, its pin, its signatures (and whether a trusted key made them), the metrics
                                of its evaluation-card.json and its evaluation records.
        """

    /// One detached signature of the artifact as `show` reports it.
    struct SignatureStatus {
        var file: String
        var keyID: String?
        var algorithm: String?
        /// True when a key of the trust directory made it and it verifies.
        var trusted: Bool
        /// Why it is not trusted (unknown key, does not verify, unreadable), or nil.
        var problem: String?
    }

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let reference = try arguments.positionals(["ARTIFACT"])[0]
        let registry = try CommandLineTool.openForReading(arguments)
        let id = try registry.artifactID(matching: reference)
        // An evicted artifact is shown from its manifest, with where its bytes can be fetched from.
        let artifact = try registry.artifacts.artifact(id)
        let eviction = try registry.eviction(of: id)
        let state = try registry.state(of: id)
        let summary = try registry.index.summary(of: id)
        let aliases = try registry.listAliases().filter { $0.artifact == id }.map(\.alias)
        let signatures = try signatureStatuses(of: artifact, in: registry)
        let card = try evaluationCard(of: artifact)  // kept by an eviction (FORMAT.md §14.4)
        let evaluations = try registry.evaluations(of: id)
        let pin = try registry.pinRecord(of: id)
        if arguments.flag("json") {
            guard
                case .object(var members) = json(
                    artifact, state: state, registeredAt: summary?.registeredAt, aliases: aliases,
                    signatures: signatures, card: card)
            else { return }
            members["evaluations"] = .array(evaluations.map(EvaluationJSON.value))
            members["evicted"] =
                eviction.map { record in
                    [
                        "remote": JSONOutput.string(record.remote), "url": JSONOutput.string(record.url),
                        "evictedAt": .string(record.evictedAt), "forced": .bool(record.forced),
                    ]
                } ?? .null
            members["pin"] =
                pin.map { pin in
                    [
                        "pinnedAt": .string(pin.pinnedAt), "actor": .string(pin.actor),
                        "reason": JSONOutput.string(pin.reason),
                    ]
                } ?? .null
            JSONOutput.print(.object(members))
            return
        }
        let manifest = artifact.manifest
        print("id:           \(artifact.id)")
        print("name:         \(manifest.metadata.name)")
        print("state:        \(state)")
        print("registered:   \(summary?.registeredAt ?? "-")")
        print("aliases:      \(aliases.joined(separator: ", "))")
        if let pin {
            print("pinned:       by \(pin.actor) at \(pin.pinnedAt)\(pin.reason.map { ": \($0)" } ?? "")")
        }
        print("capabilities: \(manifest.metadata.capabilities.joined(separator: ", "))")
        print("parents:      \(manifest.metadata.parents.map(\.description).joined(separator: ", "))")
        for (key, value) in manifest.metadata.labels.sorted(by: { $0.key < $1.key }) {
            print("label:        \(key)=\(value)")
        }
        for signature in signatures {
            let verdict = signature.trusted ? "trusted" : "not trusted: \(signature.problem ?? "")"
            print("signature:    \(signature.keyID ?? "?") (\(verdict)) \(signature.file)")
        }
        if let card {
            for (metric, value) in card.metrics.sorted(by: { $0.key < $1.key }) {
                print("metric:       \(metric)=\(value) (\(card.datasetName)/\(card.split))")
            }
        }
        for evaluation in evaluations {
            let record = evaluation.record
            let metrics = record.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            print(
                "evaluation:   \(metrics.joined(separator: " ")) by \(record.evaluator) at \(record.evaluatedAt) "
                    + "(\(evaluation.status))")
        }
        print("directory:    \(artifact.directory.path)")
        if let eviction {
            let source = eviction.remote.map { "remote '\($0)' (\(eviction.url ?? ""))" } ?? "no recorded remote"
            print("evicted:      at \(eviction.evictedAt); fetch from \(source) with 'modelreg fetch \(id)'")
        }
        print("files:        \(manifest.files.count), \(CommandLineTool.formatSize(manifest.totalSize))")
        for entry in manifest.files {
            print("  \(entry.digest)  \(String(entry.size).leftPadded(to: 12))  \(entry.path)")
        }
    }

    /// Every signature file of the artifact, checked against the trust directory's keys.
    static func signatureStatuses(of artifact: Artifact, in registry: Registry) throws -> [SignatureStatus] {
        let message = artifact.manifest.canonicalBytes()
        let trust = registry.configuration.trust
        return try registry.signatures.files(of: artifact.id).map { name, result in
            switch result {
            case .success(let file):
                let signature = file.signature
                let problem: String? =
                    trust.verifiers[signature.keyID] == nil
                    ? "key not in the trust directory"
                    : trust.isTrustedSignature(signature, for: message) ? nil : "does not verify"
                return SignatureStatus(
                    file: "signatures/" + name, keyID: signature.keyID, algorithm: signature.algorithm,
                    trusted: problem == nil, problem: problem)
            case .failure(let error):
                return SignatureStatus(
                    file: "signatures/" + name, keyID: nil, algorithm: nil, trusted: false, problem: error.message)
            }
        }
    }

    /// The artifact's `evaluation-card.json`, or nil when it has none.
    /// - Throws: the card's parse error, naming the file, when it is there but invalid.
    static func evaluationCard(of artifact: Artifact) throws -> EvaluationCard? {
        guard let url = artifact.url(for: "evaluation-card.json") else { return nil }
        return try EvaluationCard(parsing: Array(try Data(contentsOf: url)), source: url.path)
    }

    static func json(
        _ artifact: Artifact, state: LifecycleState, registeredAt: String?, aliases: [String],
        signatures: [SignatureStatus], card: EvaluationCard?
    ) -> JSONValue {
        let manifest = artifact.manifest
        let cardValue: JSONValue =
            card.map { card in
                [
                    "dataset": .string(card.datasetName), "datasetDigest": .string(card.datasetDigest.description),
                    "split": .string(card.split), "evaluatedBy": .string(card.evaluatedBy),
                    "evaluatedAt": .string(card.evaluatedAt),
                    "metrics": .object(
                        card.metrics.mapValues { value in JSONNumber(value).map(JSONValue.number) ?? .null }),
                ]
            } ?? .null
        return [
            "id": .string(artifact.id.description), "name": .string(manifest.metadata.name),
            "state": .string(state.rawValue), "registeredAt": JSONOutput.string(registeredAt),
            "aliases": JSONOutput.strings(aliases), "capabilities": JSONOutput.strings(manifest.metadata.capabilities),
            "parents": JSONOutput.strings(manifest.metadata.parents.map(\.description)),
            "labels": .object(manifest.metadata.labels.mapValues(JSONValue.string)),
            "directory": .string(artifact.directory.path), "size": JSONOutput.number(manifest.totalSize),
            "files": .array(
                manifest.files.map { entry in
                    [
                        "path": .string(entry.path), "digest": .string(entry.digest.description),
                        "size": JSONOutput.number(entry.size),
                    ]
                }),
            "signatures": .array(
                signatures.map { signature in
                    [
                        "file": .string(signature.file), "keyID": JSONOutput.string(signature.keyID),
                        "algorithm": JSONOutput.string(signature.algorithm), "trusted": .bool(signature.trusted),
                        "problem": JSONOutput.string(signature.problem),
                    ]
                }),
            "card": cardValue,
        ]
    }
}
