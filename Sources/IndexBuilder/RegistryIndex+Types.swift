import RegistryCore

extension RegistryIndex {
    /// A position in the audit log: the last event an index reflects.
    public struct AuditPosition: Hashable, Sendable, CustomStringConvertible {
        /// The event's sequence number; 0 for an empty log.
        public var sequence: Int64
        /// The event's time, or nil for an empty log. Lets a reader that catches up skip the day files before it.
        public var time: String?

        /// Creates a position.
        ///
        /// - Parameters:
        ///   - sequence: the last event's sequence number, 0 for none.
        ///   - time: that event's time.
        public init(sequence: Int64, time: String?) {
            self.sequence = sequence
            self.time = time
        }

        /// The position before the first event.
        public static let start = AuditPosition(sequence: 0, time: nil)

        /// `#12 (2026-11-23T13:37:00.123Z)`.
        public var description: String {
            "#\(sequence)" + (time.map { " (\($0))" } ?? "")
        }
    }

    /// What an index was built from. Every index file carries one (as `builtFrom`), so a reader can tell whether
    /// the index still describes the registry.
    ///
    /// An index is **current** when its stamp's ``auditSequence`` is the log's last sequence number and its
    /// ``artifactCount`` is the number of artifact directories; otherwise it is **stale**.
    public struct Stamp: Hashable, Sendable, CustomStringConvertible {
        /// How many entries of `artifacts/` were artifact ids, counting those whose manifest could not be read.
        public var artifactCount: Int
        /// The sequence number of the last audit event taken into account (0 for an empty log).
        public var auditSequence: Int64
        /// That event's time (nil for an empty log).
        public var auditTime: String?

        /// Creates a stamp.
        ///
        /// - Parameters:
        ///   - artifactCount: the number of artifact directories.
        ///   - auditSequence: the last audit event's sequence number.
        ///   - auditTime: that event's time.
        public init(artifactCount: Int, auditSequence: Int64, auditTime: String?) {
            self.artifactCount = artifactCount
            self.auditSequence = auditSequence
            self.auditTime = auditTime
        }

        /// The audit part of the stamp.
        public var auditPosition: AuditPosition {
            AuditPosition(sequence: auditSequence, time: auditTime)
        }

        /// `12 artifacts, audit #40`.
        public var description: String {
            "\(artifactCount) artifact\(artifactCount == 1 ? "" : "s"), audit \(auditPosition)"
        }
    }

    /// Everything an index holds, as plain values: the input of a full rebuild and the way to move an index
    /// from one backend to another.
    ///
    /// The facts are the summaries (from manifests, bundles and registration events) and the latest state of
    /// each artifact (from `state_changed` events); everything else an index stores is derived from them.
    public struct Contents: Hashable, Sendable {
        /// What the contents were built from.
        public var stamp: Stamp
        /// One summary per readable artifact, sorted by id, each with its ``ArtifactSummary/state`` filled in.
        public var summaries: [ArtifactSummary]
        /// The latest state of every artifact that has one, including artifacts not (or no longer) present.
        public var states: [ArtifactID: String]

        /// Creates contents; the summaries are sorted by id and their states are set from `states`.
        ///
        /// - Parameters:
        ///   - stamp: what the contents were built from.
        ///   - summaries: the summaries, in any order, one per id.
        ///   - states: the latest state of each artifact.
        /// - Complexity: O(*n* log *n*) in the number of summaries.
        public init(stamp: Stamp, summaries: [ArtifactSummary], states: [ArtifactID: String]) {
            self.stamp = stamp
            self.states = states
            self.summaries = summaries.map { (key: $0.id.description, summary: $0) }
                .sorted { bytesPrecede($0.key, $1.key) }
                .map { entry in
                    var summary = entry.summary
                    summary.stateName = states[summary.id]
                    return summary
                }
        }

        /// Creates contents from summaries already sorted by id, setting their states from `states`.
        init(sortedStamp stamp: Stamp, summaries: [ArtifactSummary], states: [ArtifactID: String]) {
            self.stamp = stamp
            self.states = states
            self.summaries = summaries
            if !states.isEmpty {
                for index in self.summaries.indices {
                    if let state = states[self.summaries[index].id] { self.summaries[index].stateName = state }
                }
            }
        }
    }

    /// An artifact an `artifact_collected` event removed (FORMAT.md §9.3.11).
    public struct RemovedArtifact: Hashable, Sendable {
        /// The artifact.
        public var artifact: ArtifactID
        /// The event's sequence number: a registration with a later sequence brings the artifact back.
        public var sequence: Int64

        /// Creates a removal.
        public init(artifact: ArtifactID, sequence: Int64) {
            self.artifact = artifact
            self.sequence = sequence
        }
    }

    /// A lifecycle state recorded by a `state_changed` audit event.
    public struct StateChange: Hashable, Sendable {
        /// The artifact whose state changed.
        public var artifact: ArtifactID
        /// The new state.
        public var state: String
        /// The event's sequence number; a later event wins.
        public var sequence: Int64

        /// Creates a state change.
        ///
        /// - Parameters:
        ///   - artifact: the artifact.
        ///   - state: its new state.
        ///   - sequence: the sequence number of the event that recorded it.
        public init(artifact: ArtifactID, state: String, sequence: Int64) {
            self.artifact = artifact
            self.state = state
            self.sequence = sequence
        }
    }

    /// The metrics of an evaluation record, recorded by an `evaluation_added` audit event (FORMAT.md §12.10).
    public struct EvaluationChange: Hashable, Sendable {
        /// The artifact evaluated.
        public var artifact: ArtifactID
        /// The record's metrics.
        public var metrics: [String: Double]
        /// The event's sequence number; per metric, a later event wins.
        public var sequence: Int64

        /// Creates an evaluation change.
        ///
        /// - Parameters:
        ///   - artifact: the artifact.
        ///   - metrics: the record's metrics.
        ///   - sequence: the sequence number of the event that recorded it.
        public init(artifact: ArtifactID, metrics: [String: Double], sequence: Int64) {
            self.artifact = artifact
            self.metrics = metrics
            self.sequence = sequence
        }
    }

    /// What a run of audit events changes in an index: the input of an incremental update.
    ///
    /// Applying changes is idempotent and order-independent per artifact: a registration only counts when the
    /// index has none with a smaller sequence number, and a state or an evaluation metric only when it is newer than
    /// the one held. So a
    /// reader that caught up in memory can apply a writer's stored update of the same events again.
    public struct Changes: Hashable, Sendable {
        /// The audit position the changes continue from.
        public var after: AuditPosition
        /// The audit position they bring the index to (the last event read, relevant or not).
        public var through: AuditPosition
        /// Artifacts registered by `artifact_registered` events, with ``ArtifactSummary/registeredAt`` and
        /// ``ArtifactSummary/registrationSequence`` set, in log order.
        public var registered: [ArtifactSummary]
        /// Lifecycle states set by `state_changed` events, in log order.
        public var stateChanges: [StateChange]
        /// Evaluation metrics recorded by `evaluation_added` events, in log order.
        public var evaluations: [EvaluationChange]
        /// Artifacts removed by `artifact_collected` events, in log order, each with its event's sequence: the
        /// index drops them (a registration later in the log brings one back).
        public var removed: [RemovedArtifact] = []

        /// Creates a set of changes.
        ///
        /// - Parameters:
        ///   - after: where they continue from.
        ///   - through: where they end.
        ///   - registered: registered artifacts.
        ///   - stateChanges: state changes.
        ///   - evaluations: evaluation metrics.
        public init(
            after: AuditPosition, through: AuditPosition, registered: [ArtifactSummary] = [],
            stateChanges: [StateChange] = [], evaluations: [EvaluationChange] = []
        ) {
            self.after = after
            self.through = through
            self.registered = registered
            self.stateChanges = stateChanges
            self.evaluations = evaluations
        }

        /// Whether the changes only move the audit position forward.
        public var isEmpty: Bool {
            registered.isEmpty && stateChanges.isEmpty && evaluations.isEmpty && removed.isEmpty
        }
    }

    /// Which way to walk the lineage graph.
    public enum LineageDirection: Hashable, Sendable {
        /// Parents, their parents, and so on.
        case ancestors
        /// Children, their children, and so on.
        case descendants
    }

    /// What a rebuild (or a check) found: the problems in the registry that the index had to work around.
    ///
    /// A problem is a value, not a throw: the index is built from everything that could be read, and each thing
    /// that could not is listed here with its path.
    public struct Report: Sendable {
        /// What the index now reflects.
        public var stamp: Stamp
        /// How many artifacts are summarized (``Stamp/artifactCount`` minus unreadable ones).
        public var summaryCount: Int
        /// Everything that was skipped or repaired, in the order found.
        public var findings: [Finding]

        /// Whether nothing was skipped or repaired: the index reflects every artifact and event.
        public var isClean: Bool { findings.isEmpty }

        /// Creates a report.
        ///
        /// - Parameters:
        ///   - stamp: what the index reflects.
        ///   - summaryCount: the number of summaries.
        ///   - findings: the problems found.
        public init(stamp: Stamp, summaryCount: Int, findings: [Finding]) {
            self.stamp = stamp
            self.summaryCount = summaryCount
            self.findings = findings
        }
    }

    /// How the stored index compares with the registry, as ``RegistryIndex/status()`` sees it without changing
    /// anything.
    ///
    /// The index is **current** when ``isClean``: a stored, usable index with the registry's artifact count and
    /// last audit event. Otherwise ``findings`` says why not: a `.damagedIndex` when the stored
    /// index cannot be used, a `.staleIndex` when none is stored or it describes another state.
    public struct Status: Sendable, CustomStringConvertible {
        /// The stamp of the stored index, or nil when none is stored or it is damaged.
        public var stored: Stamp?
        /// The number of artifact directories now.
        public var artifactCount: Int
        /// The audit log's last position now.
        public var auditPosition: AuditPosition
        /// Why the stored index is not current; empty when it is.
        public var findings: [Finding]

        /// Creates a status; the findings follow from the stamps.
        ///
        /// - Parameters:
        ///   - stored: the stored index's stamp, nil when none is stored or it cannot be used.
        ///   - damage: why the stored index cannot be used, when it cannot: reported first, as a
        ///     `.damagedIndex`.
        ///   - artifactCount: the number of artifact directories.
        ///   - auditPosition: the log's last position.
        public init(stored: Stamp?, damage: Finding? = nil, artifactCount: Int, auditPosition: AuditPosition) {
            self.stored = stored
            self.artifactCount = artifactCount
            self.auditPosition = auditPosition
            var findings = damage.map { [$0] } ?? []
            if let stored {
                if stored.artifactCount != artifactCount || stored.auditSequence != auditPosition.sequence {
                    findings.append(
                        Finding(
                            .staleIndex,
                            "index has \(stored); registry has \(artifactCount) artifacts, audit \(auditPosition)"))
                }
            } else if damage == nil {
                findings.append(Finding(.staleIndex, "no index is stored"))
            }
            self.findings = findings
        }

        /// Whether the stored index describes the registry exactly: same artifact count, same last audit event.
        public var isClean: Bool { findings.isEmpty }

        /// Whether the stored index is usable but behind: it can be caught up from the audit log.
        public var isBehind: Bool {
            guard let stored, !findings.contains(where: { $0.kind == .damagedIndex }) else { return false }
            return stored.auditSequence < auditPosition.sequence
        }

        /// `current: 12 artifacts, audit #40`, `stale: …`, or `unusable: …` (damaged, or none stored).
        public var description: String {
            if let damage = findings.first(where: { $0.kind == .damagedIndex }) { return "unusable: \(damage.message)" }
            guard let stored else { return "unusable: " + (findings.first?.message ?? "no index is stored") }
            if isClean { return "current: \(stored)" }
            return "stale: index has \(stored); registry has \(artifactCount) artifacts, audit \(auditPosition)"
        }
    }
}
