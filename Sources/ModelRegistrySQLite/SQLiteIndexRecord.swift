#if SQLite
    import Foundation
    import IndexBuilder
    import RegistryCore

    /// How a summary's fields are stored in a row of `artifacts` (docs/FORMAT.md §16.2): the facts that never
    /// change as one JSON `record`, the parents as a space-separated list, the evaluation metrics (which later
    /// events change) as their own JSON column. Metric values are stored as the hexadecimal IEEE 754 bit pattern,
    /// so every `Double` (including `-0.0`) comes back exactly.
    enum SQLiteIndexRecord {
        /// The `record` column.
        struct Facts: Codable, Equatable {
            var capabilities: [String]
            var labels: [String: String]
            var fileCount: Int
            var totalSize: Int64
            var cardMetrics: [String: String]
        }

        /// One value of the `evaluation_metrics` column.
        struct Metric: Codable, Equatable {
            var value: String
            var sequence: Int64
        }

        private static func makeEncoder() -> JSONEncoder {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return encoder
        }

        static func encodeFacts(of summary: ArtifactSummary) throws -> String {
            let facts = Facts(
                capabilities: summary.capabilities, labels: summary.labels, fileCount: summary.fileCount,
                totalSize: summary.totalSize, cardMetrics: summary.cardMetrics.mapValues(bits))
            return String(decoding: try makeEncoder().encode(facts), as: UTF8.self)
        }

        static func encodeEvaluationMetrics(_ metrics: [String: ArtifactSummary.EvaluationMetric]) throws -> String {
            let stored = metrics.mapValues { Metric(value: bits($0.value), sequence: $0.sequence) }
            return String(decoding: try makeEncoder().encode(stored), as: UTF8.self)
        }

        static func encodeParents(_ parents: [ArtifactID]) -> String {
            parents.map(\.description).joined(separator: " ")
        }

        static func bits(_ value: Double) -> String { String(value.bitPattern, radix: 16) }

        /// Reads a row back into a summary.
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the database, the artifact and the column.
        static func summary(
            id idText: String, name: String, state: String?, registeredAt: String?, registrationSequence: Int64?,
            parents parentsText: String, record: String, evaluationMetrics: String, path: String
        ) throws -> ArtifactSummary {
            func damage(_ column: String, _ detail: String) -> RegistryError {
                RegistryError(
                    .invalidDocument, "SQLite index \(path): artifact '\(idText)', column '\(column)': \(detail)",
                    path: path)
            }
            guard let id = ArtifactID(idText) else { throw damage("id", "not an artifact id") }
            var parents: [ArtifactID] = []
            if !parentsText.isEmpty {
                for text in parentsText.split(separator: " ", omittingEmptySubsequences: false) {
                    guard let parent = ArtifactID(String(text)) else {
                        throw damage("parents", "'\(text)' is not an artifact id")
                    }
                    parents.append(parent)
                }
            }
            let facts: Facts
            let metrics: [String: Metric]
            do {
                facts = try JSONDecoder().decode(Facts.self, from: Data(record.utf8))
            } catch {
                throw damage("record", "\(error)")
            }
            do {
                metrics = try JSONDecoder().decode([String: Metric].self, from: Data(evaluationMetrics.utf8))
            } catch {
                throw damage("evaluation_metrics", "\(error)")
            }
            func double(_ text: String, _ column: String) throws -> Double {
                guard let pattern = UInt64(text, radix: 16) else {
                    throw damage(column, "'\(text)' is not a bit pattern")
                }
                return Double(bitPattern: pattern)
            }
            var summary = ArtifactSummary(
                id: id, name: name, labels: facts.labels, parents: parents, fileCount: facts.fileCount,
                totalSize: facts.totalSize, registeredAt: registeredAt, registrationSequence: registrationSequence,
                state: state)
            summary.capabilities = facts.capabilities  // exactly as stored, in their order
            summary.cardMetrics = try facts.cardMetrics.mapValues { try double($0, "record") }
            summary.evaluationMetrics = try metrics.mapValues {
                ArtifactSummary.EvaluationMetric(
                    value: try double($0.value, "evaluation_metrics"), sequence: $0.sequence)
            }
            return summary
        }
    }
#endif
