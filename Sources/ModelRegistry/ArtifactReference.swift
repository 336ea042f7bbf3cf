/// An artifact named the way a training script knows it: by id, or by an alias such as `base-champion`.
///
/// Used for parents at registration: an alias is resolved to its current target when the registration starts,
/// the manifest records the id, and the generated `lineage.json` also records the alias, for humans.
///
/// ```swift
/// try registry.register(directory: output, metadata: metadata, parents: [.alias("base-champion")], lineage: lineage)
/// ```
///
/// `ArtifactReference` is `Sendable`: a plain value.
public enum ArtifactReference: Hashable, Sendable, CustomStringConvertible {
    /// An artifact by id.
    case id(ArtifactID)
    /// The artifact an alias points at when the reference is resolved.
    case alias(String)

    /// The id, or `alias:<name>`.
    public var description: String {
        switch self {
        case .id(let id): return id.description
        case .alias(let name): return "alias:\(name)"
        }
    }
}

extension Registry {
    /// Resolves a reference to an id: an id is checked to be in the registry; an alias is resolved to its current,
    /// unrevoked target (lock-free, like ``resolve(_:allowRevoked:)-1dn2p``).
    ///
    /// - Parameter reference: the id or alias.
    /// - Returns: the artifact's id.
    /// - Throws: `.notFound` naming the alias or id when it does not exist; `.invalidName` for a malformed alias;
    ///   `.revoked` when an alias points at a revoked artifact.
    public func resolve(_ reference: ArtifactReference) throws -> ArtifactID {
        switch reference {
        case .id(let id):
            guard try artifacts.contains(id) else {
                throw RegistryError(
                    .notFound, "\(id) is not an artifact of registry '\(layout.rootPath)'",
                    path: layout.artifactPath(id))
            }
            return id
        case .alias(let name):
            return try resolve(name).artifact
        }
    }
}
