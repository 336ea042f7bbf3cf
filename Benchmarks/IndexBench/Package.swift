// swift-tools-version:6.2
// The index benchmark: generates a registry of 100,000 small artifacts, then measures a full index rebuild (time
// and peak RSS), every query type and the incremental update after one registration. Kept in its own nested
// package so that neither the main manifest nor the main benchmark package sees it (STYLE.md §9).
//
//   swift run -c release --package-path Benchmarks/IndexBench index-bench [--artifacts N] [--runs N] [--keep]
import PackageDescription

let package = Package(
    name: "IndexBench",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "ModelRegistry", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "index-bench",
            dependencies: [.product(name: "ModelRegistry", package: "ModelRegistry")],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
