import Foundation

/// Candidates side by side: every metric of their evaluation cards and evaluation records, one row per metric and
/// one column per artifact, with the best value of each metric marked. What `modelreg compare` prints and what a
/// benchmark harness uses to pick a winner.
///
/// Each cell shows one value per artifact, chosen in this order: the newest evaluation record signed by a trusted
/// key, else the newest evaluation record of any status, else the evaluation card. Whether higher or lower is better
/// is decided per metric by ``isLowerBetter(_:)`` unless the caller says otherwise.
///
/// `EvaluationComparison` is a `Sendable` value.
public struct EvaluationComparison: Hashable, Sendable {
    /// One candidate.
    public struct Column: Hashable, Sendable {
        /// What the caller named it by (an alias or the id).
        public var label: String
        /// The artifact.
        public var artifact: ArtifactID
        /// The metrics of its `evaluation-card.json`, nil when it has no card (or one that does not verify).
        public var cardMetrics: [String: Double]?
        /// Its evaluation records, oldest first, with what each signature proves.
        public var evaluations: [CheckedEvaluation]
    }

    /// Where a cell's value comes from.
    public struct Cell: Hashable, Sendable {
        /// The value.
        public var value: Double
        /// The evaluation record it comes from; nil: the evaluation card.
        public var evaluation: CheckedEvaluation?
        /// `card`, or `eval` with the record's status (`eval:trusted`, `eval:unsigned` …).
        public var sourceDescription: String {
            evaluation.map { "eval:\($0.status)" } ?? "card"
        }
    }

    /// One metric across the candidates.
    public struct Row: Hashable, Sendable {
        /// The metric's name.
        public var metric: String
        /// Whether a lower value is better for this metric.
        public var lowerIsBetter: Bool
        /// One cell per column (nil where that candidate does not report the metric).
        public var cells: [Cell?]
        /// The columns holding the best value (all of them on a tie); empty when fewer than two candidates report
        /// the metric, since there is nothing to compare.
        public var best: [Int]
    }

    /// The candidates, in the order given.
    public var columns: [Column]
    /// The metrics, sorted by name.
    public var rows: [Row]

    /// The candidate with the best value of `metric` — the first given on a tie — or nil when fewer than two
    /// candidates report it (nothing was compared). What a harness promotes:
    ///
    /// ```swift
    /// if let winner = comparison.best(by: "accuracy") { try registry.promote("champion", to: winner.artifact) }
    /// ```
    public func best(by metric: String) -> Column? {
        guard let row = rows.first(where: { $0.metric == metric }), let index = row.best.first else { return nil }
        return columns[index]
    }

    /// The metric-name words that mean lower is better: a name is lower-is-better when one of its words (split at
    /// anything but letters and digits, compared case-insensitively) is one of these.
    public static let lowerIsBetterWords: Set<String> = [
        "loss", "error", "err", "latency", "perplexity", "ppl", "wer", "cer", "mse", "rmse", "mae", "time",
    ]

    /// Whether lower is better for a metric called `name` (see ``lowerIsBetterWords``): `val_loss`, `wer`,
    /// `latency_ms` are; `accuracy`, `f1` are not.
    public static func isLowerBetter(_ name: String) -> Bool {
        name.lowercased().split { !($0.isLetter || $0.isNumber) }.contains { lowerIsBetterWords.contains(String($0)) }
    }

    /// Builds the comparison.
    ///
    /// - Parameters:
    ///   - columns: The candidates.
    ///   - lowerIsBetter: Metrics for which lower is better whatever their name.
    ///   - higherIsBetter: Metrics for which higher is better whatever their name.
    public init(columns: [Column], lowerIsBetter: Set<String> = [], higherIsBetter: Set<String> = []) {
        self.columns = columns
        var names = Set<String>()
        for column in columns {
            names.formUnion(column.cardMetrics?.keys ?? [:].keys)
            for evaluation in column.evaluations { names.formUnion(evaluation.record.metrics.keys) }
        }
        rows = names.sorted().map { metric in
            let lower =
                lowerIsBetter.contains(metric) || (!higherIsBetter.contains(metric) && Self.isLowerBetter(metric))
            let cells = columns.map { Self.cell(metric, in: $0) }
            let values = cells.enumerated().compactMap { index, cell in cell.map { (index, $0.value) } }
            var best: [Int] = []
            if values.count >= 2, let target = lower ? values.map(\.1).min() : values.map(\.1).max() {
                best = values.filter { $0.1 == target }.map(\.0)
            }
            return Row(metric: metric, lowerIsBetter: lower, cells: cells, best: best)
        }
    }

    private static func cell(_ metric: String, in column: Column) -> Cell? {
        let reporting = column.evaluations.filter { $0.record.metrics[metric] != nil }
        if let chosen = reporting.last(where: { $0.status == .trusted }) ?? reporting.last,
            let value = chosen.record.metrics[metric]
        {
            return Cell(value: value, evaluation: chosen)
        }
        return column.cardMetrics?[metric].map { Cell(value: $0, evaluation: nil) }
    }
}

extension Registry {
    /// Compares artifacts by the metrics of their evaluation cards and evaluation records (see
    /// ``EvaluationComparison``).
    ///
    /// - Parameters:
    ///   - candidates: Label (alias or id as the caller wrote it) and artifact id of each candidate.
    ///   - lowerIsBetter: Metrics for which lower is better whatever their name.
    ///   - higherIsBetter: Metrics for which higher is better whatever their name.
    /// - Throws: `.notFound` for an unknown artifact; I/O errors.
    /// - Complexity: reads each candidate's summary from the index (its card's metrics) and its evaluation records;
    ///   a candidate the index does not hold has its card read and checked against its manifest digest.
    public func compareEvaluations(
        _ candidates: [(label: String, artifact: ArtifactID)], lowerIsBetter: Set<String> = [],
        higherIsBetter: Set<String> = []
    ) throws -> EvaluationComparison {
        let columns = try candidates.map { candidate in
            // The card's metrics from the index (no artifact opened); from the card itself when the index cannot
            // answer (an artifact it could not read).
            let summary = try? index.summary(of: candidate.artifact)
            let card =
                try summary.map { $0.cardMetrics.isEmpty ? nil : $0.cardMetrics }
                ?? evaluationCard(of: candidate.artifact)?.metrics
            return EvaluationComparison.Column(
                label: candidate.label, artifact: candidate.artifact, cardMetrics: card,
                evaluations: try evaluations(of: candidate.artifact))
        }
        return EvaluationComparison(columns: columns, lowerIsBetter: lowerIsBetter, higherIsBetter: higherIsBetter)
    }

    /// The artifact's `evaluation-card.json`, parsed; nil when the bundle has none.
    ///
    /// - Throws: `.notFound` for an unknown artifact; `.digestMismatch` when the card's bytes are not the ones the
    ///   manifest lists (it changed after registration); `.invalidDocument` naming the field of a card that does
    ///   not parse; I/O errors. The card of an evicted artifact stays readable (FORMAT.md §14.4).
    public func evaluationCard(of id: ArtifactID) throws -> EvaluationCard? {
        let artifact = try artifacts.artifact(id)
        let name = "evaluation-card.json"
        guard let entry = artifact.manifest.entry(at: name), let url = artifact.url(for: name) else { return nil }
        let bytes = try FileSystem.readDocument(url.path, limit: 16 << 20)
        let algorithm = artifacts.knownAlgorithms[artifact.manifest.hashAlgorithm]
        guard Int64(bytes.count) == entry.size, let algorithm, algorithm.hash(bytes) == entry.digest else {
            throw RegistryError(
                .digestMismatch,
                "\(url.path) does not match the digest its manifest lists (it changed after "
                    + "registration); 'modelreg verify \(id)' lists every problem", path: url.path)
        }
        return try EvaluationCard(parsing: bytes, source: layout.relativePath(url.path))
    }
}
