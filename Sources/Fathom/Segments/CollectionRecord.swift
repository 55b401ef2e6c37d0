import Foundation
import Synchronization

/// A row of `collections`: identity, schema and the version counter that
/// every committed write to the collection increments (readers key their
/// caches of the write buffer and tombstones on it).
struct CollectionRecord: Sendable, Equatable {
    var id: Int64
    var name: String
    var schema: CollectionSchema
    var version: Int64
    var vocabularySize: Int

    /// Term ids must be below this.
    var termLimit: UInt64 {
        switch schema.sparse {
        case .termIDs(let dimension)?: return UInt64(dimension)
        case .vocabulary?: return UInt64(UInt32.max) + 1
        case nil: return 0
        }
    }

    /// The size of a dense query array over the term space.
    var queryDimension: Int {
        switch schema.sparse {
        case .termIDs(let dimension)?: return dimension
        case .vocabulary?: return vocabularySize
        case nil: return 0
        }
    }

    private static let columns = "id, name, schema, version, vocabulary_size"

    static func load(named name: String, _ connection: SQLiteConnection) throws -> CollectionRecord {
        let statement = try connection.statement("SELECT \(columns) FROM collections WHERE name = ?")
        defer { statement.reset() }
        try statement.bind(1, name)
        guard try statement.step() else { throw FathomError.collectionNotFound(name: name) }
        return try decode(statement)
    }

    static func loadAll(_ connection: SQLiteConnection) throws -> [CollectionRecord] {
        let statement = try connection.statement("SELECT \(columns) FROM collections ORDER BY name")
        defer { statement.reset() }
        var records: [CollectionRecord] = []
        while try statement.step() { records.append(try decode(statement)) }
        return records
    }

    /// Decoded schemas by their stored text: a schema never changes, and
    /// decoding its JSON on every query cost ~8% of an exact sparse search.
    private static let schemas = Mutex<[String: CollectionSchema]>([:])

    private static func decode(_ statement: SQLiteStatement) throws -> CollectionRecord {
        let name = statement.text(1) ?? ""
        guard let text = statement.text(2) else {
            throw FathomError.corruption(what: "collection '\(name)'", detail: "stored schema is missing")
        }
        let schema: CollectionSchema
        if let cached = schemas.withLock({ $0[text] }) {
            schema = cached
        } else {
            guard let decoded = try? JSONDecoder().decode(CollectionSchema.self, from: Data(text.utf8)) else {
                throw FathomError.corruption(what: "collection '\(name)'", detail: "stored schema is not readable")
            }
            schemas.withLock { $0[text] = decoded }
            schema = decoded
        }
        return CollectionRecord(id: statement.int64(0), name: name, schema: schema,
                                version: statement.int64(3), vocabularySize: statement.int(4))
    }

    static func create(named name: String, schema: CollectionSchema, _ connection: SQLiteConnection) throws -> CollectionRecord {
        try schema.validate()
        guard !name.isEmpty, name.count <= 256 else {
            throw FathomError.invalidArgument(reason: "collection names are 1 to 256 characters")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(schema), as: UTF8.self)
        let statement = try connection.statement("INSERT INTO collections(name, schema) VALUES (?, ?) ON CONFLICT(name) DO NOTHING")
        try statement.bind(1, name)
        try statement.bind(2, text)
        try statement.run()
        guard connection.changes == 1 else { throw FathomError.collectionExists(name: name) }
        return try load(named: name, connection)
    }

    /// Records that a write transaction changed the collection.
    func bumpVersion(_ connection: SQLiteConnection) throws {
        let statement = try connection.statement("UPDATE collections SET version = version + 1 WHERE id = ?")
        try statement.bind(1, id)
        try statement.run()
    }
}
