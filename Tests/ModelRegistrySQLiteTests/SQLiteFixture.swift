#if SQLite
    import Foundation
    import ModelRegistry
    @testable import ModelRegistrySQLite
    import RegistryTestSupport

    /// A temporary registry opened twice: once with the SQLite index and once with the file index, so every test
    /// can compare the two backends over the same artifacts and log.
    struct SQLiteFixture {
        let temp: URL
        let root: URL
        /// The registry with the SQLite index.
        let sqlite: Registry
        /// The same registry with the file index.
        let files: Registry
        private let registration: SmallArtifactRegistration

        static let fixedClock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_795_441_020) }

        static func configuration(_ backend: Registry.IndexBackendChoice) -> Registry.Configuration {
            var configuration = Registry.Configuration(actor: "tester", clock: fixedClock)
            configuration.indexBackend = backend
            return configuration
        }

        static func with(_ body: (SQLiteFixture) throws -> Void) throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                let sqlite = try Registry.create(at: root, configuration: configuration(.sqlite))
                let files = try Registry.open(at: root, configuration: configuration(.files))
                try body(
                    SQLiteFixture(
                        temp: temp, root: root, sqlite: sqlite, files: files,
                        registration: SmallArtifactRegistration(bundles: temp)))
            }
        }

        /// `indexes/index.sqlite`.
        var databasePath: String { sqlite.layout.indexesPath + "/index.sqlite" }

        /// The rows of the database's `additions` table (incremental postings not yet folded into blobs).
        func additionRows() throws -> Int64 {
            let connection = try SQLiteConnection(path: databasePath, mode: .readOnly)
            let statement = try connection.prepare("SELECT count(*) FROM additions")
            try statement.bind([])
            _ = try statement.step()
            return try statement.row.integer(0)
        }

        /// `indexes/index.sqlite.building`, where a full build writes before the swap.
        var buildingPath: String { sqlite.layout.indexesPath + "/index.sqlite.building" }

        /// A backend over the stored database that shares nothing with the registry's own.
        func freshBackend() -> SQLiteIndexBackend { SQLiteIndexBackend(layout: sqlite.layout) }

        /// A fresh index over the stored database that never writes.
        func freshIndex() -> RegistryIndex {
            RegistryIndex(artifacts: sqlite.artifacts, journal: sqlite.journal, backend: freshBackend())
        }

        /// Registers a small artifact through `registry` (the SQLite one by default).
        @discardableResult
        func register(
            _ name: String, capabilities: [String] = [], parents: [ArtifactID] = [], labels: [String: String] = [:],
            extraFiles: [String: [UInt8]] = [:], seed: UInt64? = nil, through registry: Registry? = nil
        ) throws -> ArtifactID {
            try registration.register(
                name, capabilities: capabilities, parents: parents, labels: labels, extraFiles: extraFiles,
                seed: seed, through: registry ?? sqlite)
        }

        /// A `lineage.json` naming `parents`.
        static func lineage(_ parents: [ArtifactID]) -> [String: [UInt8]] {
            let list = parents.map { "\"\($0)\"" }.joined(separator: ",")
            return ["lineage.json": Array("{\"parents\":[\(list)]}".utf8)]
        }

        /// Overwrites the database file with `bytes` (and drops its WAL files).
        func damage(with bytes: [UInt8]) throws {
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
            try Data(bytes).write(to: URL(fileURLWithPath: databasePath))
        }
    }
#endif
