import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed SQLite call: the result code (extended), SQLite's message and the
/// statement or step that failed. Mapped to ``FathomError`` at the API edge.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var sql: String
    /// The `errno` of the failed system call behind an I/O error
    /// (`sqlite3_system_errno`; 0 when unknown). SQLite reports a write past
    /// the file-size limit (EFBIG) and a failing disk (EIO) alike as
    /// SQLITE_IOERR_WRITE: only the errno tells the user which.
    var systemErrno: Int32 = 0

    var primaryCode: Int32 { code & 0xFF }
    var description: String { "SQLite error \(code): \(message) [\(sql)]" }
}

/// One SQLite connection. Not thread-safe by itself: it is opened with
/// `SQLITE_OPEN_NOMUTEX`, so whoever owns it (the writer mutex or the reader
/// pool, see `ConnectionPool`) guarantees that one thread uses it at a time;
/// that hand-over through a mutex is why it may be marked `Sendable`.
///
/// Every SQLite call of the project goes through this type and `SQLiteStatement`,
/// the single place where result codes become Swift errors.
final class SQLiteConnection: @unchecked Sendable {
    enum Mode { case readWrite, readWriteCreate, readOnly }

    let handle: OpaquePointer
    let path: String
    private var statementCache: [String: SQLiteStatement] = [:]

    init(path: String, mode: Mode, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, sql: "open \(path)")
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// The version of the SQLite library this process linked.
    static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    func error(_ code: Int32, _ sql: String) -> SQLiteError {
        // Read before anything else can overwrite it. SQLite records the errno
        // (`sqlite3_system_errno`) only for errors raised while a statement
        // runs, not for a failed COMMIT (measured: 0 after an EFBIG there); the
        // thread's errno then still holds the failed write's, which is what
        // SQLite's own `unixGetLastError` would report.
        let threadErrno = errno
        var systemErrno: Int32 = 0
        if [SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN].contains(code & 0xFF) {
            let recorded = sqlite3_system_errno(handle)
            systemErrno = recorded != 0 ? recorded : threadErrno
        }
        return SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql,
                           systemErrno: systemErrno)
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql) }
    }

    /// A prepared statement kept for the life of the connection (statements
    /// on the hot paths are prepared once and reset between uses).
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statementCache[sql] {
            cached.reset()
            return cached
        }
        let statement = try SQLiteStatement(connection: self, sql: sql, persistent: true)
        statementCache[sql] = statement
        return statement
    }

    /// Runs `body` inside a transaction. Writes use `BEGIN IMMEDIATE` so that
    /// the write lock is taken up front (a deferred read-then-write upgrade
    /// fails at once with SQLITE_BUSY_SNAPSHOT, whatever the busy timeout).
    /// After an error the transaction is rolled back only if SQLite has not
    /// already done so (after SQLITE_FULL or IOERR it has, after NOMEM it has not).
    func transaction<T>(immediate: Bool, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Convenience: the first column of the first row, as an integer.
    func scalarInt(_ sql: String) throws -> Int64? {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(0) : nil
    }

    func scalarText(_ sql: String) throws -> String? {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.text(0) : nil
    }
}
