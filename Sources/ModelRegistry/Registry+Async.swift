import Dispatch
import Foundation

/// Async twins with the same names as the blocking calls, all made by one wrapper (``run(_:)``): the same code
/// runs on the registry's own queue, so a server's cooperative threads never wait on `fsync` or hashing.
/// Cancellation is checked before a call starts, never between writing and publishing.
extension Registry {
    /// Runs blocking registry code on the registry's queue; the one wrapper behind every async twin.
    func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try Task.checkCancellation()
        return try await Self.run(on: queue, body)
    }

    static func run<R: Sendable>(
        on queue: DispatchQueue = .global(), _ body: @escaping @Sendable () throws -> R
    ) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    // MARK: Opening

    /// Async twin of the blocking `create(at:configuration:)` (same parameters and errors), run on the registry's queue.
    public static func create(at root: URL, configuration: Configuration = .init()) async throws -> Registry {
        try Task.checkCancellation()
        return try await run { try create(at: root, configuration: configuration) }
    }

    /// Async twin of the blocking `open(at:configuration:forWriting:)` (same parameters and errors), run on the registry's queue.
    public static func open(
        at root: URL, configuration: Configuration = .init(), forWriting: Bool = true
    ) async throws -> Registry {
        try Task.checkCancellation()
        return try await run { try open(at: root, configuration: configuration, forWriting: forWriting) }
    }

    // MARK: Artifacts

    /// Async twin of the blocking `register(directory:metadata:parents:contract:card:lineage:options:progress:actor:)` (same parameters and errors), run on the registry's queue.
    public func register(
        directory: URL, metadata: ArtifactMetadata, parents: [ArtifactReference] = [],
        contract: ModelContract? = nil, card: EvaluationCard? = nil, lineage: Lineage? = nil,
        options: FileArtifactStore.IngestOptions = .init(),
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil, actor: String? = nil
    ) async throws -> Registration {
        try await run {
            try self.register(
                directory: directory, metadata: metadata, parents: parents, contract: contract, card: card,
                lineage: lineage, options: options, progress: progress, actor: actor)
        }
    }

    /// Async twin of the blocking `register(files:metadata:options:progress:actor:)` (same parameters and errors), run on the registry's queue.
    public func register(
        files: [FileArtifactStore.SourceFile], metadata: ArtifactMetadata,
        options: FileArtifactStore.IngestOptions = .init(),
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil, actor: String? = nil
    ) async throws -> Registration {
        try await run {
            try self.register(files: files, metadata: metadata, options: options, progress: progress, actor: actor)
        }
    }

    /// Async twin of the synchronous `resolve(_:)` for an ``ArtifactReference``.
    public func resolve(_ reference: ArtifactReference) async throws -> ArtifactID {
        try await run { try self.resolve(reference) }
    }

    /// Async twin of the blocking `artifact(_:)` (same parameters and errors), run on the registry's queue.
    public func artifact(_ id: ArtifactID) async throws -> Artifact {
        try await run { try self.artifact(id) }
    }

    /// Async twin of the blocking `listArtifacts()` (same parameters and errors), run on the registry's queue.
    public func listArtifacts() async throws -> [ArtifactID] {
        try await run { try self.listArtifacts() }
    }

    /// Async twin of the blocking `contains(_:)` (same parameters and errors), run on the registry's queue.
    public func contains(_ id: ArtifactID) async throws -> Bool {
        try await run { try self.contains(id) }
    }

    // MARK: Aliases

    /// Async twin of the blocking `resolve(_:allowRevoked:)` (same parameters and errors), run on the registry's queue.
    public func resolve(_ alias: String, allowRevoked: Bool = false) async throws -> AliasRecord {
        try await run { try self.resolve(alias, allowRevoked: allowRevoked) }
    }

    /// Async twin of the blocking `listAliases()` (same parameters and errors), run on the registry's queue.
    public func listAliases() async throws -> [AliasRecord] {
        try await run { try self.listAliases() }
    }

    /// Async twin of the blocking `aliasHistory(_:)` (same parameters and errors), run on the registry's queue.
    public func aliasHistory(_ alias: String) async throws -> [AuditEvent] {
        try await run { try self.aliasHistory(alias) }
    }

    /// Async twin of the blocking `promote(_:to:expecting:actor:reason:approval:signedApproval:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func promote(
        _ alias: String, to artifact: ArtifactID, expecting: AliasExpectation = .any, actor: String? = nil,
        reason: String? = nil, approval: String? = nil, signedApproval: SignedApproval? = nil
    ) async throws -> AliasUpdate {
        try await run {
            try self.promote(
                alias, to: artifact, expecting: expecting, actor: actor, reason: reason, approval: approval,
                signedApproval: signedApproval)
        }
    }

    /// Async twin of the blocking `rollback(_:to:expecting:actor:reason:approval:signedApproval:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func rollback(
        _ alias: String, to target: ArtifactID? = nil, expecting: AliasExpectation = .any, actor: String? = nil,
        reason: String? = nil, approval: String? = nil, signedApproval: SignedApproval? = nil
    ) async throws -> AliasUpdate {
        try await run {
            try self.rollback(
                alias, to: target, expecting: expecting, actor: actor, reason: reason, approval: approval,
                signedApproval: signedApproval)
        }
    }

    /// Async twin of the blocking `retire(_:expecting:actor:reason:approval:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func retire(
        _ alias: String, expecting: AliasExpectation = .any, actor: String? = nil, reason: String? = nil,
        approval: String? = nil
    ) async throws -> AuditEvent {
        try await run {
            try self.retire(alias, expecting: expecting, actor: actor, reason: reason, approval: approval)
        }
    }

    /// Async twin of the blocking `restoreAlias(_:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func restoreAlias(_ alias: String, actor: String? = nil) async throws -> RecoveryReport {
        try await run { try self.restoreAlias(alias, actor: actor) }
    }

    // MARK: Verification and trust

    /// Async twin of the blocking `verify(_:depth:)` (same parameters and errors), run on the registry's queue.
    public func verify(_ id: ArtifactID, depth: VerificationReport.Depth = .full) async throws -> VerificationReport {
        try await run { try self.verify(id, depth: depth) }
    }

    /// Async twin of the blocking `openForLoading(_:)` (same parameters and errors), run on the registry's queue.
    public func openForLoading(_ id: ArtifactID) async throws -> Artifact {
        try await run { try self.openForLoading(id) }
    }

    /// Async twin of the blocking `openForLoading(artifact:)` (same parameters and errors), run on the registry's queue.
    public func openForLoading(artifact id: ArtifactID) async throws -> LoadedArtifact {
        try await run { try self.openForLoading(artifact: id) }
    }

    /// Async twin of the blocking `openForLoading(alias:)` (same parameters and errors), run on the registry's queue: resolves and verifies on the registry's queue.
    public func openForLoading(alias: String) async throws -> LoadedArtifact {
        try await run { try self.openForLoading(alias: alias) }
    }

    /// Async twin of the blocking `sign(_:with:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func sign(_ id: ArtifactID, with signer: any Signer, actor: String? = nil) async throws -> SignatureFile {
        try await run { try self.sign(id, with: signer, actor: actor) }
    }

    // MARK: Policy and states

    /// Async twin of the blocking `promotionPolicy()` (same parameters and errors), run on the registry's queue.
    public func promotionPolicy() async throws -> PromotionPolicy {
        try await run { try self.promotionPolicy() }
    }

    /// Async twin of the blocking `setPromotionPolicy(_:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func setPromotionPolicy(_ policy: PromotionPolicy, actor: String? = nil) async throws -> AuditEvent? {
        try await run { try self.setPromotionPolicy(policy, actor: actor) }
    }

    /// Async twin of the blocking `checkPromotion(_:to:approval:signedApproval:)` (same parameters and errors), run on the registry's queue.
    public func checkPromotion(
        _ alias: String, to target: ArtifactID, approval: String? = nil, signedApproval: SignedApproval? = nil
    ) async throws -> [PromotionPolicy.Requirement] {
        try await run { try self.checkPromotion(alias, to: target, approval: approval, signedApproval: signedApproval) }
    }

    /// Async twin of the blocking `state(of:)` (same parameters and errors), run on the registry's queue.
    public func state(of id: ArtifactID) async throws -> LifecycleState {
        try await run { try self.state(of: id) }
    }

    /// Async twin of the blocking `setState(_:to:reason:actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func setState(
        _ id: ArtifactID, to state: LifecycleState, reason: String? = nil, actor: String? = nil
    ) async throws -> AuditEvent? {
        try await run { try self.setState(id, to: state, reason: reason, actor: actor) }
    }

    /// Async twin of the blocking `recover(actor:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func recover(actor: String? = nil) async throws -> RecoveryReport {
        try await run { try self.recover(actor: actor) }
    }

    // MARK: Checkpoints

    /// Async twin of the blocking `writeCheckpoint(signedBy:)` (same parameters and errors), run on the registry's queue.
    @discardableResult
    public func writeCheckpoint(signedBy key: Ed25519PrivateKey) async throws -> Checkpoint {
        try await run { try self.writeCheckpoint(signedBy: key) }
    }

    /// Async twin of the blocking `checkpoints()` (same parameters and errors), run on the registry's queue.
    public func checkpoints() async throws -> [Checkpoint] {
        try await run { try self.checkpoints() }
    }

    /// Async twin of the blocking `checkLog(against:)` (same parameters and errors), run on the registry's queue.
    public func checkLog(against checkpoints: [Checkpoint]? = nil) async throws -> AnchorReport {
        try await run { try self.checkLog(against: checkpoints) }
    }
}
