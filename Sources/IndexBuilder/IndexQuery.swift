import RegistryCore

/// A combined filter over the index: every condition that is set must hold; an empty query matches every
/// artifact.
///
/// Results come most recent first — by the sequence number of the artifact's `artifact_registered` event,
/// highest first — then artifacts without a registration event, by id. ``limit`` keeps the first *n*, so
/// `IndexQuery(limit: 10)` asks for the ten most recent artifacts.
///
/// ```swift
/// let candidates = try index.query(IndexQuery(
///     capabilities: ["text-classification"], state: "staging", text: "invoice", limit: 20))
/// let family = try index.query(IndexQuery(descendantsOf: baseModel, labels: ["team": "docs"]))
/// ```
///
/// `IndexQuery` is a `Sendable` value.
public struct IndexQuery: Hashable, Sendable {
    /// Capabilities the artifact must all have (exact names).
    public var capabilities: Set<String>
    /// The lifecycle state the artifact must be in: the state of its latest `state_changed` event.
    public var state: LifecycleState?
    /// Free text: split into tokens as the search index is (ASCII letters lower-cased; runs of letters, digits
    /// and non-ASCII characters), each of which must be the start of some token of the artifact's name,
    /// capabilities, label keys or label values. `"resn 50"` matches a model named `ResNet-50`. Text without
    /// any token matches everything.
    public var text: String?
    /// The exact name the artifact must have.
    public var name: String?
    /// Labels the artifact must have, with these values (compared as Swift strings: canonically equivalent
    /// spellings match).
    public var labels: [String: String]
    /// Keep only transitive ancestors of this artifact (its parents, their parents …).
    public var ancestorsOf: ArtifactID?
    /// Keep only transitive descendants of this artifact (its children, their children …).
    public var descendantsOf: ArtifactID?
    /// Return at most this many summaries (the most recent ones); nil for all.
    public var limit: Int?

    /// Creates a query; every parameter defaults to "no condition".
    ///
    /// - Parameters:
    ///   - capabilities: required capabilities.
    ///   - state: required lifecycle state.
    ///   - text: free-text search over names, capabilities and labels.
    ///   - name: required exact name.
    ///   - labels: required labels.
    ///   - ancestorsOf: keep only ancestors of this artifact.
    ///   - descendantsOf: keep only descendants of this artifact.
    ///   - limit: the most summaries to return.
    public init(
        capabilities: Set<String> = [], state: LifecycleState? = nil, text: String? = nil, name: String? = nil,
        labels: [String: String] = [:], ancestorsOf: ArtifactID? = nil, descendantsOf: ArtifactID? = nil,
        limit: Int? = nil
    ) {
        self.capabilities = capabilities
        self.state = state
        self.text = text
        self.name = name
        self.labels = labels
        self.ancestorsOf = ancestorsOf
        self.descendantsOf = descendantsOf
        self.limit = limit
    }

    /// The ten most recently registered artifacts, or `count` of them.
    ///
    /// - Parameter count: how many to return.
    /// - Returns: a query with only ``limit`` set.
    public static func mostRecent(_ count: Int = 10) -> IndexQuery {
        IndexQuery(limit: count)
    }

    /// Whether `summary` meets every condition except the lineage ones and ``limit``; what a backend that
    /// cannot use an index for a condition checks directly.
    ///
    /// - Parameter summary: a summary with its ``ArtifactSummary/state`` filled in.
    /// - Returns: true when the capability, state, text, name and label conditions all hold.
    /// - Complexity: O(*t* · *u*) for *t* query tokens and *u* tokens in the summary.
    public func matchesIgnoringLineage(_ summary: ArtifactSummary) -> Bool {
        if !capabilities.isSubset(of: summary.capabilities) { return false }
        if let state, (summary.state ?? .registered) != state { return false }
        if let name, summary.name != name { return false }
        for (key, value) in labels where summary.labels[key] != value { return false }
        if let text {
            let wanted = SearchTokens.tokens(of: text)
            if !wanted.isEmpty {
                let have = SearchTokens.tokens(of: summary)
                for token in wanted where !have.contains(where: { $0.utf8.starts(with: token.utf8) }) {
                    return false
                }
            }
        }
        return true
    }
}
