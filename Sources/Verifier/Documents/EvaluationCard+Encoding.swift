import RegistryCore

extension EvaluationCard {
    /// The bundle path of a model's evaluation card: `evaluation-card.json` at the top of the artifact
    /// (FORMAT.md §12.7).
    public static let fileName = "evaluation-card.json"

    /// The card as `evaluation-card.json` holds it: canonical JSON and a newline, exactly what
    /// ``init(parsing:source:)`` reads back.
    ///
    /// The document is checked by the parser's rules before it is returned, so a card the promotion gate would
    /// refuse is refused here, when the training script can still say why.
    ///
    /// ```swift
    /// let card = EvaluationCard(
    ///     datasetName: "documents-v3", datasetDigest: testSetDigest, split: "test",
    ///     metrics: ["accuracy": 0.93, "macro_f1": 0.91], evaluatedBy: "eval-pipeline",
    ///     evaluatedAt: "2026-11-27T08:00:00.000Z")
    /// let bytes = try card.fileBytes()
    /// ```
    ///
    /// - Returns: the canonical JSON bytes followed by `\n`.
    /// - Throws: `.invalidDocument` naming `evaluation-card.json` and the field: a metric that is NaN or infinite,
    ///   no metric, an `evaluatedAt` that is not RFC 3339, a string holding U+0000.
    public func fileBytes() throws -> [UInt8] {
        var metricValues: [String: JSONValue] = [:]
        for (name, value) in metrics {
            guard let number = JSONNumber(value) else {
                throw RegistryError(
                    .invalidDocument,
                    "\(Self.fileName): metrics.\(NameRules.printable(name)): \(value) is not a finite number; JSON "
                        + "has no NaN or infinity")
            }
            metricValues[name] = .number(number)
        }
        let dataset: [String: JSONValue] = [
            "name": .string(datasetName), "digest": .string(datasetDigest.description), "split": .string(split),
        ]
        var fields: [String: JSONValue] = [
            "dataset": .object(dataset), "metrics": .object(metricValues), "evaluatedBy": .string(evaluatedBy),
            "evaluatedAt": .string(evaluatedAt),
        ]
        if let notes { fields["notes"] = .string(notes) }
        let bytes = CanonicalJSON.encode(.object(fields)) + [0x0A]
        let parsed = try EvaluationCard(parsing: bytes, source: Self.fileName)
        guard parsed == self else {
            throw RegistryError(.invalidDocument, "\(Self.fileName): the card does not read back as written")
        }
        return bytes
    }
}
