import Foundation

extension Registry {
    /// The evaluation record files (`evaluations/<id>/`), for reading them without the trust check of
    /// ``evaluations(of:)-3912g``.
    public var evaluationStore: FileEvaluationStore { FileEvaluationStore(layout: layout) }

    /// Attaches a detached evaluation record to a registered artifact and records `evaluation_added`, so that a
    /// harness can evaluate an artifact after it was registered without registering a new one (the evaluation card
    /// is part of the artifact's id; this record is not). Signing, when a signer is given, happens before the writer
    /// lock is taken (a remote signer may be slow).
    ///
    /// ```swift
    /// let record = try registry.addEvaluation(
    ///     .init(evaluator: "nightly-harness", metrics: ["accuracy": 0.93],
    ///           dataset: .init(name: "documents-v3", split: "test")),
    ///     to: candidate, signedBy: evaluatorKey)
    /// ```
    ///
    /// - Parameters:
    ///   - draft: What was measured; a nil `evaluatedAt` takes the registry's clock.
    ///   - id: The artifact evaluated.
    ///   - signer: The evaluator key that signs ``EvaluationRecord/signedBytes()``, if any. A promotion policy's
    ///     `evaluationMetrics` counts only records signed by a trusted key.
    ///   - actor: Who is acting, for the audit log; default ``Configuration/actor``.
    /// - Returns: The record (also when the same record was already attached: nothing is written).
    /// - Throws: `.notFound` for an unknown artifact; `.invalidArgument` for a draft with no metrics, a non-finite
    ///   metric or a malformed time; whatever the signer throws; `.lockTimeout`; I/O errors (after the event was
    ///   appended, the error says the evaluation is recorded; ``recover(actor:)-7k7gj`` writes its file).
    /// - Durability: `evaluation_added` (carrying the record) is appended and synced first, then the record file is
    ///   written atomically (unique temp file, fsync, rename, directory fsync).
    @discardableResult
    public func addEvaluation(
        _ draft: EvaluationRecord.Draft, to id: ArtifactID, signedBy signer: (any Signer)? = nil,
        actor: String? = nil
    ) throws -> EvaluationRecord {
        try artifacts.requireContains(id)
        let time: String
        if let given = draft.evaluatedAt {
            time = given
        } else {
            let now = configuration.clock()
            guard let formatted = Timestamp.format(now) else {
                throw RegistryError(
                    .invalidArgument, "the clock reads \(now), outside the years 0000-9999 a registry can record")
            }
            time = formatted
        }
        var record = try EvaluationRecord(
            artifact: id, evaluator: draft.evaluator, metrics: draft.metrics, evaluatedAt: time,
            dataset: draft.dataset, notes: draft.notes)
        if let signer { record.signature = try signer.signature(for: record.signedBytes()) }
        _ = try commit(record, to: JournaledEvaluations(store: evaluationStore, artifacts: artifacts), actor: actor)
        return record
    }

    /// The evaluation records of an artifact, oldest first, each with what its signature proves under
    /// ``Configuration/trust``.
    ///
    /// - Returns: Every record file that parses; a damaged one is left out (``fsck(depth:)`` reports it).
    /// - Throws: `.notFound` for an unknown artifact; I/O errors.
    /// - Complexity: reads every record file of the artifact and verifies each signature.
    public func evaluations(of id: ArtifactID) throws -> [CheckedEvaluation] {
        try artifacts.requireContains(id)
        return try evaluationStore.records(of: id).map { CheckedEvaluation($0, trust: configuration.trust) }
    }

    /// Async twin of the blocking `addEvaluation(_:to:signedBy:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func addEvaluation(
        _ draft: EvaluationRecord.Draft, to id: ArtifactID, signedBy signer: (any Signer)? = nil,
        actor: String? = nil
    ) async throws -> EvaluationRecord {
        try await run { try self.addEvaluation(draft, to: id, signedBy: signer, actor: actor) }
    }

    /// Async twin of the blocking `evaluations(of:)` (same parameters and errors), run on the registry's queue.
    public func evaluations(of id: ArtifactID) async throws -> [CheckedEvaluation] {
        try await run { try self.evaluations(of: id) }
    }
}
