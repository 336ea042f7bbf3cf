/// Where an artifact is in its life: `registered`, `validated`, `candidate`, `production`, `deprecated` or
/// `revoked`.
///
/// A closed set: ``init(rawValue:)`` returns nil for any other name, so a state nobody defined cannot be written
/// into a registry (where it would make every later read of the artifact's state fail). Every change is a
/// `state_changed` audit event; the current state is kept in `states/<artifact-id>.json` so that hot paths
/// (resolving an alias) can check it with one `stat`.
///
/// ```swift
/// guard let state = LifecycleState(rawValue: text) else { /* not a state */ }
/// try registry.setState(id, to: .production)
/// ```
public enum LifecycleState: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Just registered: the state of every artifact without a state file. Never a target of a change.
    case registered
    /// Passed verification.
    case validated
    /// Proposed for production.
    case candidate
    /// Serving.
    case production
    /// Still usable, not to be chosen for new work.
    case deprecated
    /// Must not be promoted or served (resolving an alias that points at it fails unless the caller opts in).
    /// Final: a revoked artifact never leaves this state; a corrected model is a new artifact.
    case revoked

    /// Every state, in lifecycle order.
    public static let all: [LifecycleState] = allCases

    /// The name as written in state files and events.
    public var description: String { rawValue }

    /// The state names, comma-separated, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Parses a state name, throwing `.invalidArgument` that lists the states for an unknown one.
    ///
    /// - Parameters:
    ///   - text: the name.
    ///   - context: where the name came from (a file and field, or an option), for the message.
    public init(parsing text: String, context: String = "state") throws {
        guard let state = LifecycleState(rawValue: text) else {
            throw RegistryError(
                .invalidArgument,
                "\(context): '\(NameRules.printable(text))' is not a lifecycle state (\(Self.names))")
        }
        self = state
    }

    /// Whether an artifact in this state may move to `next` (FORMAT.md §12.4).
    ///
    /// `registered` is only ever the starting state; `revoked` is final; every other move, forwards or back
    /// among `validated`, `candidate`, `production` and `deprecated`, and into `revoked`, is allowed.
    public func canMove(to next: LifecycleState) -> Bool {
        next != .registered && self != .revoked && next != self
    }
}
