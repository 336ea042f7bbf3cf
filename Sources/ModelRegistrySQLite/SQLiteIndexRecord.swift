#if SQLite
    import IndexBuilder
    import RegistryCore

    /// How a summary's fields are stored in the columns of a row of `artifacts` (docs/FORMAT.md §16.2): scalars
    /// as columns, the parents as a space-separated list, capabilities, labels and metrics as lists in
    /// ``SQLiteFieldCodec``'s form. Metric values are stored as the hexadecimal IEEE 754 bit pattern, so every
    /// `Double` (including `-0.0`) comes back exactly.
    enum SQLiteIndexRecord {
        /// The columns a summary is read from, in the order ``summary(from:path:)`` expects.
        static let columns =
            "id, name, state, registered_at, registration_sequence, parents, capabilities, labels, file_count, "
            + "total_size, card_metrics, evaluation_metrics"

        /// The 64-bit key an id (or a name) is looked up by in `artifacts_by_id` and `children`: FNV-1a of its
        /// UTF-8 bytes. Lookups compare the text too, so two ids with one key are still told apart.
        static func key(_ text: String) -> Int64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            return Int64(bitPattern: hash)
        }

        static func encodeParents(_ parents: [ArtifactID]) -> String {
            parents.map(\.description).joined(separator: " ")
        }

        static func encodeLabels(_ labels: [String: String]) -> String {
            SQLiteFieldCodec.encode(
                labels.sorted { bytesPrecede($0.key, $1.key) }.flatMap { [$0.key, $0.value] })
        }

        static func encodeCardMetrics(_ metrics: [String: Double]) -> String {
            SQLiteFieldCodec.encode(
                metrics.sorted { bytesPrecede($0.key, $1.key) }.flatMap { [$0.key, bits($0.value)] })
        }

        static func encodeEvaluationMetrics(_ metrics: [String: ArtifactSummary.EvaluationMetric]) -> String {
            SQLiteFieldCodec.encode(
                metrics.sorted { bytesPrecede($0.key, $1.key) }.flatMap {
                    [$0.key, bits($0.value.value), String($0.value.sequence)]
                })
        }

        static func bits(_ value: Double) -> String { String(value.bitPattern, radix: 16) }

        /// The evaluation metrics column read back.
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the database, the artifact and the column.
        static func evaluationMetrics(
            _ text: String, id: String, path: String
        ) throws -> [String: ArtifactSummary.EvaluationMetric] {
            let items = try list(text, column: "evaluation_metrics", id: id, path: path, arity: 3)
            var metrics: [String: ArtifactSummary.EvaluationMetric] = [:]
            for start in stride(from: 0, to: items.count, by: 3) {
                guard let sequence = Int64(items[start + 2]) else {
                    throw damage(path, id, "evaluation_metrics", "'\(items[start + 2])' is not a sequence number")
                }
                metrics[items[start]] = ArtifactSummary.EvaluationMetric(
                    value: try double(items[start + 1], path, id, "evaluation_metrics"), sequence: sequence)
            }
            return metrics
        }

        /// Reads a row selected with ``columns`` back into a summary.
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the database, the artifact and the column.
        static func summary(from row: SQLiteConnection.Row, path: String) throws -> ArtifactSummary {
            let idText = try row.text(0)
            guard let id = ArtifactID(idText) else { throw damage(path, idText, "id", "not an artifact id") }
            let parentsText = try row.text(5)
            var parents: [ArtifactID] = []
            if !parentsText.isEmpty {
                for text in parentsText.split(separator: " ", omittingEmptySubsequences: false) {
                    guard let parent = ArtifactID(String(text)) else {
                        throw damage(path, idText, "parents", "'\(text)' is not an artifact id")
                    }
                    parents.append(parent)
                }
            }
            let labelItems = try list(try row.text(7), column: "labels", id: idText, path: path, arity: 2)
            var labels: [String: String] = [:]
            for start in stride(from: 0, to: labelItems.count, by: 2) {
                labels[labelItems[start]] = labelItems[start + 1]
            }
            let fileCount = try row.integer(8)
            guard fileCount >= 0, fileCount <= Int64(Int32.max) else {
                throw damage(path, idText, "file_count", "\(fileCount) is out of range")
            }
            var summary = ArtifactSummary(
                id: id, name: try row.text(1), labels: labels, parents: parents, fileCount: Int(fileCount),
                totalSize: try row.integer(9), registeredAt: try row.optionalText(3),
                registrationSequence: try row.optionalInteger(4), state: try row.optionalText(2))
            // Exactly as stored, in their order.
            summary.capabilities = try list(try row.text(6), column: "capabilities", id: idText, path: path, arity: 1)
            let cardItems = try list(try row.text(10), column: "card_metrics", id: idText, path: path, arity: 2)
            var cardMetrics: [String: Double] = [:]
            for start in stride(from: 0, to: cardItems.count, by: 2) {
                cardMetrics[cardItems[start]] = try double(cardItems[start + 1], path, idText, "card_metrics")
            }
            summary.cardMetrics = cardMetrics
            summary.evaluationMetrics = try evaluationMetrics(try row.text(11), id: idText, path: path)
            return summary
        }

        private static func list(_ text: String, column: String, id: String, path: String, arity: Int) throws
            -> [String]
        {
            guard let items = SQLiteFieldCodec.decode(text), items.count % arity == 0 else {
                throw damage(
                    path, id, column,
                    "'\(text.prefix(80))' is not a list of \(arity == 1 ? "items" : "groups of \(arity)")")
            }
            return items
        }

        private static func double(_ text: String, _ path: String, _ id: String, _ column: String) throws -> Double {
            guard let pattern = UInt64(text, radix: 16) else {
                throw damage(path, id, column, "'\(text)' is not a bit pattern")
            }
            return Double(bitPattern: pattern)
        }

        private static func damage(_ path: String, _ id: String, _ column: String, _ detail: String) -> RegistryError {
            RegistryError(
                .invalidDocument, "SQLite index \(path): artifact '\(id)', column '\(column)': \(detail)", path: path)
        }
    }
#endif
