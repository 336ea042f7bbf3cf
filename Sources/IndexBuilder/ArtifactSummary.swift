import ArtifactStore
import RegistryCore

/// What the index knows about one artifact: the result type of every query.
///
/// A summary joins three sources: the artifact's manifest (name, capabilities, labels, parents, file count and
/// size), its bundle's optional `lineage.json` (more parents), and the audit log (when it was registered and its
/// latest lifecycle state). It is a snapshot taken from a cache: to load the model, open the artifact itself
/// with `FileArtifactStore.artifact(_:)`, which checks the manifest against the id.
///
/// ```swift
/// for summary in try index.query(IndexQuery(capabilities: ["text-classification"], limit: 5)) {
///     print(summary.id, summary.name, summary.state ?? "-")
/// }
/// ```
///
/// `ArtifactSummary` is a `Sendable` value.
public struct ArtifactSummary: Hashable, Sendable {
    /// The fields, in one shared, copy-on-write box: a query that returns thousands of summaries copies one
    /// reference per summary instead of every string, array and dictionary.
    private final class Storage: @unchecked Sendable {
        var id: ArtifactID
        var name: String
        var capabilities: [String]
        var labels: [String: String]
        var parents: [ArtifactID]
        var fileCount: Int
        var totalSize: Int64
        var registeredAt: String?
        var registrationSequence: Int64?
        var state: String?
        var cardMetrics: [String: Double] = [:]
        var evaluationMetrics: [String: EvaluationMetric] = [:]

        init(
            id: ArtifactID, name: String, capabilities: [String], labels: [String: String], parents: [ArtifactID],
            fileCount: Int, totalSize: Int64, registeredAt: String?, registrationSequence: Int64?, state: String?
        ) {
            self.id = id
            self.name = name
            self.capabilities = capabilities
            self.labels = labels
            self.parents = parents
            self.fileCount = fileCount
            self.totalSize = totalSize
            self.registeredAt = registeredAt
            self.registrationSequence = registrationSequence
            self.state = state
        }

        func copy() -> Storage {
            let copy = Storage(
                id: id, name: name, capabilities: capabilities, labels: labels, parents: parents, fileCount: fileCount,
                totalSize: totalSize, registeredAt: registeredAt, registrationSequence: registrationSequence,
                state: state)
            copy.cardMetrics = cardMetrics
            copy.evaluationMetrics = evaluationMetrics
            return copy
        }
    }

    // Mutated only through `unique()`, so a shared box is never written: copy-on-write like the standard
    // collections, which makes the unchecked `Sendable` of `Storage` sound.
    private var storage: Storage

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// The artifact's id.
    public var id: ArtifactID {
        get { storage.id }
        set { unique().id = newValue }
    }
    /// The manifest's `name`.
    public var name: String {
        get { storage.name }
        set { unique().name = newValue }
    }
    /// The manifest's capabilities, sorted and without duplicates.
    public var capabilities: [String] {
        get { storage.capabilities }
        set { unique().capabilities = newValue }
    }
    /// The manifest's labels.
    public var labels: [String: String] {
        get { storage.labels }
        set { unique().labels = newValue }
    }
    /// The artifacts this one derives from: the manifest's `parents` in their order, then the parents listed in
    /// the bundle's `lineage.json` that the manifest does not already name, in their order. Parents need not be
    /// present in the registry.
    public var parents: [ArtifactID] {
        get { storage.parents }
        set { unique().parents = newValue }
    }
    /// How many files the manifest lists.
    public var fileCount: Int {
        get { storage.fileCount }
        set { unique().fileCount = newValue }
    }
    /// The sum of the listed file sizes, in bytes.
    public var totalSize: Int64 {
        get { storage.totalSize }
        set { unique().totalSize = newValue }
    }
    /// The time of the artifact's `artifact_registered` audit event (RFC 3339, UTC, milliseconds), or nil when
    /// the log has no such event (an artifact directory copied in by hand, until `Registry.adopt` records it).
    public var registeredAt: String? {
        get { storage.registeredAt }
        set { unique().registeredAt = newValue }
    }
    /// The sequence number of that event; the order of "most recent" results. Nil exactly when
    /// ``registeredAt`` is nil.
    public var registrationSequence: Int64? {
        get { storage.registrationSequence }
        set { unique().registrationSequence = newValue }
    }
    /// The `state` of the latest `state_changed` audit event for this artifact, or nil when there is none
    /// (the artifact is `registered`).
    public var state: LifecycleState? {
        get { storage.state.flatMap(LifecycleState.init(rawValue:)) }
        set { unique().state = newValue?.rawValue }
    }
    /// The metrics of the bundle's `evaluation-card.json` (FORMAT.md §12.7), empty when it has none or one that does
    /// not match its manifest entry or does not parse. Part of the artifact, so they never change.
    public var cardMetrics: [String: Double] {
        get { storage.cardMetrics }
        set { unique().cardMetrics = newValue }
    }
    /// The metrics of the artifact's evaluation records (FORMAT.md §12.10), each from the last `evaluation_added`
    /// event that reports it, in log order. Claims, not checked against any key: the index serves every reader,
    /// whatever it trusts; `Registry.evaluations(of:)` says which records are signed by a trusted evaluator.
    public var evaluationMetrics: [String: EvaluationMetric] {
        get { storage.evaluationMetrics }
        set { unique().evaluationMetrics = newValue }
    }

    /// One metric of an evaluation record, as the index holds it.
    public struct EvaluationMetric: Hashable, Sendable {
        /// The value.
        public var value: Double
        /// The sequence number of the `evaluation_added` event that recorded it; a later event wins.
        public var sequence: Int64

        /// Creates a metric value.
        public init(value: Double, sequence: Int64) {
            self.value = value
            self.sequence = sequence
        }
    }

    /// The state as stored in the index files.
    var stateName: String? {
        get { storage.state }
        set { unique().state = newValue }
    }

    /// Creates a summary from its parts.
    ///
    /// - Parameters:
    ///   - id: the artifact's id.
    ///   - name: the manifest's name.
    ///   - capabilities: the manifest's capabilities; stored sorted and without duplicates.
    ///   - labels: the manifest's labels.
    ///   - parents: the parents, in lineage order, without duplicates.
    ///   - fileCount: the number of files.
    ///   - totalSize: the total size in bytes.
    ///   - registeredAt: the registration event's time.
    ///   - registrationSequence: the registration event's sequence number.
    ///   - state: the latest lifecycle state.
    public init(
        id: ArtifactID, name: String, capabilities: [String] = [], labels: [String: String] = [:],
        parents: [ArtifactID] = [], fileCount: Int = 0, totalSize: Int64 = 0, registeredAt: String? = nil,
        registrationSequence: Int64? = nil, state: String? = nil
    ) {
        let sorted = capabilities.count < 2 ? capabilities : Array(Set(capabilities)).sorted { bytesPrecede($0, $1) }
        storage = Storage(
            id: id, name: name, capabilities: sorted, labels: labels, parents: parents, fileCount: fileCount,
            totalSize: totalSize, registeredAt: registeredAt, registrationSequence: registrationSequence, state: state)
    }

    /// Whether two summaries hold the same values.
    public static func == (lhs: ArtifactSummary, rhs: ArtifactSummary) -> Bool {
        if lhs.storage === rhs.storage { return true }
        let a = lhs.storage
        let b = rhs.storage
        return a.id == b.id && a.name == b.name && a.capabilities == b.capabilities && a.labels == b.labels
            && a.parents == b.parents && a.fileCount == b.fileCount && a.totalSize == b.totalSize
            && a.registeredAt == b.registeredAt && a.registrationSequence == b.registrationSequence
            && a.state == b.state && a.cardMetrics == b.cardMetrics && a.evaluationMetrics == b.evaluationMetrics
    }

    /// Hashes the values that ``==(_:_:)`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.id)
        hasher.combine(storage.name)
        hasher.combine(storage.capabilities)
        hasher.combine(storage.labels)
        hasher.combine(storage.parents)
        hasher.combine(storage.fileCount)
        hasher.combine(storage.totalSize)
        hasher.combine(storage.registeredAt)
        hasher.combine(storage.registrationSequence)
        hasher.combine(storage.state)
        hasher.combine(storage.cardMetrics)
        hasher.combine(storage.evaluationMetrics)
    }

    /// Creates a summary whose capabilities are already sorted and unique (a decoder checks that by re-encoding).
    init(
        id: ArtifactID, name: String, sortedCapabilities: [String], labels: [String: String], parents: [ArtifactID],
        fileCount: Int, totalSize: Int64, registeredAt: String?, registrationSequence: Int64?
    ) {
        storage = Storage(
            id: id, name: name, capabilities: sortedCapabilities, labels: labels, parents: parents,
            fileCount: fileCount,
            totalSize: totalSize, registeredAt: registeredAt, registrationSequence: registrationSequence, state: nil)
    }

    /// Creates the summary of a published artifact, before the audit log is consulted.
    ///
    /// - Parameters:
    ///   - artifact: the artifact, as `FileArtifactStore.artifact(_:)` returns it.
    ///   - lineageParents: the parents its `lineage.json` lists; those the manifest already names are skipped.
    /// - Complexity: O(*p* + *c* log *c*) for *p* parents and *c* capabilities.
    public init(artifact: Artifact, lineageParents: [ArtifactID] = []) {
        let metadata = artifact.manifest.metadata
        var parents = metadata.parents
        var seen = Set(parents)
        for parent in lineageParents where parent != artifact.id && seen.insert(parent).inserted {
            parents.append(parent)
        }
        self.init(
            id: artifact.id, name: metadata.name, capabilities: metadata.capabilities, labels: metadata.labels,
            parents: parents, fileCount: artifact.manifest.files.count, totalSize: artifact.manifest.totalSize)
    }

    /// The same summary without the facts that come from the audit log: what the manifest and bundle alone say.
    var withoutAuditFacts: ArtifactSummary {
        var copy = self
        copy.registeredAt = nil
        copy.registrationSequence = nil
        copy.state = nil
        copy.evaluationMetrics = [:]
        return copy
    }

    /// Takes the metrics of an `evaluation_added` event: each replaces the held value when the event is later.
    mutating func merge(evaluationMetrics metrics: [String: Double], sequence: Int64) {
        for (name, value) in metrics where (evaluationMetrics[name]?.sequence ?? 0) < sequence {
            evaluationMetrics[name] = EvaluationMetric(value: value, sequence: sequence)
        }
    }
}

extension ArtifactSummary: CustomStringConvertible {
    /// One line for logs and the CLI: `sha256-… name [capabilities] state`.
    public var description: String {
        var text = "\(id) \(name)"
        if !capabilities.isEmpty { text += " [" + capabilities.joined(separator: ", ") + "]" }
        if let state { text += " (\(state))" }
        return text
    }
}

// MARK: - The record on disk

extension ArtifactSummary {
    /// The members a summary record has on disk (in `summaries.json` and `updates.jsonl`).
    static let recordKeys: Set<String> = [
        "id", "name", "capabilities", "labels", "parents", "fileCount", "totalSize", "registeredAt",
        "registrationSequence", "cardMetrics", "evaluationMetrics",
    ]

    /// Appends the canonical JSON of the summary's record. The state is not part of the record: it lives in
    /// `by-state.json`.
    func appendRecord(to output: inout CanonicalWriter) {
        output.object { members in
            members.member("capabilities") { $0.stringArray(capabilities) }
            if !cardMetrics.isEmpty { members.member("cardMetrics") { $0.numberMap(cardMetrics) } }
            if !evaluationMetrics.isEmpty {
                members.member("evaluationMetrics") { output in
                    output.object { metrics in
                        for name in evaluationMetrics.keys.sorted(by: canonicalKeyPrecedes) {
                            guard let metric = evaluationMetrics[name] else { continue }
                            metrics.member(name) { field in
                                field.object { pair in
                                    pair.member("sequence") { $0.integer(metric.sequence) }
                                    pair.member("value") { $0.number(metric.value) }
                                }
                            }
                        }
                    }
                }
            }
            members.member("fileCount") { $0.integer(Int64(fileCount)) }
            members.member("id") { $0.artifactID(id) }
            members.member("labels") { $0.stringMap(labels) }
            members.member("name") { $0.string(name) }
            members.member("parents") { $0.artifactIDs(parents) }
            if let registeredAt { members.member("registeredAt") { $0.string(registeredAt) } }
            if let registrationSequence {
                members.member("registrationSequence") { $0.integer(registrationSequence) }
            }
            members.member("totalSize") { $0.integer(totalSize) }
        }
    }

    /// Reads a summary record strictly: every member typed and in range, no unknown members.
    init(record: JSONObjectReader) throws {
        try record.rejectUnknownKeys(allowed: Self.recordKeys)
        let idText = try record.string("id")
        guard let id = ArtifactID(idText) else { throw record.makeError(at: "id", "'\(idText)' is not an artifact id") }
        var parents: [ArtifactID] = []
        for (index, text) in try record.stringArray("parents").enumerated() {
            guard let parent = ArtifactID(text) else {
                throw record.makeError(at: "parents", "element \(index), '\(text)', is not an artifact id")
            }
            parents.append(parent)
        }
        guard Set(parents).count == parents.count else {
            throw record.makeError(at: "parents", "a parent is listed twice")
        }
        let capabilities = try record.stringArray("capabilities")
        let registeredAt = try record.optionalString("registeredAt")
        let sequence = try record.optionalInteger("registrationSequence", in: 1...JSONObjectReader.maximumSafeInteger)
        guard (registeredAt == nil) == (sequence == nil) else {
            throw record.makeError(at: nil, "registeredAt and registrationSequence must be present together")
        }
        self.init(
            id: id, name: try record.string("name"), capabilities: capabilities, labels: try record.stringMap("labels"),
            parents: parents,
            fileCount: Int(try record.integer("fileCount", in: 0...JSONObjectReader.maximumSafeInteger)),
            totalSize: try record.integer("totalSize", in: 0...JSONObjectReader.maximumSafeInteger),
            registeredAt: registeredAt, registrationSequence: sequence)
        if self.capabilities != capabilities {
            throw record.makeError(at: "capabilities", "must be sorted and free of duplicates")
        }
        try readMetrics(record)
    }

    /// Reads the optional `cardMetrics` and `evaluationMetrics` members of a record (absent when empty).
    mutating func readMetrics(_ record: JSONObjectReader) throws {
        if let card = try record.optionalObject("cardMetrics") {
            guard !card.keys.isEmpty else {
                throw record.makeError(at: "cardMetrics", "is written only when not empty")
            }
            for name in card.keys { cardMetrics[name] = try card.double(name) }
        }
        if let evaluations = try record.optionalObject("evaluationMetrics") {
            guard !evaluations.keys.isEmpty else {
                throw record.makeError(at: "evaluationMetrics", "is written only when not empty")
            }
            for name in evaluations.keys {
                let metric = try evaluations.object(name)
                try metric.rejectUnknownKeys(allowed: ["sequence", "value"])
                evaluationMetrics[name] = EvaluationMetric(
                    value: try metric.double("value"),
                    sequence: try metric.integer("sequence", in: 1...JSONObjectReader.maximumSafeInteger))
            }
        }
    }
}
