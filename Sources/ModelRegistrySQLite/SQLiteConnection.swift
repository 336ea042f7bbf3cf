#if SQLite
    import CSQLite
    import RegistryCore

    /// One SQLite connection, with every failure turned into a ``RegistryError`` that names the database file.
    ///
    /// Not thread-safe on its own: ``SQLiteIndexBackend`` guards every connection with its lock (the connection is
    /// opened with `SQLITE_OPEN_NOMUTEX`).
    final class SQLiteConnection {
        /// The database file, or `:memory:`.
        let path: String
        private let handle: OpaquePointer

        /// SQLite's "copy the bytes now" destructor, `SQLITE_TRANSIENT`, which the C macro cannot express in Swift.
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        /// How a connection is opened.
        enum Mode {
            /// Create the file if needed; read and write.
            case create
            /// Read and write an existing file.
            case readWrite
            /// Read an existing file only.
            case readOnly
            /// A private in-memory database.
            case memory
            /// Create a new file for a full build: no rollback journal and no syncs (the caller fsyncs the finished
            /// file and only then puts it in place, so a crash leaves a half-built file that is never read).
            case bulkLoad
        }

        /// Opens a connection.
        ///
        /// - Throws: ``RegistryError`` (`.notFound` when the file does not exist and `mode` does not create it,
        ///   `.permissionDenied`, `.invalidDocument` for a file that is not a database, `.io` otherwise).
        init(path: String, mode: Mode) throws {
            var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW
            switch mode {
            case .create, .bulkLoad: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .readWrite: flags |= SQLITE_OPEN_READWRITE
            case .readOnly: flags |= SQLITE_OPEN_READONLY
            case .memory: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY
            }
            var pointer: OpaquePointer?
            let result = sqlite3_open_v2(mode == .memory ? ":memory:" : path, &pointer, flags, nil)
            guard result == SQLITE_OK, let pointer else {
                let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                if let pointer { sqlite3_close_v2(pointer) }
                throw Self.error(code: result, message: message, path: path, doing: "open")
            }
            self.path = mode == .memory ? ":memory:" : path
            self.handle = pointer
            sqlite3_extended_result_codes(pointer, 1)
            // The caller holds the registry's writer lock for every write; this only rides out a checkpoint or a
            // reader's brief lock on the WAL index.
            sqlite3_busy_timeout(pointer, 10_000)
            if mode == .bulkLoad {
                try execute("PRAGMA journal_mode=OFF")
                try execute("PRAGMA synchronous=OFF")
                // Room to sort the secondary indexes in memory, bounded: 16 MiB of page cache (a full build streams
                // its rows in, so this is most of what the database adds to a rebuild's memory).
                try execute("PRAGMA cache_size=-16384")
                try execute("PRAGMA temp_store=FILE")
            }
            if mode == .create || mode == .readWrite {
                // The index is a cache whose stamp commits with its rows: a transaction lost to a power cut leaves
                // an older, consistent index that readers catch up from the log, so WAL commits need not fsync.
                try execute("PRAGMA synchronous=NORMAL")
                // After a checkpoint resets the WAL, cut its file back to 4 MiB.
                try execute("PRAGMA journal_size_limit=4194304")
                // Keep `-wal` and `-shm` when the last connection closes, so that read-only readers (who may not
                // create files) can always open the database.
                var persist: Int32 = 1
                sqlite3_file_control(pointer, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
            }
        }

        deinit {
            sqlite3_close_v2(handle)
        }

        /// Runs statements that return no rows.
        func execute(_ sql: String) throws {
            var message: UnsafeMutablePointer<CChar>?
            let result = sqlite3_exec(handle, sql, nil, nil, &message)
            if result != SQLITE_OK {
                let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
                sqlite3_free(message)
                throw Self.error(code: result, message: text, path: path, doing: "run '\(sql.prefix(60))'")
            }
        }

        /// Prepares one statement.
        func prepare(_ sql: String) throws -> Statement {
            var statement: OpaquePointer?
            let result = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
            guard result == SQLITE_OK, let statement else {
                throw Self.error(code: result, message: lastMessage, path: path, doing: "prepare '\(sql.prefix(60))'")
            }
            return Statement(statement, connection: self)
        }

        /// Runs `body` in a transaction: `BEGIN IMMEDIATE` for writes, `BEGIN` for reads that must see one
        /// snapshot; rolled back when `body` throws.
        func transaction<R>(write: Bool, _ body: () throws -> R) throws -> R {
            try execute(write ? "BEGIN IMMEDIATE" : "BEGIN")
            do {
                let result = try body()
                try execute("COMMIT")
                return result
            } catch {
                try? execute("ROLLBACK")
                throw error
            }
        }

        /// Copies this connection's whole database into `destination` (SQLite's online backup).
        func copy(into destination: SQLiteConnection) throws {
            guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
                throw Self.error(
                    code: sqlite3_errcode(destination.handle), message: destination.lastMessage, path: path,
                    doing: "copy")
            }
            let step = sqlite3_backup_step(backup, -1)
            let finish = sqlite3_backup_finish(backup)
            if step != SQLITE_DONE {
                throw Self.error(code: step, message: String(cString: sqlite3_errstr(step)), path: path, doing: "copy")
            }
            if finish != SQLITE_OK {
                throw Self.error(code: finish, message: destination.lastMessage, path: path, doing: "copy")
            }
        }

        var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

        /// The rowid of the last row this connection inserted.
        var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

        /// A typed error for an SQLite result code: damage is `.invalidDocument` (the index is then rebuilt), a
        /// missing file `.notFound`, permissions `.permissionDenied`, a full disk `.noSpace`, the rest `.io`.
        static func error(code: Int32, message: String, path: String, doing action: String) -> RegistryError {
            let primary = code & 0xFF
            let text = "SQLite index \(path): cannot \(action): \(message) (SQLite error \(code))"
            if code == SQLITE_IOERR | (2 << 8) {  // SQLITE_IOERR_SHORT_READ: a file shorter than its header says
                return RegistryError(.invalidDocument, text, path: path)
            }
            switch primary {
            case SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_FORMAT, SQLITE_MISMATCH, SQLITE_SCHEMA:
                return RegistryError(.invalidDocument, text, path: path)
            case SQLITE_CANTOPEN:
                return RegistryError(.notFound, text, path: path)
            case SQLITE_PERM, SQLITE_AUTH:
                return RegistryError(.permissionDenied, text, path: path)
            case SQLITE_READONLY:
                return RegistryError(.readOnlyFileSystem, text, path: path)
            case SQLITE_FULL:
                return RegistryError(.noSpace, text, path: path)
            case SQLITE_BUSY, SQLITE_LOCKED:
                return RegistryError(.lockTimeout, text, path: path)
            default:
                return RegistryError(.io, text, path: path)
            }
        }

        /// A prepared statement; finalized when released.
        final class Statement {
            private let pointer: OpaquePointer
            private let connection: SQLiteConnection

            fileprivate init(_ pointer: OpaquePointer, connection: SQLiteConnection) {
                self.pointer = pointer
                self.connection = connection
            }

            deinit {
                sqlite3_finalize(pointer)
            }

            /// Binds parameters 1, 2, … (nil binds NULL) after resetting the statement.
            func bind(_ values: [Value?]) throws {
                sqlite3_reset(pointer)
                sqlite3_clear_bindings(pointer)
                for (offset, value) in values.enumerated() {
                    let index = Int32(offset + 1)
                    let result: Int32
                    switch value {
                    case nil: result = sqlite3_bind_null(pointer, index)
                    case .integer(let number): result = sqlite3_bind_int64(pointer, index, number)
                    case .text(let text):
                        result = text.utf8CString.withUnsafeBufferPointer {
                            sqlite3_bind_text(pointer, index, $0.baseAddress, Int32($0.count - 1), transient)
                        }
                    case .bytes(let bytes):
                        // A zero-length blob is still a blob, never NULL.
                        result = (bytes.isEmpty ? [0] : bytes).withUnsafeBufferPointer {
                            sqlite3_bind_blob(pointer, index, $0.baseAddress, Int32(bytes.count), transient)
                        }
                    }
                    if result != SQLITE_OK {
                        throw SQLiteConnection.error(
                            code: result, message: connection.lastMessage, path: connection.path, doing: "bind")
                    }
                }
            }

            /// Steps once: true when a row is available.
            func step() throws -> Bool {
                let result = sqlite3_step(pointer)
                switch result {
                case SQLITE_ROW: return true
                case SQLITE_DONE: return false
                default:
                    throw SQLiteConnection.error(
                        code: result, message: connection.lastMessage, path: connection.path, doing: "step")
                }
            }

            /// The current row, after ``step()`` returned true.
            var row: Row { Row(pointer: pointer, connection: connection) }

            /// Binds and runs a statement that returns no rows.
            func run(_ values: [Value?] = []) throws {
                try bind(values)
                while try step() {}
            }

            /// Binds, then calls `body` for each row.
            func forEachRow(_ values: [Value?] = [], _ body: (Row) throws -> Void) throws {
                try bind(values)
                while try step() { try body(Row(pointer: pointer, connection: connection)) }
            }
        }

        /// A value bound to a statement parameter.
        enum Value {
            case integer(Int64)
            case text(String)
            /// A blob.
            case bytes([UInt8])
        }

        /// The current row of a statement.
        struct Row {
            fileprivate let pointer: OpaquePointer
            fileprivate let connection: SQLiteConnection

            /// Whether column `index` is NULL.
            func isNull(_ index: Int32) -> Bool { sqlite3_column_type(pointer, index) == SQLITE_NULL }

            /// Column `index` as an integer; a column of another type is damage.
            func integer(_ index: Int32) throws -> Int64 {
                guard sqlite3_column_type(pointer, index) == SQLITE_INTEGER else {
                    throw typeError(index, "an integer")
                }
                return sqlite3_column_int64(pointer, index)
            }

            /// Column `index` as text; a column of another type is damage.
            func text(_ index: Int32) throws -> String {
                guard sqlite3_column_type(pointer, index) == SQLITE_TEXT else { throw typeError(index, "text") }
                guard let bytes = sqlite3_column_text(pointer, index) else { return "" }
                let count = Int(sqlite3_column_bytes(pointer, index))
                return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
            }

            /// Column `index` as a blob, or nil when it is not a blob (NULL, text, a number).
            func optionalBlob(_ index: Int32) throws -> [UInt8]? {
                guard sqlite3_column_type(pointer, index) == SQLITE_BLOB else { return nil }
                let count = Int(sqlite3_column_bytes(pointer, index))
                guard count > 0, let bytes = sqlite3_column_blob(pointer, index) else { return [] }
                return Array(UnsafeRawBufferPointer(start: bytes, count: count))
            }

            /// Column `index` as a blob; a column of another type is damage.
            func blob(_ index: Int32) throws -> [UInt8] {
                guard let bytes = try optionalBlob(index) else { throw typeError(index, "a blob") }
                return bytes
            }

            /// Column `index` as text, or nil for NULL.
            func optionalText(_ index: Int32) throws -> String? { isNull(index) ? nil : try text(index) }

            /// Column `index` as an integer, or nil for NULL.
            func optionalInteger(_ index: Int32) throws -> Int64? { isNull(index) ? nil : try integer(index) }

            private func typeError(_ index: Int32, _ expected: String) -> RegistryError {
                let name = sqlite3_column_name(pointer, index).map { String(cString: $0) } ?? "column \(index)"
                return RegistryError(
                    .invalidDocument, "SQLite index \(connection.path): column '\(name)' is not \(expected)",
                    path: connection.path)
            }
        }
    }
#endif
