import RegistryCore

extension PromotionPolicy {
    /// What rolling an alias back requires, from a rule's `"rollback"` object.
    ///
    /// A rollback is an emergency lever: it is never gated by the rule's promotion requirements (a rollback
    /// by definition fails `noRegression`). Without a `"rollback"` object only revocation gates it.
    ///
    /// ```json
    /// "rollback":{"approverKeys":["ed25519:…"],"requireApproval":true,"requireSignedApproval":true}
    /// ```
    ///
    /// `RollbackRule` is `Sendable`: it is an immutable value.
    public struct RollbackRule: Hashable, Sendable {
        /// An approval id (or a signed approval) must be given.
        public var requireApproval = false
        /// A signed approval for exactly this alias and rollback target, by a trusted key, must be presented.
        public var requireSignedApproval = false
        /// If not empty, only these key ids may sign rollback approvals.
        public var approverKeys: [String] = []

        /// Creates a rollback rule.
        ///
        /// - Parameters:
        ///   - requireApproval: An approval id (or a signed approval) must be given.
        ///   - requireSignedApproval: A signed approval for this alias and target must be presented.
        ///   - approverKeys: If not empty, only these key ids may sign rollback approvals.
        public init(requireApproval: Bool = false, requireSignedApproval: Bool = false, approverKeys: [String] = []) {
            self.requireApproval = requireApproval
            self.requireSignedApproval = requireSignedApproval
            self.approverKeys = approverKeys
        }

        init(parsing reader: JSONObjectReader) throws {
            try reader.rejectUnknownKeys(allowed: ["requireApproval", "requireSignedApproval", "approverKeys"])
            requireApproval = try reader.optionalBool("requireApproval") ?? false
            requireSignedApproval = try reader.optionalBool("requireSignedApproval") ?? false
            approverKeys = try reader.optionalStringArray("approverKeys") ?? []
        }

        var jsonValue: JSONValue {
            var fields: [String: JSONValue] = [:]
            if requireApproval { fields["requireApproval"] = .bool(true) }
            if requireSignedApproval { fields["requireSignedApproval"] = .bool(true) }
            if !approverKeys.isEmpty { fields["approverKeys"] = .array(approverKeys.map(JSONValue.string)) }
            return .object(fields)
        }
    }

    /// What retiring (removing) an alias requires, from a rule's `"retire"` object.
    ///
    /// Like a rollback, retiring is never gated by the promotion requirements; without a `"retire"` object it
    /// needs nothing. There is no signed form: a signed approval names an alias and a target artifact but not
    /// the action, so an approval to point an alias at its current target could be replayed to retire it.
    ///
    /// ```json
    /// "retire":{"requireApproval":true}
    /// ```
    ///
    /// `RetireRule` is `Sendable`: it is an immutable value.
    public struct RetireRule: Hashable, Sendable {
        /// An approval id must be given.
        public var requireApproval = false

        /// Creates a retire rule.
        ///
        /// - Parameter requireApproval: An approval id must be given.
        public init(requireApproval: Bool = false) { self.requireApproval = requireApproval }

        init(parsing reader: JSONObjectReader) throws {
            try reader.rejectUnknownKeys(allowed: ["requireApproval"])
            requireApproval = try reader.optionalBool("requireApproval") ?? false
        }

        var jsonValue: JSONValue {
            .object(requireApproval ? ["requireApproval": .bool(true)] : [:])
        }
    }
}
