import Foundation

/// A WordPiece vocabulary, as BERT-family and SPLADE models ship it in
/// `vocab.txt`: one token per line, and a token's id is its line number
/// counted from 0 — the term ids of the sparse vectors such models produce.
/// Tokens that continue a word start with `##`.
///
/// ```swift
/// let vocabulary = try WordPieceVocabulary(contentsOf: "vocab.txt")
/// vocabulary.id(of: "ocean")   // 4153 in bert-base-uncased
/// ```
///
/// Parsing is strict, because ids are line numbers and a silently skipped or
/// merged line would shift every later id: an empty line, a repeated token,
/// invalid UTF-8 or a missing `[UNK]` is an error naming the line. Line ends
/// may be `\n` or `\r\n`; a final line end and a UTF-8 byte-order mark are
/// ignored.
public struct WordPieceVocabulary: Sendable, Equatable {
    /// The tokens, by id.
    public let tokens: [String]
    /// The id of `[UNK]`, which stands for a word the vocabulary cannot spell.
    public let unknownTokenID: Int
    /// Ids of the BERT special tokens the vocabulary has (`[PAD]`, `[UNK]`,
    /// `[CLS]`, `[SEP]`, `[MASK]`), ascending. The tokenizer matches them
    /// verbatim in the text, as the reference does; text queries drop them.
    public let specialTokenIDs: [Int]
    /// Whether the vocabulary looks uncased: no token other than the special
    /// ones has a character that lower-casing would change (bert-base-uncased
    /// has none; a cased vocabulary has thousands, such as `The`).
    public let isUncased: Bool
    private let ids: [String: Int32]

    /// The names of BERT's special tokens, matched verbatim (case-sensitive)
    /// in the text when the vocabulary contains them.
    public static let specialTokenNames = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// Parses the text of a `vocab.txt`.
    ///
    /// - Parameters:
    ///   - text: One token per line.
    ///   - source: What to call the text in errors (a file name, for example).
    /// - Throws: ``FathomError/invalidVocabulary(source:line:reason:)``.
    public init(text: String, source: String = "vocabulary") throws {
        try self.init(bytes: Array(text.utf8), source: source)
    }

    /// Reads and parses a `vocab.txt` file.
    ///
    /// - Throws: ``FathomError/io(path:reason:)`` when the file cannot be read,
    ///   ``FathomError/invalidVocabulary(source:line:reason:)`` when it is not a vocabulary.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FathomError.io(path: path, reason: FileManager.default.fileExists(atPath: path)
                ? "cannot be read" : "no such file")
        }
        try self.init(bytes: [UInt8](data), source: path)
    }

    init(bytes: [UInt8], source: String) throws {
        func invalid(_ line: Int, _ reason: String) -> FathomError {
            .invalidVocabulary(source: source, line: line, reason: reason)
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        var lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }  // the final line end
        guard !lines.isEmpty else { throw invalid(0, "holds no tokens") }
        guard lines.count <= Int(Int32.max) else { throw invalid(0, "holds more than \(Int32.max) tokens") }

        var tokens: [String] = []
        tokens.reserveCapacity(lines.count)
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let number = index + 1
            var bytes = line
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            guard !bytes.isEmpty else {
                throw invalid(number, "empty line (every line is one token, and a token's id is its line number)")
            }
            guard let token = String(validating: bytes, as: UTF8.self) else { throw invalid(number, "invalid UTF-8") }
            if let first = ids[token] {
                throw invalid(number, "repeats the token \"\(token)\" of line \(first + 1)")
            }
            ids[token] = Int32(index)
            tokens.append(token)
        }
        guard let unknown = ids["[UNK]"] else { throw invalid(0, "has no [UNK] token") }
        self.tokens = tokens
        self.ids = ids
        self.unknownTokenID = Int(unknown)
        self.specialTokenIDs = Self.specialTokenNames.compactMap { ids[$0].map(Int.init) }.sorted()
        let special = Set(Self.specialTokenNames)
        self.isUncased = !tokens.contains { token in
            !special.contains(token) && token.unicodeScalars.contains { $0.properties.changesWhenLowercased }
        }
    }

    /// The number of tokens (ids run from 0 to `count - 1`).
    public var count: Int { tokens.count }

    /// The id of `token`, or nil when the vocabulary does not have it.
    public func id(of token: String) -> Int? { ids[token].map(Int.init) }

    /// The text of a `vocab.txt` with these tokens (one per line, each line ended).
    public var text: String { tokens.joined(separator: "\n") + "\n" }

    public static func == (lhs: WordPieceVocabulary, rhs: WordPieceVocabulary) -> Bool { lhs.tokens == rhs.tokens }
}
