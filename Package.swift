// swift-tools-version:6.0
//
// Fathom: an embedded on-disk vector database for learned-sparse and dense
// retrieval. See docs/architecture.md for the module map.
//
// System libraries (installed by `make test` / `make demo` when missing):
//   libsqlite3-dev  the storage engine (one SQLite file per database)
//   liblz4-dev      compression of posting blocks and vector chunks
//   libxxhash-dev   XXH3 checksums over every stored blob
import PackageDescription

let package = Package(
    name: "Fathom",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Fathom", targets: ["Fathom"]),
        .executable(name: "fathom", targets: ["fathom"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        // Header-only C helpers Swift cannot express (a prefetch hint).
        .target(name: "CFathomShims"),
        .target(
            name: "Fathom",
            dependencies: [
                "CSQLite", "CLZ4", "CXXHash", "CFathomShims",
                // Only the modules we use: the umbrella `Collections` product
                // costs 4-5x the build time (docs/architecture.md).
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "fathom",
            dependencies: [
                "Fathom",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "FathomTestSupport",
            dependencies: ["Fathom"],
            path: "Tests/FathomTestSupport"
        ),
        .testTarget(
            name: "FathomTests",
            dependencies: ["Fathom", "FathomTestSupport"],
            // The reference tokenizer's output on 1,048 strings, and a
            // database written by format version 1 (migration tests).
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "FathomCLITests", dependencies: ["Fathom", "FathomTestSupport"]),
    ]
)
