import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `SQLITE_READONLY_DIRECTORY` (1544): a macro expression Swift does not import.
private let sqliteReadOnlyDirectory: Int32 = SQLITE_READONLY | (6 << 8)

extension SQLiteError {
    /// The public error for this SQLite failure.
    ///
    /// A full disk and a file-size limit stay ``FathomError/storage(code:message:context:)``
    /// (the SQLite code tells them apart: 13 `SQLITE_FULL`, 778 `SQLITE_IOERR_WRITE`), but the
    /// message says which limit was hit, since SQLite's own text ("database or disk is full",
    /// "disk I/O error") does not say what to free or raise. After either, SQLite has rolled the
    /// transaction back: what was committed before is intact.
    func fathomError(path: String, context: String) -> FathomError {
        switch primaryCode {
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy(context: context)
        case SQLITE_READONLY where code == sqliteReadOnlyDirectory:
            // A WAL database cannot even be read unless SQLite can create its
            // -wal and -shm files beside it (they exist only while some process
            // has the database open); "read-only" would wrongly blame the open mode.
            return .io(path: path, reason: "cannot be opened: its directory is not writable, and SQLite must create "
                           + "the database's -wal and -shm files there, even to read it")
        case SQLITE_READONLY: return .readOnly(path: path)
        case SQLITE_NOTADB: return .notAFathomDatabase(path: path, reason: "not an SQLite file")
        case SQLITE_CORRUPT: return .corruption(what: "the SQLite file \(path)", detail: message)
        case SQLITE_FULL where systemErrno == ENOSPC, SQLITE_IOERR where systemErrno == ENOSPC:
            return .storage(code: code, message: "disk full: no space left on the device for \(path) or its -wal file "
                                + "(\(message))", context: context)
        case SQLITE_FULL:
            // Also PRAGMA max_page_count, which is not the disk.
            return .storage(code: code, message: "disk or database full: \(message)", context: context)
        case SQLITE_IOERR where systemErrno == EFBIG:
            return .storage(code: code, message: "file size limit reached: \(path) or its -wal file cannot grow "
                                + "past this process's limit (ulimit -f) (\(message))", context: context)
        case SQLITE_CANTOPEN: return .io(path: path, reason: "cannot open: \(message)")
        default: return .storage(code: code, message: message, context: context)
        }
    }
}

/// Runs `body`, turning SQLite errors into ``FathomError``s that say what
/// Fathom was doing. Every public entry point goes through this.
func withStorageErrors<T>(path: String, _ context: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SQLiteError {
        throw error.fathomError(path: path, context: context())
    }
}
