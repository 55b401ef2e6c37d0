@testable import Fathom
import Testing

/// Helpers for the codec tests: expecting a corruption error, and crafting
/// malformed inputs.
enum Malformed {
    /// Expects `body` to throw ``FathomError/corruption(what:detail:)`` (not
    /// another error, and not to succeed). Returns the error's `what` and
    /// `detail`, or nil when the expectation failed.
    @discardableResult
    static func expectCorruption<R>(_ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                                    _ body: () throws -> R) -> (what: String, detail: String)? {
        let error = #expect(throws: FathomError.self, comment, sourceLocation: sourceLocation) { _ = try body() }
        guard let error else { return nil }
        guard case .corruption(let what, let detail) = error else {
            Issue.record("expected a corruption error, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
        return (what, detail)
    }

    /// Every proper prefix of `bytes`, the empty one included: the ways a body
    /// or a blob can be cut short.
    static func truncations(of bytes: [UInt8]) -> [[UInt8]] {
        (0..<bytes.count).map { Array(bytes.prefix($0)) }
    }

    /// A body written field by field, for inputs that the encoders (which
    /// check their preconditions) refuse to produce.
    static func body(_ build: (inout ByteWriter) -> Void) -> [UInt8] {
        var writer = ByteWriter()
        build(&writer)
        return writer.bytes
    }
}
