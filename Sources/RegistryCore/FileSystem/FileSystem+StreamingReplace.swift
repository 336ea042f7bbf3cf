#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension FileSystem {
    /// An atomic replace whose contents are written piece by piece: for a file too large to assemble in memory
    /// first (the query index at a million artifacts).
    ///
    /// **Durability:** as ``FileSystem/atomicReplace(_:contents:mode:)``: the bytes go to a fresh, uniquely named
    /// `.tmp-<pid>-<random>` file next to the target (`O_CREAT|O_EXCL`); ``commit()`` sets its permissions,
    /// fsyncs it, renames it over the target and fsyncs the directory. A crash before the rename leaves the old
    /// file plus an orphaned `.tmp-` file, which the next writer in that directory removes once its creator no
    /// longer runs; a crash after it leaves the new file. ``abandon()`` removes the temporary file.
    ///
    /// Writes are buffered (1 MiB); ``patch(at:_:)`` rewrites bytes already written (a header whose fields are
    /// known only at the end), and ``read(at:count:)`` reads them back (to hash the finished file).
    package final class StreamingReplacement {
        /// The file this replaces.
        package let path: String
        /// The temporary file the bytes go to.
        package let temporaryPath: String
        private let file: OpenFile
        private let mode: mode_t
        private var buffer: [UInt8] = []
        private static let bufferSize = 1 << 20
        private var isOpen = true
        /// Synced and closed by ``seal()``, waiting for ``install()``.
        private var isSealed = false
        /// The bytes whose write-back ``flush()`` has started.
        private var writebackStarted: Int64 = 0
        private static let writebackChunk: Int64 = 16 << 20
        /// The bytes written so far (buffered or not).
        package private(set) var length: Int64 = 0

        /// Creates the temporary file next to `path`.
        ///
        /// - Throws: I/O errors naming `path`.
        package init(replacing path: String, mode: mode_t = 0o644) throws {
            self.path = path
            self.mode = mode
            temporaryPath = FileSystem.parent(of: path) + "/" + FileSystem.uniqueName(FileSystem.temporaryPrefix)
            do {
                file = try OpenFile.open(temporaryPath, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            } catch {
                throw RegistryError.systemCall(error, "create", path: path)
            }
            buffer.reserveCapacity(Self.bufferSize)
        }

        deinit {
            if isOpen { abandon() }
        }

        /// Appends bytes.
        ///
        /// - Throws: I/O errors naming the target.
        package func write(_ bytes: UnsafeRawBufferPointer) throws {
            length += Int64(bytes.count)
            if buffer.count + bytes.count > Self.bufferSize { try flush() }
            if bytes.count >= Self.bufferSize {
                try guarded("write") { try file.writeAll(bytes) }
            } else {
                buffer.append(contentsOf: bytes)
            }
        }

        /// Appends bytes.
        package func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }

        /// Writes everything buffered, and starts write-back of every full 16 MiB written so far, so that the
        /// final `fsync` has little left to do: one large `fsync` at the end would make the small `fsync`s of
        /// concurrent writers (a compaction runs beside them) wait for the whole file on a journaling file system.
        package func flush() throws {
            guard !buffer.isEmpty else { return }
            try guarded("write") { try buffer.withUnsafeBytes { try file.writeAll($0) } }
            buffer.removeAll(keepingCapacity: true)
            let written = length - Int64(buffer.count)
            if written - writebackStarted >= Self.writebackChunk {
                system_startWriteback(file.fd, offset: writebackStarted, length: written - writebackStarted)
                writebackStarted = written
            }
        }

        /// Overwrites bytes already written, at `offset`; later writes still append.
        ///
        /// - Precondition: `offset + bytes.count` is at most ``length``.
        package func patch(at offset: Int64, _ bytes: [UInt8]) throws {
            precondition(offset >= 0 && offset + Int64(bytes.count) <= length, "patch(at:_:) inside the written bytes")
            try flush()
            try guarded("write") {
                try system_seek(file.fd, to: offset, path: temporaryPath)
                try file.writeAll(bytes)
                try system_seek(file.fd, to: length, path: temporaryPath)
            }
        }

        /// Reads back up to `count` written bytes at `offset`.
        package func read(at offset: Int64, count: Int) throws -> [UInt8] {
            try flush()
            return try file.read(at: offset, count: count)
        }

        /// Makes the file durable and renames it over the target, then syncs the directory.
        ///
        /// - Throws: I/O errors naming the target; the temporary file is removed then.
        package func commit() throws {
            try seal()
            try install()
        }

        /// Makes the temporary file durable and closes it, without renaming it yet: the expensive half of a
        /// replace that ``install()`` finishes later (a compaction builds its file without the writer lock and
        /// installs it under the lock). Until then the file is removed by ``abandon()`` or when this is released.
        ///
        /// - Throws: I/O errors naming the target; the temporary file is removed then.
        package func seal() throws {
            precondition(isOpen && !isSealed, "seal() once, before install()")
            try flush()
            try guarded("write") {
                CrashPoint.hit("stream.afterTempWrite")
                try file.setPermissions(mode)
                try file.sync()
                CrashPoint.hit("stream.afterTempSync")
            }
            do {
                try file.close()
            } catch {
                abandon()
                throw RegistryError.systemCall(error, "close", path: path)
            }
            isSealed = true
        }

        /// Renames the sealed file over the target and syncs the directory.
        ///
        /// - Throws: I/O errors naming the target; the temporary file is removed then.
        package func install() throws {
            precondition(isOpen && isSealed, "install() after seal()")
            isOpen = false
            do {
                try system_rename(temporaryPath, path)
            } catch {
                try? removeTree(temporaryPath)
                throw RegistryError.systemCall(error, "replace", path: path)
            }
            CrashPoint.hit("stream.afterRename")
            try syncDirectory(parent(of: path))
        }

        /// Closes and removes the temporary file (the target is left as it was).
        package func abandon() {
            guard isOpen else { return }
            isOpen = false
            if !isSealed { try? file.close() }
            try? removeTree(temporaryPath)
        }

        private func guarded(_ action: String, _ body: () throws -> Void) throws {
            do {
                try body()
            } catch let error as SystemCallError {
                abandon()
                throw RegistryError.systemCall(error, action, path: path)
            } catch {
                abandon()
                throw error
            }
        }
    }
}
