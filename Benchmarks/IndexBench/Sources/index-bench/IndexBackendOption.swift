import ModelRegistry

#if SQLite
    import ModelRegistrySQLite
#endif

/// `--backend files|sqlite`: which index the benchmark measures. `sqlite` needs the package built with
/// `--traits SQLite`.
enum IndexBackendOption {
    static func choice(named name: String) -> Registry.IndexBackendChoice? {
        switch name {
        case "files": return .files
        case "sqlite":
            #if SQLite
                return .sqlite
            #else
                return nil
            #endif
        default: return nil
        }
    }

    /// What a full rebuild writes, for the table.
    static func storedName(_ backend: Registry.IndexBackendChoice) -> String {
        backend.name == "sqlite" ? "index.sqlite, one bulk-load transaction" : "index.bin"
    }

    /// A configuration for the benchmark's registry with `backend`.
    static func configuration(_ backend: Registry.IndexBackendChoice) -> Registry.Configuration {
        var configuration = Registry.Configuration(actor: "bench")
        configuration.indexBackend = backend
        return configuration
    }

    /// A fresh reader of the stored index with `backend`, sharing nothing loaded with the registry's own.
    static func freshReader(_ registry: Registry, _ backend: Registry.IndexBackendChoice) -> RegistryIndex {
        RegistryIndex(
            artifacts: registry.artifacts, journal: registry.journal,
            backend: backend.makeBackend(for: registry.layout))
    }
}
