/// The library's version, as printed by `modelreg version`.
public enum ModelRegistryVersion {
    /// Semantic version of this build.
    public static let string = "0.1.0-dev"
}
