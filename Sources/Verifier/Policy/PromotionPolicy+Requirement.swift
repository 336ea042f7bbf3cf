extension PromotionPolicy {
    /// One requirement of a policy rule that a proposed alias change does not meet.
    ///
    /// ``PromotionGate`` returns a list of these. ``message`` is the plain-words text a person reads (the refusal
    /// error lists the messages); ``kind`` and ``subject`` let code react to a refusal without parsing text:
    ///
    /// ```swift
    /// let unmet = try gate.unmetRequirements(
    ///     rule: rule, alias: "champion", target: id, current: current, approval: nil)
    /// if unmet.contains(where: { $0.kind == .noRegression && $0.subject == "loss" }) { … }
    /// ```
    ///
    /// `Requirement` is `Sendable`: it is an immutable value.
    public struct Requirement: Hashable, Sendable, CustomStringConvertible {
        /// Which requirement is unmet. Compare with `==`; the set of kinds can grow without breaking callers,
        /// because this is a struct rather than an enum.
        public struct Kind: Hashable, Sendable, CustomStringConvertible {
            private let name: String
            private init(_ name: String) { self.name = name }
            /// The kind's name, such as `noRegression`.
            public var description: String { name }

            /// An approval id (or a signed approval) must be given: `requireApproval`.
            public static let approval = Kind("approval")
            /// A valid signed approval for exactly this change must be presented: `requireSignedApproval`,
            /// `approverKeys`. The subject is the key id that signed the presented approval, if one was presented.
            public static let signedApproval = Kind("signedApproval")
            /// The target's files must verify: `requireVerifiedDigests`.
            public static let verifiedDigests = Kind("verifiedDigests")
            /// Not enough valid signatures from trusted keys: `requiredSignatures`, `trustedKeys`.
            public static let signatures = Kind("signatures")
            /// The target must carry a valid `contract.json`: `requireContract`. The subject is `contract.json`.
            public static let contract = Kind("contract")
            /// The target's contract must be compatible with the current target's: `requireCompatibleContract`.
            /// The subject is the current target's artifact id.
            public static let compatibleContract = Kind("compatibleContract")
            /// The target must carry a valid `evaluation-card.json` (required by `requireEvaluationCard`,
            /// `metrics` and `noRegression`). The subject is `evaluation-card.json`.
            public static let evaluationCard = Kind("evaluationCard")
            /// A metric is missing or outside its bounds: `metrics`. The subject is the metric name.
            public static let metricBound = Kind("metricBound")
            /// A metric required by `evaluationMetrics` is reported by no evaluation record signed by a trusted
            /// evaluator key, or is outside its bounds. The subject is the metric name.
            public static let evaluationMetric = Kind("evaluationMetric")
            /// A metric got worse than the current target's by more than the tolerance, or cannot be compared:
            /// `noRegression`. The subject is the metric name.
            public static let noRegression = Kind("noRegression")
            /// The target was revoked: no rule can allow pointing an alias at it. The subject is its id.
            public static let notRevoked = Kind("notRevoked")
            /// The target fails quick verification (structure, sizes, id), which every alias change checks.
            /// The subject is its id.
            public static let quickVerification = Kind("quickVerification")
        }

        /// Which requirement is unmet.
        public var kind: Kind
        /// What it is about, when there is one thing: a metric name, a key id, a document's file name or an
        /// artifact id (see each ``Kind``); `nil` otherwise.
        public var subject: String?
        /// What is wrong, in plain words, as the refusal shows it.
        public var message: String

        /// Creates an unmet requirement.
        ///
        /// - Parameters:
        ///   - kind: Which requirement is unmet.
        ///   - subject: The metric, key id, file or artifact it is about, if any.
        ///   - message: What is wrong, in plain words.
        public init(_ kind: Kind, subject: String? = nil, _ message: String) {
            self.kind = kind
            self.subject = subject
            self.message = message
        }

        /// The ``message``, so that interpolating a requirement reads as plain words.
        public var description: String { message }
    }
}
