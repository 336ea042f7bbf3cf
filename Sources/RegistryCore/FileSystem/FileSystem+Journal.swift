#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Primitives for append-only journals (the audit log): streaming reads, reads at an offset (to find the tail
// without reading the whole file) and durable truncation (to cut off a torn final record).

/// pread(2): reads up to `count` bytes at `offset` without moving the file position.
package func system_pread(
    _ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, offset: Int64, path: String
) throws(SystemCallError) -> Int {
    try system_check(.read, path: path)
    while true {
        let result = pread(fd, buffer, count, off_t(offset))
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemCallError(systemCall: "pread", errno: code)
    }
}

extension FileSystem {
    /// Opens an existing file for reading from the start (streaming or at offsets), refusing a symbolic link as
    /// the last component. Returns nil when nothing is at `path`.
    ///
    /// The caller closes the returned file (``OpenFile/closeAfter(_:)`` or ``OpenFile/close()``).
    package static func openForReading(_ path: String) throws -> OpenFile? {
        do {
            return try OpenFile.openPublished(path)
        } catch let error where error.errno == ENOENT {
            return nil
        } catch {
            throw RegistryError.systemCall(error, "open for reading", path: path)
        }
    }

    /// Cuts the file at `path` down to `length` bytes and fsyncs it.
    ///
    /// **Durability:** the new length is durable when this returns (the C functions are `ftruncate` and `fsync`).
    /// The directory is not synced: the file's name does not change.
    package static func truncate(_ path: String, to length: Int64) throws {
        precondition(length >= 0, "FileSystem.truncate(_:to:) needs a length of zero or more, got \(length).")
        do {
            let file = try OpenFile.open(path, O_WRONLY | O_NOFOLLOW)
            try file.closeAfter { file in
                try file.truncate(to: length)
                try file.sync()
            }
        } catch {
            throw RegistryError.systemCall(error, "truncate", path: path)
        }
    }
}

extension OpenFile {
    /// Reads up to `count` bytes starting at `offset` (the C function is `pread`), looping over short reads.
    /// Returns fewer bytes only at end of file. Does not move the file position.
    ///
    /// - Throws: ``RegistryError`` naming the file when the read fails.
    package func read(at offset: Int64, count: Int) throws -> [UInt8] {
        precondition(offset >= 0 && count >= 0, "OpenFile.read(at:count:) needs a non-negative offset and count.")
        var filled = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            defer { initialized = filled }
            while filled < count, let base = buffer.baseAddress {
                let got: Int
                do {
                    got = try system_pread(
                        fd, base + filled, count - filled, offset: offset + Int64(filled), path: path)
                } catch {
                    throw RegistryError.systemCall(error, "read", path: path)
                }
                if got == 0 { break }
                filled += got
            }
        }
        return bytes
    }

    /// Reads the next bytes from the current position into `buffer`; returns 0 at end of file.
    ///
    /// - Throws: ``RegistryError`` naming the file when the read fails.
    package func readChunk(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            return try read(into: buffer)
        } catch {
            throw RegistryError.systemCall(error, "read", path: path)
        }
    }
}
