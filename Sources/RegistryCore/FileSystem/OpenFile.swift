#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open file descriptor together with the path it was opened from, so that every error names the file.
///
/// A small value type in the spirit of swift-system's `FileDescriptor`; it does not close itself. Use
/// ``closeAfter(_:)``.
package struct OpenFile {
    /// The raw descriptor.
    package let fd: Int32
    /// The path it was opened from, used in error messages and for fault injection.
    package let path: String

    /// Opens `path` with `flags` (`O_CLOEXEC` is always added).
    package static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemCallError) -> OpenFile {
        OpenFile(fd: try system_open(path, flags, mode), path: path)
    }

    /// Opens a file published in a registry: read-only and refusing a symbolic link as the last component.
    package static func openPublished(_ path: String) throws(SystemCallError) -> OpenFile {
        // O_NONBLOCK: a FIFO planted where a document belongs must not hang the reader (#14); on regular files
        // the flag changes nothing.
        try open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
    }

    /// Runs `body`, then closes the descriptor whether or not `body` threw.
    ///
    /// - Throws: what `body` throws; a failed `close` as a `RegistryError` naming the file (after a write, `close`
    ///   can report an I/O error the writes did not).
    package func closeAfter<R>(_ body: (OpenFile) throws -> R) throws -> R {
        let result: R
        do {
            result = try body(self)
        } catch {
            try? close()
            throw error
        }
        do {
            try close()
        } catch {
            throw RegistryError.systemCall(error, "close the file", path: path)
        }
        return result
    }

    /// Closes the descriptor.
    package func close() throws(SystemCallError) {
        try system_close(fd, path: path)
    }

    /// Unlocks the descriptor's `flock`, then closes it. A lock belongs to the open file description, which a child
    /// that another thread of this process is spawning shares until it calls `exec`: closing alone would leave the
    /// lock held for that moment, and whoever asks for it meanwhile (this process included) would find it taken.
    package func closeReleasingLock() throws(SystemCallError) {
        system_unlock(fd)
        try close()
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try system_read(fd, base, buffer.count, path: path)
    }

    /// Fills `buffer` completely unless end of file comes first; returns the bytes read.
    package func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// Reads the whole file. Only for small documents (manifests, alias records); never for model weights.
    package func readAll(limit: Int = 64 << 20) throws(SystemCallError) -> [UInt8] {
        var result = [UInt8]()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = try read(into: chunk)
            if count == 0 { return result }
            result.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            if result.count > limit { throw SystemCallError(systemCall: "read", errno: EFBIG) }
        }
    }

    /// Writes every byte, looping over short writes (the C function is `write`).
    package func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        guard let base = bytes.baseAddress else { return }
        var written = 0
        while written < bytes.count {
            let count = try system_write(fd, base + written, bytes.count - written, path: path)
            if count == 0 { throw SystemCallError(systemCall: "write", errno: EIO) }
            written += count
        }
    }

    /// Writes every byte of an array.
    package func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeAll($0) }
    }

    /// Flushes the file to stable storage (the C function is `fsync`; `F_FULLFSYNC` on Darwin).
    package func sync() throws(SystemCallError) {
        try system_fsync(fd, path: path)
    }

    /// The file's metadata (the C function is `fstat`).
    package func status() throws(SystemCallError) -> stat {
        try system_fstat(fd, path: path)
    }

    /// Sets the permission bits (the C function is `fchmod`).
    package func setPermissions(_ mode: mode_t) throws(SystemCallError) {
        try system_fchmod(fd, mode, path: path)
    }

    /// Takes or releases an advisory lock (the C function is `flock`).
    package func lock(_ operation: Int32) throws(SystemCallError) {
        try system_flock(fd, operation, path: path)
    }

    /// Sets the file's length (the C function is `ftruncate`).
    package func truncate(to length: Int64) throws(SystemCallError) {
        try system_ftruncate(fd, length, path: path)
    }
}
