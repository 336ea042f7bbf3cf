import IndexBuilder
import RegistryCore

extension Registry {
    /// Which `IndexBackend` a registry's `index` stores its index with: the built-in files (``files``, the
    /// default) or another backend, such as the optional SQLite database (`.sqlite`, from the
    /// `ModelRegistrySQLite` product built with the package trait `SQLite`).
    ///
    /// Set it on ``Configuration/indexBackend`` before opening the registry:
    ///
    /// ```swift
    /// var configuration = Registry.Configuration()
    /// configuration.indexBackend = .sqlite  // import ModelRegistrySQLite
    /// let registry = try Registry.open(at: root, configuration: configuration)
    /// ```
    ///
    /// Every backend answers the same queries with the same results, and every backend is a cache rebuilt from
    /// the artifacts and the audit log, so a registry can switch at any time: the first query after a switch
    /// builds the new backend's index (or scans, for a large registry, until `rebuildIndexes()`).
    public struct IndexBackendChoice: Sendable, CustomStringConvertible {
        /// A short name that tells backends apart (`files`, `sqlite`): registries opened on the same root with
        /// different names get different indexes.
        public let name: String
        private let make: @Sendable (RegistryLayout) -> any IndexBackend

        /// Creates a choice from a backend factory.
        ///
        /// - Parameters:
        ///   - name: the backend's name.
        ///   - make: creates the backend for a registry; called once per registry root per process.
        public init(name: String, make: @escaping @Sendable (RegistryLayout) -> any IndexBackend) {
            self.name = name
            self.make = make
        }

        /// The built-in index: the memory-mapped `indexes/index.bin` and its update lines (`FileIndexBackend`, docs/FORMAT.md §13).
        public static let files = IndexBackendChoice(name: "files") { FileIndexBackend(layout: $0) }

        /// Creates the backend for a registry.
        public func makeBackend(for layout: RegistryLayout) -> any IndexBackend { make(layout) }

        /// The name.
        public var description: String { name }
    }
}
