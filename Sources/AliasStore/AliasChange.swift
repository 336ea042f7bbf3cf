import RegistryCore

/// A proposed change to an alias, handed to the promotion policy before anything is written.
///
/// The umbrella `Registry` builds one under the writer lock, with the alias's *current* record freshly read,
/// and calls the configured policy. A policy that throws vetoes the change and nothing is written.
public struct AliasChange: Sendable {
    /// What kind of change this is.
    public enum Kind: String, Sendable {
        /// Point the alias at a new target.
        case promote
        /// Point the alias back at an earlier target.
        case rollback
    }

    /// Promote or rollback.
    public var kind: Kind
    /// The alias being changed.
    public var alias: String
    /// Its current record, or nil when the alias does not exist yet.
    public var current: AliasRecord?
    /// The artifact it would point at.
    public var target: ArtifactID
    /// Who asks.
    public var actor: String
    /// Why.
    public var reason: String?
    /// The approval presented, if any.
    public var approval: String?
    /// A signed approval document presented with the change, as canonical JSON bytes (the Verifier parses and
    /// checks it), if any.
    public var signedApprovalBytes: [UInt8]?

    /// Creates a change description.
    public init(
        kind: Kind, alias: String, current: AliasRecord?, target: ArtifactID, actor: String, reason: String?,
        approval: String?, signedApprovalBytes: [UInt8]? = nil
    ) {
        self.signedApprovalBytes = signedApprovalBytes
        self.kind = kind
        self.alias = alias
        self.current = current
        self.target = target
        self.actor = actor
        self.reason = reason
        self.approval = approval
    }
}

/// What a caller expects an alias to point at before changing it: the compare in compare-and-swap.
public enum AliasExpectation: Sendable, Hashable {
    /// Change it whatever it points at now.
    case any
    /// Only create it: fail if the alias exists.
    case absent
    /// Only change it if it points at this artifact now.
    case target(ArtifactID)

    /// Throws `.conflict` when `current` does not meet the expectation.
    public func check(_ current: AliasRecord?, alias: String) throws {
        switch (self, current) {
        case (.any, _), (.absent, nil):
            return
        case (.absent, let current?):
            throw RegistryError(
                .conflict,
                "alias '\(alias)' already exists (it points at \(current.artifact)); expected it to be absent")
        case (.target(let expected), nil):
            throw RegistryError(
                .conflict, "alias '\(alias)' does not exist; expected it to point at \(expected)")
        case (.target(let expected), let current?) where current.artifact != expected:
            throw RegistryError(
                .conflict,
                "alias '\(alias)' points at \(current.artifact), not at the expected \(expected): another writer moved "
                    + "it first; nothing was changed")
        case (.target, _):
            return
        }
    }
}
