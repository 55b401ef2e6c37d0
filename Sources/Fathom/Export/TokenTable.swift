import Foundation

/// The strings of a sparse model's term ids: token `i` is the name of term id
/// `i`. A WordPiece `vocab.txt` (one token per line, the line number counted
/// from 0 being the id) is such a table.
///
/// An export uses it where the target engine needs the other form of a sparse
/// dimension than the collection stores: OpenSearch `rank_features` keys are
/// strings, so term ids become tokens; Qdrant sparse indices are integers, so
/// the string terms of a `.vocabulary` collection become ids.
///
/// ```swift
/// let tokens = try TokenTable(contentsOfFile: "vocab.txt")
/// print(tokens.tokens[2054])   // "what"
/// try docs.export(.openSearch(index: "docs"), tokens: tokens) { print($0) }
/// ```
public struct TokenTable: Sendable, Equatable {
    /// The tokens; the token of term id `i` is `tokens[i]`.
    public let tokens: [String]
    /// Where the tokens came from (a file path), for error messages.
    public let source: String
    /// The id of each token.
    private let ids: [String: UInt32]

    /// A table from tokens in id order.
    ///
    /// - Parameters:
    ///   - tokens: The token of each term id, in id order.
    ///   - source: What to call the table in error messages (a file name).
    /// - Throws: ``FathomError/invalidRecord(location:field:reason:)`` at `source:N`
    ///   (N = id + 1) for an empty token or one that repeats an earlier one: either
    ///   would give two dimensions one name. ``FathomError/invalidArgument(reason:)``
    ///   for an empty table or one with more than 2³² tokens.
    public init(tokens: [String], source: String = "token table") throws {
        guard !tokens.isEmpty else { throw FathomError.invalidArgument(reason: "\(source) holds no tokens") }
        guard tokens.count <= Int(UInt32.max) + 1 else {
            throw FathomError.invalidArgument(reason: "\(source) holds \(tokens.count) tokens; term ids are 32-bit")
        }
        var ids: [String: UInt32] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() {
            let location = InputLocation(file: source, line: id + 1)
            guard !token.isEmpty else {
                throw FathomError.invalidRecord(location: location, field: "", reason: "empty token (term id \(id))")
            }
            if let first = ids.updateValue(UInt32(id), forKey: token) {
                throw FathomError.invalidRecord(location: location, field: "",
                                                reason: "token '\(token)' repeats line \(first + 1): each term id needs its own token")
            }
        }
        self.tokens = tokens
        self.source = source
        self.ids = ids
    }

    /// Reads a table with one token per line (`\n` or `\r\n`); the line
    /// numbered `n` from 1 is the token of term id `n - 1`. A final line
    /// terminator is optional.
    ///
    /// - Parameter path: The file's path.
    /// - Throws: ``FathomError/io(path:reason:)`` when the file cannot be read;
    ///   ``FathomError/invalidRecord(location:field:reason:)`` naming `path` and the line
    ///   for a line that is not UTF-8, and what ``init(tokens:source:)`` throws.
    public init(contentsOfFile path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FathomError.io(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw FathomError.io(path: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FathomError.io(path: path, reason: "cannot be opened for reading")
        }
        // Split on bytes, not Characters: "\r\n" is one Character in Swift.
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }   // a UTF-8 byte-order mark
        var lines: [String] = []
        for (index, var line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard let token = String(validating: line, as: UTF8.self) else {
                throw FathomError.invalidRecord(location: InputLocation(file: path, line: index + 1), field: "",
                                                reason: "not valid UTF-8")
            }
            lines.append(token)
        }
        // The terminator of the last line is not the start of another line.
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines, source: path)
    }

    /// The term id of `token`, or nil when the table does not hold it.
    public func id(of token: String) -> UInt32? { ids[token] }
}
