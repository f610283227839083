import CSQLite
import KeelLog
import Synchronization

/// The SQLite baseline: the same commits written to SQLite in WAL mode, one INSERT per record into
/// `records(stream TEXT, lsn INTEGER PRIMARY KEY, payload BLOB)` inside one transaction per commit.
///
/// With fsync durability the connection runs `synchronous=FULL` (each commit syncs the WAL); with
/// relaxed durability `synchronous=NORMAL`. Concurrent appenders share one connection behind a
/// mutex: SQLite takes one writer at a time anyway, and a mutex queue is its best case (no
/// busy-handler sleeps). The table has no index on `stream`, which also favours SQLite.
final class SQLiteBaseline: Sendable {
    private let database: Mutex<SQLiteDatabase>

    /// Creates the database at `path` (which must not exist).
    ///
    /// - Throws: `BenchError` when SQLite refuses to open it or to switch to WAL mode.
    init(path: String, isSynchronousFull: Bool) throws(BenchError) {
        database = Mutex(try SQLiteDatabase(path: path, isSynchronousFull: isSynchronousFull))
    }

    /// Inserts `records` in one transaction and returns once it committed.
    func append(_ records: [LogRecord]) throws(BenchError) {
        try database.withLock { (database: inout SQLiteDatabase) throws(BenchError) in
            try database.insert(records)
        }
    }

    /// Closes the connection (checkpointing the WAL into the database file).
    func close() {
        database.withLock { $0.close() }
    }
}

/// An open SQLite connection and its prepared statements; closed when dropped.
struct SQLiteDatabase: ~Copyable {
    private var handle: OpaquePointer?
    private var begin: OpaquePointer?
    private var commit: OpaquePointer?
    private var insertRecord: OpaquePointer?
    private var nextLSN: Int64 = 1

    init(path: String, isSynchronousFull: Bool) throws(BenchError) {
        var opened: OpaquePointer? = nil
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(opened)
            throw BenchError("sqlite", "opening \(path): expected SQLITE_OK, found \(status) (\(message))")
        }
        // Nothing is stored until everything succeeded, so a failure closes exactly what it opened.
        var statements: [OpaquePointer] = []
        do throws(BenchError) {
            let mode = try Self.pragma(opened, "PRAGMA journal_mode=WAL")
            guard mode == "wal" else {
                throw BenchError("sqlite", "journal_mode: expected wal, found \(mode ?? "nothing")")
            }
            let synchronous = isSynchronousFull ? "2" : "1"
            _ = try Self.pragma(opened, "PRAGMA synchronous=\(isSynchronousFull ? "FULL" : "NORMAL")")
            let found = try Self.pragma(opened, "PRAGMA synchronous")
            guard found == synchronous else {
                throw BenchError("sqlite", "synchronous: expected \(synchronous), found \(found ?? "nothing")")
            }
            _ = try Self.pragma(
                opened, "CREATE TABLE records (stream TEXT NOT NULL, lsn INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
            for sql in ["BEGIN IMMEDIATE", "COMMIT", "INSERT INTO records (stream, lsn, payload) VALUES (?1, ?2, ?3)"] {
                statements.append(try Self.prepare(opened, sql))
            }
        } catch {
            for statement in statements { sqlite3_finalize(statement) }
            sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
        begin = statements[0]
        commit = statements[1]
        insertRecord = statements[2]
    }

    deinit {
        sqlite3_finalize(begin)
        sqlite3_finalize(commit)
        sqlite3_finalize(insertRecord)
        sqlite3_close_v2(handle)
    }

    /// Finalizes the statements and closes the connection.
    mutating func close() {
        sqlite3_finalize(begin)
        sqlite3_finalize(commit)
        sqlite3_finalize(insertRecord)
        sqlite3_close_v2(handle)
        begin = nil
        commit = nil
        insertRecord = nil
        handle = nil
    }

    /// Inserts `records` with consecutive LSNs in one transaction.
    mutating func insert(_ records: [LogRecord]) throws(BenchError) {
        guard let handle, let begin, let commit, let insertRecord else {
            throw BenchError("sqlite", "insert: expected an open connection, found it closed")
        }
        try step(begin, handle, "BEGIN IMMEDIATE")
        for record in records {
            let lsn = nextLSN
            let status = record.stream.bytes.withUnsafeBufferPointer { key in
                record.payload.withUnsafeBytes { payload in
                    // A null destructor is SQLITE_STATIC: the bytes outlive the step below.
                    sqlite3_bind_text(
                        insertRecord, 1,
                        key.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                        Int32(key.count), nil)
                    sqlite3_bind_int64(insertRecord, 2, lsn)
                    sqlite3_bind_blob(insertRecord, 3, payload.baseAddress, Int32(payload.count), nil)
                    let status = sqlite3_step(insertRecord)
                    sqlite3_reset(insertRecord)
                    return status
                }
            }
            guard status == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(handle))
                sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
                throw BenchError("sqlite", "INSERT of LSN \(lsn): expected SQLITE_DONE, found \(status) (\(message))")
            }
            nextLSN += 1
        }
        try step(commit, handle, "COMMIT")
    }

    private func step(_ statement: OpaquePointer, _ handle: OpaquePointer, _ what: String) throws(BenchError) {
        let status = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard status == SQLITE_DONE else {
            throw BenchError(
                "sqlite", "\(what): expected SQLITE_DONE, found \(status) (\(String(cString: sqlite3_errmsg(handle))))")
        }
    }

    private static func prepare(_ handle: OpaquePointer, _ sql: String) throws(BenchError) -> OpaquePointer {
        var statement: OpaquePointer? = nil
        let status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw BenchError(
                "sqlite",
                "preparing \(sql): expected SQLITE_OK, found \(status) (\(String(cString: sqlite3_errmsg(handle))))")
        }
        return statement
    }

    /// Runs one statement to completion; returns the first column of its first row, if any.
    private static func pragma(_ handle: OpaquePointer, _ sql: String) throws(BenchError) -> String? {
        let statement = try prepare(handle, sql)
        defer { sqlite3_finalize(statement) }
        var first: String? = nil
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return first }
            guard status == SQLITE_ROW else {
                throw BenchError(
                    "sqlite",
                    "\(sql): expected a row or SQLITE_DONE, found \(status) (\(String(cString: sqlite3_errmsg(handle))))"
                )
            }
            if first == nil, let text = sqlite3_column_text(statement, 0) { first = String(cString: text) }
        }
    }
}
