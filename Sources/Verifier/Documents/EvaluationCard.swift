import RegistryCore

/// How a model was evaluated, from `evaluation-card.json`: metrics, on which dataset (by digest) and split, by
/// whom and when.
///
/// ```json
/// {"dataset":{"digest":"sha256:…","name":"documents-v3","split":"test"},"evaluatedAt":"2026-11-20T10:00:00.000Z",
///  "evaluatedBy":"eval-pipeline","metrics":{"accuracy":0.93,"macro_f1":0.91}}
/// ```
public struct EvaluationCard: Hashable, Sendable {
    /// The dataset name.
    public var datasetName: String
    /// The dataset's digest (`sha256:…`), so that "the same dataset" is checkable.
    public var datasetDigest: Digest
    /// The split, for example `test`.
    public var split: String
    /// Metric name → value. Always finite: strict JSON has no NaN or infinity, and overflow is refused.
    public var metrics: [String: Double]
    /// Who evaluated.
    public var evaluatedBy: String
    /// When, RFC 3339.
    public var evaluatedAt: String
    /// Free-form remarks for humans (caveats, how the metrics were computed); nil when the card has none.
    public var notes: String?

    /// Creates a card in code, for a training or evaluation script to write with ``fileBytes()`` instead of
    /// hand-writing JSON. Nothing is checked here; ``fileBytes()`` checks everything.
    ///
    /// - Parameters:
    ///   - datasetName: the evaluation dataset's name, for example `documents-v3`.
    ///   - datasetDigest: its digest, so that "evaluated on the same data" can be checked.
    ///   - split: the split evaluated on, for example `test`.
    ///   - metrics: metric name → value; at least one, all finite.
    ///   - evaluatedBy: who or what evaluated (a person, a pipeline).
    ///   - evaluatedAt: when, RFC 3339 (``Timestamp/format(_:)`` writes one).
    ///   - notes: optional remarks.
    public init(
        datasetName: String, datasetDigest: Digest, split: String, metrics: [String: Double], evaluatedBy: String,
        evaluatedAt: String, notes: String? = nil
    ) {
        self.datasetName = datasetName
        self.datasetDigest = datasetDigest
        self.split = split
        self.metrics = metrics
        self.evaluatedBy = evaluatedBy
        self.evaluatedAt = evaluatedAt
        self.notes = notes
    }

    /// Parses and validates `evaluation-card.json`.
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming `source` and the field.
    public init(parsing bytes: [UInt8], source: String) throws {
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        try reader.rejectUnknownKeys(allowed: ["dataset", "metrics", "evaluatedBy", "evaluatedAt", "notes"])
        let dataset = try reader.object("dataset")
        try dataset.rejectUnknownKeys(allowed: ["name", "digest", "split"])
        datasetName = try dataset.string("name")
        let digestText = try dataset.string("digest")
        guard let digest = Digest(parsing: digestText) else {
            throw dataset.makeError(at: "digest", "'\(digestText)' is not '<algorithm>:<lowercase hex>'")
        }
        datasetDigest = digest
        split = try dataset.string("split")
        let metricsReader = try reader.object("metrics")
        var metrics: [String: Double] = [:]
        for key in metricsReader.keys {
            let value = try metricsReader.double(key)
            guard value.isFinite else { throw metricsReader.makeError(at: key, "must be a finite number") }
            metrics[key] = value
        }
        guard !metrics.isEmpty else { throw reader.makeError(at: "metrics", "must contain at least one metric") }
        self.metrics = metrics
        evaluatedBy = try reader.string("evaluatedBy")
        evaluatedAt = try reader.string("evaluatedAt")
        guard Timestamp.parse(evaluatedAt) != nil else {
            throw reader.makeError(at: "evaluatedAt", "'\(evaluatedAt)' is not an RFC 3339 time")
        }
        notes = try reader.optionalString("notes")
    }
}
