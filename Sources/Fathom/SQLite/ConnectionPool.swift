import Synchronization

/// The connections of one open database: one writer and a pool of readers.
///
/// SQLite in WAL mode lets readers run while one writer commits. Fathom keeps
/// exactly one writer connection per process (the system SQLite 3.40.1 has the
/// WAL-reset bug when two connections of one process write or checkpoint at
/// once), guarded by `writer`; other processes are serialised by SQLite's own
/// lock with `BEGIN IMMEDIATE` and the busy timeout. Readers are checked out of
/// `idleReaders`, used by one thread, and returned.
final class ConnectionPool: Sendable {
    let path: String
    let readOnly: Bool
    private let busyTimeout: Int32
    private let synchronous: String

    /// The `synchronous` pragma the writer uses (FULL or NORMAL).
    var synchronousSetting: String { synchronous }
    /// Guards the writer connection; held for the whole of a write transaction.
    private let writer: Mutex<SQLiteConnection?>
    /// Guards the list of idle reader connections (not their use).
    private let idleReaders = Mutex<[SQLiteConnection]>([])

    init(path: String, readOnly: Bool, busyTimeoutMilliseconds: Int32, synchronous: String) {
        self.path = path
        self.readOnly = readOnly
        self.busyTimeout = busyTimeoutMilliseconds
        self.synchronous = synchronous
        self.writer = Mutex(nil)
    }

    /// Runs `body` with the writer connection, opening it on first use.
    func withWriter<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        guard !readOnly else { throw FathomError.readOnly(path: path) }
        return try writer.withLock { slot -> T in
            if slot == nil {
                let connection = try SQLiteConnection(path: path, mode: .readWrite, busyTimeoutMilliseconds: busyTimeout)
                try connection.execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = \(synchronous);")
                slot = connection
            }
            return try body(slot!)
        }
    }

    /// Runs `body` with a reader connection from the pool.
    func withReader<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let pooled = idleReaders.withLock { $0.popLast() }
        let connection: SQLiteConnection
        if let pooled {
            connection = pooled
        } else {
            connection = try SQLiteConnection(path: path, mode: readOnly ? .readOnly : .readWrite,
                                              busyTimeoutMilliseconds: busyTimeout)
            if !readOnly { try connection.execute("PRAGMA query_only = ON") }
            // 32 MiB of page cache per reader (SQLite's default is 2 MiB): the
            // rows a search resolves to external ids stay cached across read
            // transactions in WAL mode; measured 5 µs of a 73 µs query on
            // reuters21578. The cache grows only as pages are read.
            try connection.execute("PRAGMA cache_size = -32768")
        }
        defer {
            // A connection left inside a transaction by an error is not reused.
            if !connection.isInTransaction { idleReaders.withLock { $0.append(connection) } }
        }
        return try body(connection)
    }

    /// Runs `body` inside one read transaction, so that every statement sees
    /// the same committed state (the snapshot of a query).
    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try withReader { connection in
            try connection.transaction(immediate: false, { try body(connection) })
        }
    }

    /// Runs `body` inside one write transaction (`BEGIN IMMEDIATE`).
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try withWriter { connection in
            try connection.transaction(immediate: true, { try body(connection) })
        }
    }
}
