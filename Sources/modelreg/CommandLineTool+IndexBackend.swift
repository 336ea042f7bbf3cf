import ModelRegistry

#if SQLite
    import ModelRegistrySQLite
#endif

extension CommandLineTool {
    /// The index backend `$MODELREG_INDEX` names: `files` (the default, also when unset or empty) or `sqlite`
    /// (only in a `modelreg` built with the package trait `SQLite`).
    ///
    /// - Throws: ``RegistryError/Code/invalidArgument`` naming the variable for any other value, or for
    ///   `sqlite` in a build without the trait.
    static func indexBackend(_ value: String?) throws -> Registry.IndexBackendChoice {
        switch value ?? "" {
        case "", "files":
            return .files
        case "sqlite":
            #if SQLite
                return .sqlite
            #else
                throw RegistryError(
                    .invalidArgument,
                    "MODELREG_INDEX=sqlite: this modelreg was built without the SQLite index "
                        + "(build it with 'swift build --traits SQLite')")
            #endif
        case let other:
            throw RegistryError(.invalidArgument, "MODELREG_INDEX='\(other)': expected 'files' or 'sqlite'")
        }
    }
}
