#if SQLite
    import ModelRegistry
    import RegistryCore

    extension Registry.IndexBackendChoice {
        /// The SQLite index, `indexes/index.sqlite` (``SQLiteIndexBackend``, docs/FORMAT.md §16): for registries
        /// large enough that a cold process should not load the file index before its first answer.
        public static let sqlite = Registry.IndexBackendChoice(name: "sqlite") { SQLiteIndexBackend(layout: $0) }
    }
#endif
