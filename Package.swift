// swift-tools-version:6.2
import PackageDescription

/// Upcoming-feature flags shared by every Swift target (see STYLE.md §5).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ModelRegistry",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ModelRegistry", targets: ["ModelRegistry"]),
        .library(name: "RegistryCore", targets: ["RegistryCore"]),
        .library(name: "ArtifactStore", targets: ["ArtifactStore"]),
        .library(name: "AliasStore", targets: ["AliasStore"]),
        .library(name: "AuditLog", targets: ["AuditLog"]),
        .library(name: "IndexBuilder", targets: ["IndexBuilder"]),
        .library(name: "Verifier", targets: ["Verifier"]),
        .library(name: "ModelPack", targets: ["ModelPack"]),
        .library(name: "RegistryTestSupport", targets: ["RegistryTestSupport"]),
        .executable(name: "modelreg", targets: ["modelreg"]),
        // The optional SQLite index (docs/FORMAT.md §16): an empty module unless the `SQLite` trait is enabled.
        .library(name: "ModelRegistrySQLite", targets: ["ModelRegistrySQLite"]),
    ],
    traits: [
        // Off by default, so the core products build and link nothing of SQLite; enable with
        // `swift build --traits SQLite` (needs libsqlite3, e.g. apt `libsqlite3-dev`).
        .trait(
            name: "SQLite", description: "The optional SQLite index backend (ModelRegistrySQLite, `--index sqlite`)."),
        .default(enabledTraits: []),
    ],
    dependencies: [],
    targets: [
        .target(name: "CSHA256"),
        .target(name: "CRegistryShims"),
        .target(name: "CEd25519"),
        .target(name: "RegistryCore", dependencies: ["CSHA256", "CRegistryShims"], swiftSettings: swiftSettings),
        .target(name: "ArtifactStore", dependencies: ["RegistryCore"], swiftSettings: swiftSettings),
        .target(name: "AliasStore", dependencies: ["RegistryCore"], swiftSettings: swiftSettings),
        .target(name: "AuditLog", dependencies: ["RegistryCore"], swiftSettings: swiftSettings),
        .target(
            name: "IndexBuilder", dependencies: ["RegistryCore", "ArtifactStore", "AuditLog"],
            swiftSettings: swiftSettings),
        .target(
            name: "Verifier", dependencies: ["RegistryCore", "ArtifactStore", "AliasStore", "CEd25519"],
            swiftSettings: swiftSettings),
        .target(name: "ModelPack", dependencies: ["RegistryCore"], swiftSettings: swiftSettings),
        .target(
            name: "ModelRegistry",
            dependencies: [
                "RegistryCore", "ArtifactStore", "AliasStore", "AuditLog", "IndexBuilder", "Verifier", "ModelPack",
            ],
            swiftSettings: swiftSettings),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .target(
            name: "ModelRegistrySQLite",
            dependencies: [
                "ModelRegistry", "RegistryCore", "IndexBuilder",
                .target(name: "CSQLite", condition: .when(traits: ["SQLite"])),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "modelreg",
            dependencies: [
                "ModelRegistry", .target(name: "ModelRegistrySQLite", condition: .when(traits: ["SQLite"])),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "example-training", dependencies: ["ModelRegistry"], path: "Examples/training",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "example-serving", dependencies: ["ModelRegistry"], path: "Examples/serving",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "example-benchmark-harness", dependencies: ["ModelRegistry"], path: "Examples/benchmark-harness",
            swiftSettings: swiftSettings),
        .target(name: "RegistryTestSupport", dependencies: ["ModelRegistry"], swiftSettings: swiftSettings),
        // A child process for the SIGBUS-guard tests: what happens to signals that are not ours cannot be
        // tested in the test process itself.
        .executableTarget(
            name: "signal-probe", dependencies: ["RegistryCore", "RegistryTestSupport"], path: "Tests/SignalProbe",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RegistryCoreTests", dependencies: ["RegistryCore", "RegistryTestSupport", "CSHA256"],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ArtifactStoreTests", dependencies: ["ArtifactStore", "RegistryTestSupport"],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AliasStoreTests", dependencies: ["AliasStore", "RegistryTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AuditLogTests", dependencies: ["AuditLog", "RegistryTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VerifierTests", dependencies: ["Verifier", "ModelRegistry", "RegistryTestSupport", "CEd25519"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "IndexBuilderTests", dependencies: ["IndexBuilder", "ModelRegistry", "RegistryTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ModelPackTests", dependencies: ["ModelPack", "RegistryTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ModelRegistrySQLiteTests",
            dependencies: ["ModelRegistrySQLite", "ModelRegistry", "IndexBuilder", "RegistryTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ModelRegistryTests", dependencies: ["ModelRegistry", "RegistryTestSupport"],
            swiftSettings: swiftSettings),
    ]
)
