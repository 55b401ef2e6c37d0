// swift-tools-version:6.0
//
// libFuzzer target for the JSONL ingest path. Not part of the main package (so `make test`
// never builds it): run it with tools/fuzz/run-jsonl-fuzz.sh, which builds it with
// `-sanitize=fuzzer,address` and runs it for a bounded time.
import Foundation
import PackageDescription

// A path dependency's identity is the name of its directory, which depends on where the
// repository is checked out (fathom, main, a worktree), so it is computed here.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
    name: "FathomFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "FuzzJSONL",
            dependencies: [.product(name: "Fathom", package: rootIdentity)],
            // The harness defines LLVMFuzzerTestOneInput; libFuzzer supplies main().
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
