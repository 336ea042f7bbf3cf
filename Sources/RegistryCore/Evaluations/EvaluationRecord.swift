import Foundation

/// A detached evaluation of a registered artifact: `evaluations/<id>/<name>.json` (FORMAT.md §12.10).
///
/// The evaluation card (`evaluation-card.json`) is a bundle file and part of the artifact's id, so a harness that
/// evaluates an artifact after it was registered cannot change it. An evaluation record sits outside the artifact,
/// like a signature: adding one never changes the id, it is recorded as `evaluation_added` in the audit log (which
/// carries the whole record, so the file can be re-derived from the log), and it may be signed by an evaluator key
/// so that a promotion policy can require metrics from evaluators it trusts.
///
/// The signed message is the record's canonical JSON **without** its `signature` member and without the trailing
/// newline (``signedBytes()``): the artifact id, the evaluator, the dataset, the metrics, the time and the notes.
///
/// ```
/// {"artifact":"sha256-…","dataset":{"digest":"sha256:…","name":"documents-v3","split":"test"},
///  "evaluatedAt":"2026-11-27T08:00:00.000Z","evaluator":"nightly-harness","metrics":{"accuracy":0.93},
///  "schemaVersion":1,"signature":{"algorithm":"ed25519","keyID":"ed25519:…","value":"<base64>"}}
/// ```
///
/// `EvaluationRecord` is a `Sendable` value.
public struct EvaluationRecord: Hashable, Sendable {
    /// The schema version of evaluation record files.
    public static let schemaVersion = 1

    /// The dataset an evaluation ran on. Only the name is required; the digest makes "the same dataset" checkable.
    public struct Dataset: Hashable, Sendable {
        /// The dataset's name, for example `documents-v3`.
        public var name: String
        /// The dataset's digest (`sha256:…`), if known.
        public var digest: Digest?
        /// The split, for example `test`, if any.
        public var split: String?

        /// Creates a dataset description.
        public init(name: String, digest: Digest? = nil, split: String? = nil) {
            self.name = name
            self.digest = digest
            self.split = split
        }
    }

    /// What a harness measured, before the registry attaches it to an artifact and (optionally) signs it.
    public struct Draft: Hashable, Sendable {
        /// Who evaluated: a free-form name such as `nightly-harness` (a claim; a signature proves the key).
        public var evaluator: String
        /// The dataset, if any.
        public var dataset: Dataset?
        /// Metric name → value; at least one, every value finite.
        public var metrics: [String: Double]
        /// When the evaluation ran (RFC 3339, UTC, milliseconds); nil: the registry's clock when it is added.
        public var evaluatedAt: String?
        /// Free-form notes, if any.
        public var notes: String?

        /// Creates a draft.
        public init(
            evaluator: String, metrics: [String: Double], dataset: Dataset? = nil, evaluatedAt: String? = nil,
            notes: String? = nil
        ) {
            self.evaluator = evaluator
            self.metrics = metrics
            self.dataset = dataset
            self.evaluatedAt = evaluatedAt
            self.notes = notes
        }
    }

    /// The artifact evaluated.
    public var artifact: ArtifactID
    /// Who evaluated (free-form).
    public var evaluator: String
    /// The dataset, if any.
    public var dataset: Dataset?
    /// Metric name → value; at least one, every value finite.
    public var metrics: [String: Double]
    /// When the evaluation ran, RFC 3339.
    public var evaluatedAt: String
    /// Free-form notes, if any.
    public var notes: String?
    /// The evaluator key's signature over ``signedBytes()``, if the record is signed.
    public var signature: Signature?

    /// Creates a record from its parts, checking them.
    ///
    /// - Throws: `.invalidArgument` naming the field: no metrics, a metric that is not finite or has an empty name,
    ///   an empty evaluator or dataset name, a time that is not RFC 3339.
    public init(
        artifact: ArtifactID, evaluator: String, metrics: [String: Double], evaluatedAt: String,
        dataset: Dataset? = nil, notes: String? = nil, signature: Signature? = nil
    ) throws {
        func refuse(_ field: String, _ problem: String) -> RegistryError {
            RegistryError(.invalidArgument, "evaluation of \(artifact): field '\(field)' \(problem)")
        }
        guard !evaluator.isEmpty else { throw refuse("evaluator", "must not be empty") }
        guard !metrics.isEmpty else { throw refuse("metrics", "must contain at least one metric") }
        for (name, value) in metrics {
            guard !name.isEmpty else { throw refuse("metrics", "has a metric with an empty name") }
            guard value.isFinite else { throw refuse("metrics.\(name)", "must be a finite number, not \(value)") }
        }
        if let dataset, dataset.name.isEmpty { throw refuse("dataset.name", "must not be empty") }
        guard Timestamp.parse(evaluatedAt) != nil else {
            throw refuse("evaluatedAt", "'\(evaluatedAt)' is not an RFC 3339 time")
        }
        self.artifact = artifact
        self.evaluator = evaluator
        self.metrics = metrics
        self.evaluatedAt = evaluatedAt
        self.dataset = dataset
        self.notes = notes
        self.signature = signature
    }

    /// The bytes an evaluator key signs: the canonical JSON of the record without `signature`, no newline.
    public func signedBytes() -> [UInt8] {
        CanonicalJSON.encode(.object(members(includingSignature: false)))
    }

    /// The file contents: canonical JSON and a newline.
    public func fileBytes() -> [UInt8] {
        CanonicalJSON.encode(jsonValue) + [0x0A]
    }

    /// The record as a JSON object (what the file holds and what `evaluation_added` carries as `record`).
    public var jsonValue: JSONValue { .object(members(includingSignature: true)) }

    private func members(includingSignature: Bool) -> [String: JSONValue] {
        var members: [String: JSONValue] = [
            "schemaVersion": .number(JSONNumber(Self.schemaVersion)),
            "artifact": .string(artifact.description),
            "evaluator": .string(evaluator),
            // Finite by construction, so every value has a JSON number.
            "metrics": .object(metrics.compactMapValues { JSONNumber($0).map(JSONValue.number) }),
            "evaluatedAt": .string(evaluatedAt),
        ]
        if let dataset {
            var fields: [String: JSONValue] = ["name": .string(dataset.name)]
            if let digest = dataset.digest { fields["digest"] = .string(digest.description) }
            if let split = dataset.split { fields["split"] = .string(split) }
            members["dataset"] = .object(fields)
        }
        if let notes { members["notes"] = .string(notes) }
        if includingSignature, let signature {
            members["signature"] = .object([
                "keyID": .string(signature.keyID), "algorithm": .string(signature.algorithm),
                "value": .string(Data(signature.bytes).base64EncodedString()),
            ])
        }
        return members
    }

    /// Parses an evaluation record file strictly.
    ///
    /// - Parameters:
    ///   - bytes: The file's bytes.
    ///   - source: The file's path, for error messages.
    /// - Throws: `.invalidJSON` (including duplicate members) / `.invalidDocument` naming `source` and the field:
    ///   an unknown member, a missing or mistyped one, no metrics, an unsupported schema version.
    public init(fileBytes bytes: [UInt8], source: String) throws {
        try self.init(reader: JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source))
    }

    /// Reads a record from a JSON object (a file's content or an event's `record` member).
    ///
    /// - Throws: `.invalidDocument` naming the reader's source and the field.
    public init(reader: JSONObjectReader) throws {
        try reader.rejectUnknownKeys(allowed: [
            "schemaVersion", "artifact", "evaluator", "dataset", "metrics", "evaluatedAt", "notes", "signature",
        ])
        guard try reader.integer("schemaVersion") == Int64(Self.schemaVersion) else {
            throw reader.makeError(at: "schemaVersion", "unsupported evaluation record schema version")
        }
        let artifact = try reader.artifactID("artifact")
        let evaluator = try reader.string("evaluator")
        guard !evaluator.isEmpty else { throw reader.makeError(at: "evaluator", "must not be empty") }
        let metricsReader = try reader.object("metrics")
        var metrics: [String: Double] = [:]
        for key in metricsReader.keys {
            guard !key.isEmpty else { throw metricsReader.makeError(at: key, "a metric name must not be empty") }
            metrics[key] = try metricsReader.double(key)
        }
        guard !metrics.isEmpty else { throw reader.makeError(at: "metrics", "must contain at least one metric") }
        let evaluatedAt = try reader.string("evaluatedAt")
        guard Timestamp.parse(evaluatedAt) != nil else {
            throw reader.makeError(at: "evaluatedAt", "'\(evaluatedAt)' is not an RFC 3339 time")
        }
        var dataset: Dataset?
        if let fields = try reader.optionalObject("dataset") {
            try fields.rejectUnknownKeys(allowed: ["name", "digest", "split"])
            let name = try fields.string("name")
            guard !name.isEmpty else { throw fields.makeError(at: "name", "must not be empty") }
            var digest: Digest?
            if let text = try fields.optionalString("digest") {
                guard let parsed = Digest(parsing: text) else {
                    throw fields.makeError(at: "digest", "'\(text)' is not '<algorithm>:<lowercase hex>'")
                }
                digest = parsed
            }
            dataset = Dataset(name: name, digest: digest, split: try fields.optionalString("split"))
        }
        var signature: Signature?
        if let fields = try reader.optionalObject("signature") {
            try fields.rejectUnknownKeys(allowed: ["keyID", "algorithm", "value"])
            guard let bytes = Data(base64Encoded: try fields.string("value")) else {
                throw fields.makeError(at: "value", "is not base64")
            }
            signature = Signature(
                keyID: try fields.string("keyID"), algorithm: try fields.string("algorithm"), bytes: Array(bytes))
        }
        self.artifact = artifact
        self.evaluator = evaluator
        self.metrics = metrics
        self.evaluatedAt = evaluatedAt
        self.dataset = dataset
        self.notes = try reader.optionalString("notes")
        self.signature = signature
    }

    /// The record's file name (FORMAT.md §12.10): the first 16 lowercase hex digits of the SHA-256 of
    /// ``fileBytes()``, then `.json`. Two different records never share a name in practice, and the same record
    /// always gets the same one, so adding it again changes nothing.
    public var fileName: String {
        "\(SHA256Algorithm().hash(fileBytes()).hex.prefix(16)).json"
    }
}
