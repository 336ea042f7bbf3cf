import RegistryCore

/// What promoting an alias requires, per alias pattern, from the registry's `policy.json`.
///
/// ```json
/// {"rules":[{"aliases":"document-classifier-*","requireApproval":true,"requireCompatibleContract":true,
///   "requireEvaluationCard":true,"requireVerifiedDigests":true,"requiredSignatures":1,
///   "metrics":{"accuracy":{"minimum":0.9}},"noRegression":{"loss":{"better":"lower","tolerance":0.02},
///   "macro_f1":0.01},"rollback":{"requireApproval":true},"retire":{"requireApproval":true}}],"schemaVersion":1}
/// ```
///
/// The first rule whose pattern matches the alias applies; an alias no rule matches has no requirements.
/// Patterns are alias names where `*` matches any run of characters. A rule's promotion requirements gate
/// promotions only; rollbacks and retirements are gated by the rule's own ``Rule/rollback`` and
/// ``Rule/retire`` (nothing when absent). ``PromotionGate`` evaluates all three; FORMAT.md §12.5 lists the fields.
public struct PromotionPolicy: Hashable, Sendable {
    /// The schema version of policy files.
    public static let schemaVersion = 1

    /// One rule.
    public struct Rule: Hashable, Sendable {
        /// Alias pattern (FORMAT.md §12.5): alias-name characters (`a–z 0–9 - _ .`) and `*`, which matches any run
        /// of characters, the empty run included. Every other character is refused when the policy is parsed, so a
        /// rule can never silently fail to match because of a typo in its case or syntax. No escapes are needed:
        /// alias names cannot contain `*`.
        public var aliases: String
        /// Re-hash every file of the target before promoting.
        public var requireVerifiedDigests = false
        /// Valid signatures from distinct trusted keys required.
        public var requiredSignatures = 0
        /// If not empty, only these key ids count toward ``requiredSignatures``.
        public var trustedKeys: [String] = []
        /// The target must carry a valid `contract.json`.
        public var requireContract = false
        /// The target's contract must be compatible with the current target's (implies ``requireContract``).
        public var requireCompatibleContract = false
        /// The target must carry a valid `evaluation-card.json`.
        public var requireEvaluationCard = false
        /// Metric thresholds: name → (minimum, maximum), either optional.
        public var metrics: [String: Bounds] = [:]
        /// Metric thresholds on detached evaluation records (FORMAT.md §12.10): name → bounds, met by the newest
        /// record of the target that reports the metric and is signed by a trusted key (one of
        /// ``trustedEvaluators`` when that is not empty). Unsigned records and records by other keys never count.
        public var evaluationMetrics: [String: Bounds] = [:]
        /// If not empty, only records signed by these key ids count toward ``evaluationMetrics``.
        public var trustedEvaluators: [String] = []
        /// Metric name → how much, and in which direction, it may get worse than the current target's value.
        public var noRegression: [String: Regression] = [:]
        /// An approval id must be given.
        public var requireApproval = false
        /// A signed approval for exactly this alias and artifact, by a trusted key, must be presented.
        public var requireSignedApproval = false
        /// If not empty, only these key ids may sign approvals.
        public var approverKeys: [String] = []
        /// What a rollback of a matching alias requires; `nil`: nothing (only revocation gates a rollback).
        public var rollback: RollbackRule?
        /// What retiring a matching alias requires; `nil`: nothing.
        public var retire: RetireRule?

        /// Inclusive bounds for a metric.
        public struct Bounds: Hashable, Sendable {
            /// The smallest value allowed, if any.
            public var minimum: Double?
            /// The largest value allowed, if any.
            public var maximum: Double?
            /// Creates bounds; `nil` leaves that side open.
            public init(minimum: Double? = nil, maximum: Double? = nil) {
                self.minimum = minimum
                self.maximum = maximum
            }
        }

        /// Creates a rule for an alias pattern with no requirements.
        public init(aliases: String) { self.aliases = aliases }

        /// Whether this rule applies to `alias`.
        public func matches(_ alias: String) -> Bool {
            Self.glob(Array(aliases.utf8)[...], Array(alias.utf8)[...])
        }

        /// Whether `pattern` is a valid ``aliases`` pattern: 1–128 bytes of `a–z 0–9 - _ .` and `*`.
        public static func isValidPattern(_ pattern: String) -> Bool {
            let bytes = Array(pattern.utf8)
            return (1...128).contains(bytes.count)
                && bytes.allSatisfy { byte in
                    switch byte {
                    case 0x61...0x7A, 0x30...0x39, 0x2D, 0x5F, 0x2E, 0x2A: true
                    default: false
                    }
                }
        }

        private static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
            guard let first = pattern.first else { return text.isEmpty }
            if first == 0x2A {  // *
                var rest = text
                while true {
                    if glob(pattern.dropFirst(), rest) { return true }
                    guard !rest.isEmpty else { return false }
                    rest = rest.dropFirst()
                }
            }
            guard let head = text.first, head == first else { return false }
            return glob(pattern.dropFirst(), text.dropFirst())
        }
    }

    /// The rules, first match wins.
    public var rules: [Rule]

    /// Creates a policy.
    public init(rules: [Rule] = []) { self.rules = rules }

    /// The rule for `alias`, if any.
    public func rule(for alias: String) -> Rule? { rules.first { $0.matches(alias) } }

    /// Parses `policy.json`.
    ///
    /// - Parameters:
    ///   - bytes: The file's bytes.
    ///   - source: The file's path or name, for error messages.
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming the file and field; nothing is promoted while the
    ///   policy does not parse.
    public init(parsing bytes: [UInt8], source: String) throws {
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: source), source: source)
        try reader.rejectUnknownKeys(allowed: ["schemaVersion", "rules"])
        guard try reader.integer("schemaVersion") == Int64(Self.schemaVersion) else {
            throw reader.makeError(at: "schemaVersion", "unsupported policy schema version")
        }
        rules = try reader.objects("rules").map { rule in
            try rule.rejectUnknownKeys(allowed: [
                "aliases", "requireVerifiedDigests", "requiredSignatures", "trustedKeys", "requireContract",
                "requireCompatibleContract", "requireEvaluationCard", "metrics", "noRegression", "requireApproval",
                "requireSignedApproval", "approverKeys", "rollback", "retire", "evaluationMetrics", "trustedEvaluators",
            ])
            let pattern = try rule.string("aliases")
            guard Rule.isValidPattern(pattern) else {
                throw rule.makeError(
                    at: "aliases",
                    "'\(NameRules.printable(pattern))' is not an alias pattern: 1–128 bytes of a–z 0–9 - _ . and *")
            }
            var result = Rule(aliases: pattern)
            result.requireVerifiedDigests = try rule.optionalBool("requireVerifiedDigests") ?? false
            result.requiredSignatures = Int(try rule.optionalInteger("requiredSignatures", in: 0...64) ?? 0)
            result.trustedKeys = try rule.optionalStringArray("trustedKeys") ?? []
            result.requireContract = try rule.optionalBool("requireContract") ?? false
            result.requireCompatibleContract = try rule.optionalBool("requireCompatibleContract") ?? false
            result.requireEvaluationCard = try rule.optionalBool("requireEvaluationCard") ?? false
            result.requireApproval = try rule.optionalBool("requireApproval") ?? false
            result.requireSignedApproval = try rule.optionalBool("requireSignedApproval") ?? false
            result.approverKeys = try rule.optionalStringArray("approverKeys") ?? []
            result.metrics = try Self.bounds(rule, "metrics")
            result.evaluationMetrics = try Self.bounds(rule, "evaluationMetrics")
            result.trustedEvaluators = try rule.optionalStringArray("trustedEvaluators") ?? []
            if let regression = try rule.optionalObject("noRegression") {
                for name in regression.keys {
                    result.noRegression[name] = try Rule.Regression(parsing: regression, key: name)
                }
            }
            result.rollback = try rule.optionalObject("rollback").map(RollbackRule.init(parsing:))
            result.retire = try rule.optionalObject("retire").map(RetireRule.init(parsing:))
            return result
        }
    }

    /// The policy as canonical JSON (what `policy.json` holds).
    public func fileBytes() -> [UInt8] {
        let rules: [JSONValue] = self.rules.map { rule in
            var fields: [String: JSONValue] = ["aliases": .string(rule.aliases)]
            if rule.requireVerifiedDigests { fields["requireVerifiedDigests"] = .bool(true) }
            if rule.requiredSignatures > 0 {
                fields["requiredSignatures"] = .number(JSONNumber(rule.requiredSignatures))
            }
            if !rule.trustedKeys.isEmpty { fields["trustedKeys"] = .array(rule.trustedKeys.map(JSONValue.string)) }
            if rule.requireContract { fields["requireContract"] = .bool(true) }
            if rule.requireCompatibleContract { fields["requireCompatibleContract"] = .bool(true) }
            if rule.requireEvaluationCard { fields["requireEvaluationCard"] = .bool(true) }
            if rule.requireApproval { fields["requireApproval"] = .bool(true) }
            if rule.requireSignedApproval { fields["requireSignedApproval"] = .bool(true) }
            if !rule.approverKeys.isEmpty {
                fields["approverKeys"] = .array(rule.approverKeys.map(JSONValue.string))
            }
            if !rule.metrics.isEmpty { fields["metrics"] = Self.json(rule.metrics) }
            if !rule.evaluationMetrics.isEmpty { fields["evaluationMetrics"] = Self.json(rule.evaluationMetrics) }
            if !rule.trustedEvaluators.isEmpty {
                fields["trustedEvaluators"] = .array(rule.trustedEvaluators.map(JSONValue.string))
            }
            if !rule.noRegression.isEmpty {
                fields["noRegression"] = .object(rule.noRegression.compactMapValues(\.jsonValue))
            }
            if let rollback = rule.rollback { fields["rollback"] = rollback.jsonValue }
            if let retire = rule.retire { fields["retire"] = retire.jsonValue }
            return .object(fields)
        }
        let document: JSONValue = .object([
            "schemaVersion": .number(JSONNumber(Self.schemaVersion)), "rules": .array(rules),
        ])
        return CanonicalJSON.encode(document) + [0x0A]
    }
}

extension PromotionPolicy {
    /// Reads a metric-bounds member (`metrics`, `evaluationMetrics`): name → `{"minimum":…,"maximum":…}`.
    fileprivate static func bounds(_ rule: JSONObjectReader, _ key: String) throws -> [String: Rule.Bounds] {
        guard let metrics = try rule.optionalObject(key) else { return [:] }
        var result: [String: Rule.Bounds] = [:]
        for name in metrics.keys {
            let bounds = try metrics.object(name)
            try bounds.rejectUnknownKeys(allowed: ["minimum", "maximum"])
            result[name] = Rule.Bounds(
                minimum: try bounds.optionalDouble("minimum"), maximum: try bounds.optionalDouble("maximum"))
        }
        return result
    }

    /// The JSON of a metric-bounds member.
    fileprivate static func json(_ metrics: [String: Rule.Bounds]) -> JSONValue {
        .object(
            metrics.mapValues { bounds in
                var b: [String: JSONValue] = [:]
                if let minimum = bounds.minimum, let n = JSONNumber(minimum) { b["minimum"] = .number(n) }
                if let maximum = bounds.maximum, let n = JSONNumber(maximum) { b["maximum"] = .number(n) }
                return .object(b)
            })
    }
}
