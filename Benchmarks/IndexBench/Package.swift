// swift-tools-version:6.2
// The index benchmark: generates a registry of 100,000 small artifacts, then measures a full index rebuild (time
// and peak RSS), every query type and the incremental update after one registration. Kept in its own nested
// package so that neither the main manifest nor the main benchmark package sees it (STYLE.md §9).
//
//   swift run -c release --package-path Benchmarks/IndexBench index-bench [--artifacts N] [--runs N] [--keep]
//   swift run -c release --package-path Benchmarks/IndexBench --traits SQLite index-bench --backend sqlite
//       (the optional SQLite index, FORMAT.md §16: the trait is passed on to ModelRegistry)
import PackageDescription

let package = Package(
    name: "IndexBench",
    platforms: [.macOS(.v13)],
    traits: [
        .trait(name: "SQLite", description: "Build ModelRegistry's SQLite index too, for --backend sqlite."),
        .default(enabledTraits: []),
    ],
    dependencies: [
        .package(
            name: "ModelRegistry", path: "../..",
            traits: [.trait(name: "SQLite", condition: .when(traits: ["SQLite"]))])
    ],
    targets: [
        .executableTarget(
            name: "index-bench",
            dependencies: [
                .product(name: "ModelRegistry", package: "ModelRegistry"),
                .product(
                    name: "ModelRegistrySQLite", package: "ModelRegistry", condition: .when(traits: ["SQLite"])),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
