import CSQLite

extension SQLiteError {
    /// The public error for this SQLite failure.
    func fathomError(path: String, context: String) -> FathomError {
        switch primaryCode {
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy(context: context)
        case SQLITE_READONLY: return .readOnly(path: path)
        case SQLITE_NOTADB: return .notAFathomDatabase(path: path, reason: "not an SQLite file")
        case SQLITE_CORRUPT: return .corruption(what: "the SQLite file \(path)", detail: message)
        case SQLITE_FULL: return .storage(code: code, message: "disk or database full: \(message)", context: context)
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
