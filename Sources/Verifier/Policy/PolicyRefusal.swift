import RegistryCore

/// Why the promotion policy refused an alias change, with every unmet requirement as a typed value.
///
/// The registry throws `RegistryError(.policyRefused, refusal.message, path: …, underlying: refusal)`, so code
/// reads the typed list from the refusal error:
///
/// ```swift
/// do {
///     try registry.promote("champion", to: candidate)
/// } catch let error as RegistryError where error.code == .policyRefused {
///     let unmet = (error.underlying as? PolicyRefusal)?.unmet ?? []
///     if unmet.contains(where: { $0.kind == .approval }) { askForApproval() }
/// }
/// ```
///
/// `PolicyRefusal` is `Sendable`: it is an immutable value.
public struct PolicyRefusal: Error, Sendable, CustomStringConvertible {
    /// The change that was refused. The set can grow without breaking callers: this is a struct, not an enum.
    public struct Action: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The action's name: `promote`, `rollback` or `retire`.
        public var description: String { name }

        /// Point the alias at a new target (the rule's promotion requirements).
        public static let promote = Action("promote")
        /// Point the alias back at an earlier target (the rule's `rollback` requirements).
        public static let rollback = Action("rollback")
        /// Remove the alias (the rule's `retire` requirements).
        public static let retire = Action("retire")
    }

    /// The change that was refused.
    public var action: Action
    /// The alias the change was for.
    public var alias: String
    /// The artifact the alias would have pointed at; `nil` for ``Action/retire``.
    public var target: ArtifactID?
    /// The `aliases` pattern of the policy rule that refused.
    public var rulePattern: String
    /// Every unmet requirement, in the order the gate checks them; never empty for a thrown refusal.
    public var unmet: [PromotionPolicy.Requirement]

    /// Creates a refusal.
    ///
    /// - Parameters:
    ///   - action: The change that was refused.
    ///   - alias: The alias the change was for.
    ///   - target: The artifact the alias would have pointed at; `nil` when retiring.
    ///   - rulePattern: The `aliases` pattern of the rule that refused.
    ///   - unmet: Every unmet requirement, as ``PromotionGate`` returned them.
    public init(
        action: Action, alias: String, target: ArtifactID?, rulePattern: String, unmet: [PromotionPolicy.Requirement]
    ) {
        self.action = action
        self.alias = alias
        self.target = target
        self.rulePattern = rulePattern
        self.unmet = unmet
    }

    /// The refusal in plain words with every requirement numbered, for `RegistryError.message`:
    /// `the policy for 'champ*' refuses pointing 'champion' at sha256-…: (1) an approval id is required …`.
    public var message: String {
        let change: String
        switch action {
        case .rollback: change = "rolling '\(alias)' back to \(target.map { "\($0)" } ?? "its previous target")"
        case .retire: change = "retiring '\(alias)'"
        default: change = "pointing '\(alias)' at \(target.map { "\($0)" } ?? "a new target")"
        }
        return "the policy for '\(rulePattern)' refuses \(change): \(numberedList)"
    }

    /// Every unmet requirement's message, numbered: `(1) … ; (2) …`.
    public var numberedList: String {
        unmet.enumerated().map { "(\($0.offset + 1)) \($0.element.message)" }.joined(separator: "; ")
    }

    /// A short summary of the unmet kinds, such as `2 unmet requirement(s): approval, noRegression(loss)`.
    ///
    /// It is short on purpose: `RegistryError.description` appends its underlying error's description to a
    /// message that already lists every requirement in words.
    public var description: String {
        let kinds = unmet.map { item in item.subject.map { "\(item.kind)(\($0))" } ?? "\(item.kind)" }
        return "\(unmet.count) unmet requirement(s): " + kinds.joined(separator: ", ")
    }
}
