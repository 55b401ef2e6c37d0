import Foundation

/// Locations used by tests: a fresh temporary directory per test, the
/// repository's bundled sample, and the shared datasets (optional).
public enum TestPaths {
    /// The repository root (two levels above this file's folder).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `samples/swift-docs` in the repository: always present.
    public static var sample: URL { repositoryRoot.appendingPathComponent("samples/swift-docs") }

    /// `../shared/data/<name>` beside the checkout, or nil when it is not
    /// there (tests that need it skip with a message).
    public static func sharedDataset(_ name: String) -> URL? {
        let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/\(name)")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The built `fathom` executable next to the test bundle.
    public static var fathomExecutable: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        // swift test runs `<build>/<config>/FathomPackageTests.xctest`; the CLI is beside it.
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("fathom")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
        }
        return repositoryRoot.appendingPathComponent(".build/debug/fathom")
    }
}

/// A temporary directory removed when the value is deinitialised.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init(_ label: String = "fathom-test") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
