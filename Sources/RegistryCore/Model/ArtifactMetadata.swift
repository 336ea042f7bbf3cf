/// What a registrant declares about an artifact. Part of the manifest, so part of the identity.
///
/// Nothing about the registration event (time, host, user) belongs here: registering identical content with
/// identical metadata twice must give the same id. Those facts go to the audit log.
public struct ArtifactMetadata: Hashable, Sendable {
    /// A human-readable model name, for example `document-classifier` (see ``NameRules``).
    public var name: String
    /// What the model can do, for example `text-classification`. Stored sorted and without duplicates.
    public var capabilities: [String]
    /// The artifacts this one was derived from (fine-tuned from, distilled from), in the order given.
    public var parents: [ArtifactID]
    /// Free-form key/value labels, for example `framework: pytorch`.
    public var labels: [String: String]

    /// Creates metadata; capabilities are sorted and de-duplicated.
    public init(name: String, capabilities: [String] = [], parents: [ArtifactID] = [], labels: [String: String] = [:]) {
        self.name = name
        self.capabilities = Array(Set(capabilities)).sorted()
        self.parents = parents
        self.labels = labels
    }

    /// Checks every field against its grammar; `context` names where the metadata came from.
    public func validate(context: String) throws {
        try NameRules.checkArtifactName(name, context: context + " (name)")
        for capability in capabilities {
            try NameRules.checkCapability(capability, context: context + " (capabilities)")
        }
        if Set(parents).count != parents.count {
            throw RegistryError(.invalidArgument, "\(context) (parents): a parent is listed twice")
        }
        for (key, value) in labels {
            try NameRules.checkLabelKey(key, context: context + " (labels)")
            try NameRules.checkLabelValue(value, key: key, context: context + " (labels)")
        }
    }
}
