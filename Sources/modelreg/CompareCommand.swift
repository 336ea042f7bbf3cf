import Foundation
import ModelRegistry

/// `modelreg compare ARTIFACT ARTIFACT… [--lower-is-better METRIC]… [--higher-is-better METRIC]… [--json]`
enum CompareCommand: Command {
    static let name = "compare"
    static let usage = """
        compare ARTIFACT…       Cards and evaluations side by side, best per metric marked *; metrics
                                named loss, error, latency, perplexity, wer … are lower-is-better
                                (--lower-is-better / --higher-is-better METRIC to say).
        """

    static let options = ["lower-is-better", "higher-is-better"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let given = try arguments.positionals(["ARTIFACT"], optional: 64)
        let lower = Set(arguments.values("lower-is-better"))
        let higher = Set(arguments.values("higher-is-better"))
        if let both = lower.intersection(higher).sorted().first {
            throw UsageError("metric '\(both)' is given as both --lower-is-better and --higher-is-better")
        }
        let registry = try CommandLineTool.openForReading(arguments)
        let candidates = try given.map { text in
            (label: text, artifact: try registry.artifactID(matching: text))
        }
        let comparison = try registry.compareEvaluations(candidates, lowerIsBetter: lower, higherIsBetter: higher)
        if arguments.flag("json") {
            JSONOutput.print(json(comparison))
        } else {
            print(table(comparison), terminator: "")
        }
    }

    /// The text table: a legend of the columns, then one row per metric.
    static func table(_ comparison: EvaluationComparison) -> String {
        var text = ""
        for (index, column) in comparison.columns.enumerated() {
            let card = column.cardMetrics == nil ? "no card" : "card"
            let label = column.label == column.artifact.description ? "" : "\(column.label)  "
            text +=
                "[\(index + 1)] \(label)\(column.artifact)  (\(card), "
                + "\(column.evaluations.count) evaluation(s))\n"
        }
        var lines: [[String]] = [["METRIC", "BETTER"] + comparison.columns.indices.map { "[\($0 + 1)]" }]
        for row in comparison.rows {
            var line = [row.metric, row.lowerIsBetter ? "lower" : "higher"]
            for (index, cell) in row.cells.enumerated() {
                guard let cell else {
                    line.append("-")
                    continue
                }
                let mark = row.best.contains(index) ? "*" : " "
                line.append("\(mark)\(cell.value) (\(cell.sourceDescription))")
            }
            lines.append(line)
        }
        let widths = (0..<(lines.first?.count ?? 0)).map { column in lines.map { $0[column].count }.max() ?? 0 }
        for line in lines {
            let padded = line.enumerated().map { index, cell in
                index == line.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            text += padded.joined(separator: "  ") + "\n"
        }
        if comparison.rows.isEmpty { text += "no metrics: no candidate has an evaluation card or record\n" }
        text += "* best per metric; card = evaluation-card.json, eval:<status> = newest evaluation record\n"
        return text
    }

    /// The JSON: the columns with their card metrics and evaluations, and one entry per metric.
    static func json(_ comparison: EvaluationComparison) -> JSONValue {
        let columns: [JSONValue] = comparison.columns.map { column in
            var members: [String: JSONValue] = [
                "label": .string(column.label), "artifact": .string(column.artifact.description),
                "evaluations": .array(column.evaluations.map(EvaluationJSON.value)),
            ]
            members["cardMetrics"] = column.cardMetrics.map { .object($0.mapValues(EvaluationJSON.number)) } ?? .null
            return .object(members)
        }
        let metrics: [JSONValue] = comparison.rows.map { row in
            let values: [JSONValue] = row.cells.map { cell in
                guard let cell else { return .null }
                let evaluation = cell.evaluation
                return .object([
                    "value": EvaluationJSON.number(cell.value),
                    "source": .string(evaluation == nil ? "card" : "evaluation"),
                    "status": evaluation.map { .string($0.status.description) } ?? .null,
                    "file": evaluation.map { .string("evaluations/\($0.record.artifact)/\($0.record.fileName)") }
                        ?? .null,
                ])
            }
            return .object([
                "name": .string(row.metric), "better": .string(row.lowerIsBetter ? "lower" : "higher"),
                "values": .array(values), "best": .array(row.best.map { .number(JSONNumber($0)) }),
            ])
        }
        return .object(["columns": .array(columns), "metrics": .array(metrics)])
    }
}
