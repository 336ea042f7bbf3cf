import Foundation

/// Async twins with the same names as the blocking calls: the same code runs on the registry's own queue, so a
/// server's cooperative threads never wait on `fsync` or hashing. Cancellation is checked before a change starts,
/// never between writing and publishing.
extension Registry {
    /// Async twin of ``resolve(_:allowRevoked:)``.
    public func resolve(_ alias: String, allowRevoked: Bool = false) async throws -> AliasRecord {
        try await run { try self.resolve(alias, allowRevoked: allowRevoked) }
    }

    /// Async twin of ``openForLoading(_:)``.
    public func openForLoading(_ id: ArtifactID) async throws -> Artifact {
        try await run { try self.openForLoading(id) }
    }

    /// Async twin of ``promote(_:to:expecting:actor:reason:approval:signedApproval:)``.
    @discardableResult
    public func promote(
        _ alias: String, to artifact: ArtifactID, expecting: AliasExpectation = .any, actor: String? = nil,
        reason: String? = nil, approval: String? = nil, signedApproval: SignedApproval? = nil
    ) async throws -> AliasUpdate {
        try Task.checkCancellation()
        return try await run {
            try self.promote(
                alias, to: artifact, expecting: expecting, actor: actor, reason: reason, approval: approval,
                signedApproval: signedApproval)
        }
    }

    /// Async twin of ``rollback(_:to:expecting:actor:reason:approval:)``.
    @discardableResult
    public func rollback(
        _ alias: String, to target: ArtifactID? = nil, expecting: AliasExpectation = .any, actor: String? = nil,
        reason: String? = nil, approval: String? = nil
    ) async throws -> AliasUpdate {
        try Task.checkCancellation()
        return try await run {
            try self.rollback(alias, to: target, expecting: expecting, actor: actor, reason: reason, approval: approval)
        }
    }

    /// Async twin of ``retire(_:expecting:actor:reason:)``.
    @discardableResult
    public func retire(
        _ alias: String, expecting: AliasExpectation = .any, actor: String? = nil, reason: String? = nil
    ) async throws -> AuditEvent {
        try Task.checkCancellation()
        return try await run { try self.retire(alias, expecting: expecting, actor: actor, reason: reason) }
    }

    /// Async twin of ``verify(_:depth:trust:)``.
    public func verify(
        _ id: ArtifactID, depth: VerificationReport.Depth = .full, trust: TrustStore = TrustStore()
    ) async throws -> VerificationReport {
        try await run { try self.verify(id, depth: depth, trust: trust) }
    }

    /// Async twin of ``setState(_:to:reason:actor:)``.
    @discardableResult
    public func setState(_ id: ArtifactID, to state: LifecycleState, reason: String? = nil, actor: String? = nil) async throws -> AuditEvent {
        try Task.checkCancellation()
        return try await run { try self.setState(id, to: state, reason: reason, actor: actor) }
    }

    /// Async twin of ``recover(actor:)``.
    @discardableResult
    public func recover(actor: String? = nil) async throws -> RecoveryReport {
        try await run { try self.recover(actor: actor) }
    }
}
