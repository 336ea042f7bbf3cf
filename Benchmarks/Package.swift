// swift-tools-version:6.2
// The benchmark executable lives in its own package so that the main manifest never sees it (STYLE.md §9).
//
//   swift run -c release --package-path Benchmarks registry-bench [names…] [--runs N] [--json] …
import PackageDescription

let package = Package(
    name: "ModelRegistryBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "ModelRegistry", path: "..")
    ],
    targets: [
        .executableTarget(
            name: "registry-bench",
            dependencies: [
                .product(name: "ModelRegistry", package: "ModelRegistry"),
                // Only for the package's one SplitMix64, which generates the input files.
                .product(name: "RegistryTestSupport", package: "ModelRegistry"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
