/// Where a piece of input came from: a file (or `-` for standard input) and a
/// 1-based line number.
public struct InputLocation: Sendable, Hashable, CustomStringConvertible {
    /// The path of the input as it was given, or `-` for standard input.
    public var file: String
    /// The 1-based line number; blank lines are counted.
    public var line: Int

    /// Creates a location.
    ///
    /// - Parameters:
    ///   - file: The path of the input, or `-` for standard input.
    ///   - line: The 1-based line number.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// The location as `file:line`, for example `corpus.jsonl:42`.
    public var description: String { "\(file):\(line)" }
}

/// Every error Fathom reports. Each case carries enough context to say what
/// was wrong and where, in one line (`description`).
///
/// ```swift
/// do {
///     let db = try Database(path: "missing.fathom", options: .init(create: false))
/// } catch let error as FathomError {
///     print(error)   // "no database at missing.fathom"
/// }
/// ```
public enum FathomError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path does not exist and the database was opened without `create`.
    case databaseNotFound(path: String)
    /// The file exists but is not a Fathom database (another SQLite file, or not SQLite at all).
    case notAFathomDatabase(path: String, reason: String)
    /// The file was written by a newer Fathom whose format this build cannot read.
    case newerFormat(path: String, found: Int, supported: Int)
    /// An error reported by SQLite, with the SQLite result code and what Fathom was doing.
    case storage(code: Int32, message: String, context: String)
    /// Another connection holds the write lock longer than the busy timeout.
    case busy(context: String)
    /// The database was opened read-only (or the file is not writable) and a write was attempted.
    case readOnly(path: String)
    /// A stored blob failed its checksum or could not be decoded.
    case corruption(what: String, detail: String)
    /// No collection has this name.
    case collectionNotFound(name: String)
    /// ``Database/createCollection(_:schema:)`` was given a name already in use.
    case collectionExists(name: String)
    /// A ``CollectionSchema`` that cannot be stored (no vector part, a dimension out of range, …).
    case invalidSchema(reason: String)
    /// A document given through the API violates the collection's schema.
    case invalidDocument(id: String, field: String, reason: String)
    /// A line of a JSONL input is malformed or violates the schema.
    case invalidRecord(location: InputLocation, field: String, reason: String)
    /// A ``Query`` that cannot run on its collection (a missing part, a wrong dimension, k out of range, …).
    case invalidQuery(reason: String)
    /// An argument outside its documented range.
    case invalidArgument(reason: String)
    /// An input file could not be opened or read.
    case io(path: String, reason: String)
    /// A metadata filter that cannot be parsed: `position` is the 1-based
    /// offset, in Unicode scalars, of the first character that is wrong (one past
    /// the end when the filter ends too early); `reason` says what was expected
    /// and what was found there.
    case invalidFilter(expression: String, position: Int, reason: String)
    /// A WordPiece vocabulary (`vocab.txt`) that cannot be used: `source` names
    /// it (a path, or what the API caller passed), `line` is the 1-based line
    /// at fault (0 when the problem is the file as a whole).
    case invalidVocabulary(source: String, line: Int, reason: String)
    /// A query weight table (an `idf.json` object of token weights) that
    /// cannot be used: `source` names it, `reason` says which token or byte is wrong.
    case invalidQueryWeights(source: String, reason: String)

    /// A one-line message saying what was wrong and where.
    public var description: String {
        switch self {
        case .databaseNotFound(let path):
            return "no database at \(path)"
        case .notAFathomDatabase(let path, let reason):
            return "\(path) is not a Fathom database (\(reason))"
        case .newerFormat(let path, let found, let supported):
            return "\(path) has format version \(found); this build of Fathom reads up to version \(supported)"
        case .storage(let code, let message, let context):
            return "storage error \(code) while \(context): \(message)"
        case .busy(let context):
            return "database is busy (another writer holds the lock) while \(context)"
        case .readOnly(let path):
            return "\(path) is read-only (opened read-only, or the file is not writable by this user): writes are refused"
        case .corruption(let what, let detail):
            return "corruption detected in \(what): \(detail)"
        case .collectionNotFound(let name):
            return "no collection named '\(name)'"
        case .collectionExists(let name):
            return "a collection named '\(name)' already exists"
        case .invalidSchema(let reason):
            return "invalid collection schema: \(reason)"
        case .invalidDocument(let id, let field, let reason):
            return field.isEmpty ? "document '\(id)': \(reason)" : "document '\(id)', field \(field): \(reason)"
        case .invalidRecord(let location, let field, let reason):
            return field.isEmpty ? "\(location): \(reason)" : "\(location): field \(field): \(reason)"
        case .invalidQuery(let reason):
            return "invalid query: \(reason)"
        case .invalidArgument(let reason):
            return "invalid argument: \(reason)"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .invalidFilter(_, let position, let reason):
            return "invalid filter at character \(position): \(reason)"
        case .invalidVocabulary(let source, let line, let reason):
            return line > 0 ? "\(source):\(line): \(reason)" : "\(source): \(reason)"
        case .invalidQueryWeights(let source, let reason):
            return "\(source): \(reason)"
        }
    }
}
