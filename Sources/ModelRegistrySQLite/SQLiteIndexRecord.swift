#if SQLite
    import IndexBuilder
    import RegistryCore

    /// The `record` blob of a row of `artifacts` (docs/FORMAT.md §16.2): every field of a summary but its id,
    /// name, state and registration sequence (the row's own columns and ordinal), in one compact binary form.
    /// Capabilities and label keys and values are ids of rows of `strings` (a few hundred distinct texts repeated
    /// across a million artifacts); parents are 32-byte digests; times of the log's canonical form are
    /// milliseconds; metric values are IEEE 754 bit patterns, so every `Double` (including `-0.0`) comes back
    /// exactly.
    struct SQLiteIndexRecord {
        var registeredAt: String?
        var fileCount: Int
        var totalSize: Int64
        var parents: [ArtifactID]
        /// String ids, in the summary's order.
        var capabilities: [Int64]
        /// String ids of keys and values, sorted by the key's bytes.
        var labels: [(key: Int64, value: Int64)]
        /// Sorted by name bytes.
        var cardMetrics: [(name: String, value: Double)]
        var evaluationMetrics: [String: ArtifactSummary.EvaluationMetric]

        // MARK: Encoding

        /// The blob.
        func encoded() -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(64)
            if let registeredAt {
                if let milliseconds = SQLiteCanonicalTime.milliseconds(registeredAt),
                    SQLiteCanonicalTime.text(milliseconds) == registeredAt
                {
                    bytes.append(1)
                    SQLiteBytes.appendSigned(milliseconds, to: &bytes)
                } else {
                    bytes.append(2)
                    SQLiteBytes.appendText(registeredAt, to: &bytes)
                }
            } else {
                bytes.append(0)
            }
            SQLiteBytes.appendSigned(Int64(fileCount), to: &bytes)
            SQLiteBytes.appendSigned(totalSize, to: &bytes)
            SQLiteBytes.appendVarint(UInt64(parents.count), to: &bytes)
            for parent in parents { Self.appendID(parent, to: &bytes) }
            SQLiteBytes.appendVarint(UInt64(capabilities.count), to: &bytes)
            for capability in capabilities { SQLiteBytes.appendVarint(UInt64(bitPattern: capability), to: &bytes) }
            SQLiteBytes.appendVarint(UInt64(labels.count), to: &bytes)
            for label in labels {
                SQLiteBytes.appendVarint(UInt64(bitPattern: label.key), to: &bytes)
                SQLiteBytes.appendVarint(UInt64(bitPattern: label.value), to: &bytes)
            }
            SQLiteBytes.appendVarint(UInt64(cardMetrics.count), to: &bytes)
            for metric in cardMetrics {
                SQLiteBytes.appendText(metric.name, to: &bytes)
                SQLiteBytes.appendDouble(metric.value, to: &bytes)
            }
            SQLiteBytes.appendVarint(UInt64(evaluationMetrics.count), to: &bytes)
            for (name, metric) in evaluationMetrics.sorted(by: { bytesPrecede($0.key, $1.key) }) {
                SQLiteBytes.appendText(name, to: &bytes)
                SQLiteBytes.appendDouble(metric.value, to: &bytes)
                SQLiteBytes.appendSigned(metric.sequence, to: &bytes)
            }
            return bytes
        }

        /// A `sha256` id as its 32 digest bytes (tag 0), any other as its text (tag 1).
        private static func appendID(_ id: ArtifactID, to bytes: inout [UInt8]) {
            if id.digest.algorithm == "sha256" {
                bytes.append(0)
                bytes.append(contentsOf: id.digest.bytes)
            } else {
                bytes.append(1)
                SQLiteBytes.appendText(id.description, to: &bytes)
            }
        }

        // MARK: Decoding

        /// Reads a blob written by ``encoded()``.
        ///
        /// - Parameters:
        ///   - bytes: the blob.
        ///   - id: the artifact's id, for the error.
        ///   - path: the database, for the error.
        ///   - parentsOnly: stop after the parents (a lineage walk needs nothing else).
        /// - Throws: ``RegistryError/Code/invalidDocument`` naming the database, the artifact and the field.
        static func decode(_ bytes: [UInt8], id: String, path: String, parentsOnly: Bool = false) throws
            -> SQLiteIndexRecord
        {
            var reader = SQLiteBytes.Reader(bytes)
            func fail(_ field: String, _ detail: String = "is truncated or malformed") -> RegistryError {
                damage(path, id, "record.\(field)", detail)
            }
            var registeredAt: String?
            switch reader.byte() {
            case 0: break
            case 1:
                guard let milliseconds = reader.signed(), let text = SQLiteCanonicalTime.text(milliseconds) else {
                    throw fail("registered_at")
                }
                registeredAt = text
            case 2:
                guard let text = reader.text() else { throw fail("registered_at") }
                registeredAt = text
            default: throw fail("registered_at", "has an unknown tag")
            }
            guard let fileCount = reader.signed(), fileCount >= 0, fileCount <= Int64(Int32.max) else {
                throw fail("file_count")
            }
            guard let totalSize = reader.signed() else { throw fail("total_size") }
            guard let parentCount = reader.count() else { throw fail("parents") }
            var parents: [ArtifactID] = []
            for _ in 0..<parentCount {
                guard let parent = readID(&reader) else { throw fail("parents") }
                parents.append(parent)
            }
            var record = SQLiteIndexRecord(
                registeredAt: registeredAt, fileCount: Int(fileCount), totalSize: totalSize, parents: parents,
                capabilities: [], labels: [], cardMetrics: [], evaluationMetrics: [:])
            if parentsOnly { return record }
            guard let capabilityCount = reader.count() else { throw fail("capabilities") }
            for _ in 0..<capabilityCount {
                guard let string = reader.varint() else { throw fail("capabilities") }
                record.capabilities.append(Int64(bitPattern: string))
            }
            guard let labelCount = reader.count() else { throw fail("labels") }
            for _ in 0..<labelCount {
                guard let key = reader.varint(), let value = reader.varint() else { throw fail("labels") }
                record.labels.append((Int64(bitPattern: key), Int64(bitPattern: value)))
            }
            guard let cardCount = reader.count() else { throw fail("card_metrics") }
            for _ in 0..<cardCount {
                guard let name = reader.text(), let value = reader.double() else { throw fail("card_metrics") }
                record.cardMetrics.append((name, value))
            }
            guard let evaluationCount = reader.count() else { throw fail("evaluation_metrics") }
            for _ in 0..<evaluationCount {
                guard let name = reader.text(), let value = reader.double(), let sequence = reader.signed() else {
                    throw fail("evaluation_metrics")
                }
                record.evaluationMetrics[name] = ArtifactSummary.EvaluationMetric(value: value, sequence: sequence)
            }
            guard reader.isAtEnd else { throw fail("end", "has bytes after the last field") }
            return record
        }

        private static func readID(_ reader: inout SQLiteBytes.Reader) -> ArtifactID? {
            switch reader.byte() {
            case 0:
                guard let digest = reader.take(32) else { return nil }
                return ArtifactID(digest: Digest(algorithm: "sha256", bytes: Array(digest)))
            case 1:
                guard let text = reader.text() else { return nil }
                return ArtifactID(text)
            default: return nil
            }
        }

        // MARK: Ids and keys

        /// The `id` column's value: the 32 digest bytes of a `sha256` id (a BLOB), the text of any other (TEXT).
        static func idValue(_ id: ArtifactID) -> SQLiteConnection.Value {
            id.digest.algorithm == "sha256" ? .bytes(id.digest.bytes) : .text(id.description)
        }

        /// The value `artifacts_by_id` is keyed by: `substr(id, -8)`, the last eight bytes of the digest (or
        /// characters of the text).
        static func idKeyValue(_ id: ArtifactID) -> SQLiteConnection.Value {
            if id.digest.algorithm == "sha256" { return .bytes(Array(id.digest.bytes.suffix(8))) }
            return .text(String(id.description.suffix(8)))
        }

        /// The `id` column read back.
        ///
        /// - Throws: ``RegistryError/Code/invalidDocument`` when it is neither.
        static func id(from row: SQLiteConnection.Row, column: Int32, path: String) throws -> ArtifactID {
            if let bytes = try row.optionalBlob(column) {
                guard bytes.count == 32 else {
                    throw damage(path, "?", "id", "a blob of \(bytes.count) bytes is not a sha256 digest")
                }
                return ArtifactID(digest: Digest(algorithm: "sha256", bytes: bytes))
            }
            let text = try row.text(column)
            guard let id = ArtifactID(text), id.digest.algorithm != "sha256" else {
                throw damage(path, text, "id", "not an artifact id of another algorithm than sha256")
            }
            return id
        }

        /// The 64-bit key a parent id is looked up by in `children`: FNV-1a of its UTF-8 bytes. Lookups compare
        /// the child's parents too, so two ids with one key are still told apart.
        static func key(_ text: String) -> Int64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            return Int64(bitPattern: hash)
        }

        static func damage(_ path: String, _ id: String, _ field: String, _ detail: String) -> RegistryError {
            RegistryError(
                .invalidDocument, "SQLite index \(path): artifact '\(id)', column '\(field)': \(detail)", path: path)
        }
    }
#endif
