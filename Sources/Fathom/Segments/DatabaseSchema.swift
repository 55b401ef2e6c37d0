import CSQLite

/// The tables of a Fathom database and their versions.
///
/// The schema version lives in `PRAGMA user_version`; `PRAGMA application_id`
/// marks the file as Fathom's. Migrations run forward only, each in one
/// transaction; a file from a newer version is refused rather than guessed
/// at. docs/file-format.md describes every table and blob layout.
enum DatabaseSchema {
    /// "FTHM" — identifies Fathom files among SQLite databases.
    static let applicationID: Int32 = 0x4654_484D
    static let currentVersion = 2

    /// One step of the schema: SQL, then optionally Swift code that fills
    /// what SQL cannot compute (both in the migration's transaction).
    struct Migration: Sendable {
        var sql: String
        var backfill: (@Sendable (SQLiteConnection) throws -> Void)? = nil
    }

    /// `migrations[i]` takes the schema from version i to i + 1.
    static let migrations: [Migration] = [
        Migration(sql: """
        CREATE TABLE fathom_info(
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE collections(
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            name            TEXT NOT NULL UNIQUE,
            schema          TEXT NOT NULL,
            version         INTEGER NOT NULL DEFAULT 0,
            vocabulary_size INTEGER NOT NULL DEFAULT 0,
            created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );

        CREATE TABLE segments(
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
            state         TEXT NOT NULL CHECK (state IN ('live', 'retired')),
            format        INTEGER NOT NULL,
            doc_count     INTEGER NOT NULL CHECK (doc_count > 0),
            posting_count INTEGER NOT NULL,
            first_doc_id  INTEGER NOT NULL,
            last_doc_id   INTEGER NOT NULL,
            created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        CREATE INDEX segments_by_collection ON segments(collection_id, state);

        CREATE TABLE documents(
            doc_id        INTEGER PRIMARY KEY AUTOINCREMENT,
            collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
            external_id   TEXT NOT NULL,
            segment_id    INTEGER REFERENCES segments(id),
            ordinal       INTEGER,
            metadata      TEXT,
            text          TEXT,
            UNIQUE(collection_id, external_id),
            CHECK ((segment_id IS NULL) = (ordinal IS NULL))
        );
        CREATE INDEX documents_by_segment ON documents(segment_id, ordinal) WHERE segment_id IS NOT NULL;

        CREATE TABLE write_buffer(
            doc_id        INTEGER PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
            collection_id INTEGER NOT NULL,
            vectors       BLOB NOT NULL
        );
        CREATE INDEX write_buffer_by_collection ON write_buffer(collection_id, doc_id);

        CREATE TABLE tombstones(
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            ordinal    INTEGER NOT NULL,
            PRIMARY KEY(segment_id, ordinal)
        ) WITHOUT ROWID;

        CREATE TABLE segment_blobs(
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            kind       INTEGER NOT NULL,
            key        INTEGER NOT NULL,
            payload    BLOB NOT NULL,
            UNIQUE(segment_id, kind, key)
        );

        CREATE TABLE posting_blocks(
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            term_id    INTEGER NOT NULL,
            block_no   INTEGER NOT NULL,
            payload    BLOB NOT NULL,
            UNIQUE(segment_id, term_id, block_no)
        );

        CREATE TABLE vocabulary(
            collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
            term_id       INTEGER NOT NULL,
            term          TEXT NOT NULL,
            PRIMARY KEY(collection_id, term_id),
            UNIQUE(collection_id, term)
        ) WITHOUT ROWID;
        """),
        // Version 2: text queries. A collection's WordPiece vocabulary and
        // optional query weights, and the document frequency of every term
        // over its live documents (for corpus IDF), kept by every write.
        Migration(sql: """
        CREATE TABLE tokenizers(
            collection_id INTEGER PRIMARY KEY REFERENCES collections(id) ON DELETE CASCADE,
            kind          TEXT NOT NULL CHECK (kind = 'wordpiece'),
            lowercase     INTEGER NOT NULL CHECK (lowercase IN (0, 1)),
            token_count   INTEGER NOT NULL CHECK (token_count > 0),
            vocabulary    BLOB NOT NULL,
            weights       BLOB,
            revision      INTEGER NOT NULL,
            updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );

        CREATE TABLE term_frequencies(
            collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
            term_id       INTEGER NOT NULL,
            df            INTEGER NOT NULL CHECK (df > 0),
            PRIMARY KEY(collection_id, term_id)
        ) WITHOUT ROWID;
        """, backfill: { connection in
            // Documents written by version 1 count from the start.
            for record in try CollectionRecord.loadAll(connection) where record.schema.sparse != nil {
                try DocumentFrequencies.rebuild(record, connection)
            }
        }),
    ]

    /// Checks the file's identity and version on the writer connection, creating
    /// or migrating the schema when allowed.
    static func prepare(_ connection: SQLiteConnection, path: String, allowInitialize: Bool) throws {
        let (applicationID, version, tableCount) = try identity(connection, path: path)
        if applicationID == 0 && version == 0 && tableCount == 0 {
            guard allowInitialize else { throw FathomError.notAFathomDatabase(path: path, reason: "empty SQLite file") }
            // Incremental auto-vacuum lets a seal hand the pages of the drained
            // write buffer back to the file system (it must be set before the
            // first table exists).
            try connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
            try connection.execute("PRAGMA journal_mode = WAL")
            try migrate(connection, from: 0)
            return
        }
        try check(applicationID: applicationID, version: version, path: path)
        if version < currentVersion { try migrate(connection, from: version) }
    }

    /// Checks identity and version on a read-only connection (no migration possible).
    static func checkReadable(_ connection: SQLiteConnection, path: String) throws {
        let (applicationID, version, tableCount) = try identity(connection, path: path)
        if applicationID == 0 && version == 0 && tableCount == 0 {
            throw FathomError.notAFathomDatabase(path: path, reason: "empty SQLite file")
        }
        try check(applicationID: applicationID, version: version, path: path)
        guard version == currentVersion else {
            throw FathomError.invalidArgument(
                reason: "\(path) has format version \(version) and needs a migration; open it writable once")
        }
    }

    private static func identity(_ connection: SQLiteConnection, path: String) throws -> (Int32, Int, Int) {
        do {
            let applicationID = Int32(truncatingIfNeeded: try connection.scalarInt("PRAGMA application_id") ?? 0)
            let version = Int(try connection.scalarInt("PRAGMA user_version") ?? 0)
            let tables = Int(try connection.scalarInt("SELECT count(*) FROM sqlite_schema") ?? 0)
            return (applicationID, version, tables)
        } catch let error as SQLiteError where error.primaryCode == SQLITE_NOTADB {
            throw FathomError.notAFathomDatabase(path: path, reason: "not an SQLite file")
        }
    }

    private static func check(applicationID: Int32, version: Int, path: String) throws {
        guard applicationID == Self.applicationID else {
            throw FathomError.notAFathomDatabase(path: path, reason: "an SQLite database of another application")
        }
        guard version <= currentVersion else {
            throw FathomError.newerFormat(path: path, found: version, supported: currentVersion)
        }
    }

    private static func migrate(_ connection: SQLiteConnection, from version: Int) throws {
        try connection.transaction(immediate: true) {
            // Re-read inside the lock: another process may have migrated meanwhile.
            let current = Int(try connection.scalarInt("PRAGMA user_version") ?? 0)
            guard current < currentVersion else { return }
            for step in current..<currentVersion {
                try connection.execute(migrations[step].sql)
                try migrations[step].backfill?(connection)
            }
            try connection.execute("PRAGMA application_id = \(applicationID)")
            try connection.execute("PRAGMA user_version = \(currentVersion)")
            try connection.execute(
                "INSERT OR REPLACE INTO fathom_info(key, value) VALUES ('format', '\(currentVersion)')")
        }
    }
}
