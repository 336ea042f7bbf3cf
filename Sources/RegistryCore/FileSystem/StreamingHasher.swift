import Dispatch
import Foundation

/// Streams a file through a hash, optionally copying it at the same time: one read of the source serves both.
///
/// Copying: reading and writing run on the calling thread while a second thread hashes the chunk just read,
/// so a copy costs about `max(hash time, I/O time)` instead of their sum. Memory is constant: ``chunkCount``
/// buffers of ``chunkSize`` bytes, whatever the file size.
///
/// Hashing only, with the built-in SHA-256: the file is hashed straight out of read-only memory mappings of
/// ``mappingWindow`` bytes, one thread and no copy out of the page cache, so hashing many files on all cores
/// scales with the cores (`read()` would spend a fifth of the hash time copying). The C kernel runs under a
/// SIGBUS guard, so a file truncated meanwhile fails with ``RegistryError/Code/fileChanged`` instead of
/// killing the process. Other algorithms, files under ``smallestMappedFile`` and file systems that cannot
/// map use the `read()` pipeline; so does every hash when `MODELREG_HASH_MMAP=0` is set in the environment.
package enum StreamingHasher {
    /// Bytes per read.
    package static let chunkSize = 1 << 20
    /// Buffers in flight per stream.
    package static let chunkCount = 4
    /// Start write-back every this many bytes so the final fsync of a large copy is short.
    package static let writebackInterval: Int64 = 32 << 20
    /// Bytes mapped at a time: large enough that mapping costs nothing next to hashing, small enough that the
    /// mapped pages, which count towards the process's resident size, stay a few MiB per thread.
    package static let mappingWindow = 8 << 20
    /// Smaller files are read: mapping one costs more than copying it.
    package static let smallestMappedFile: Int64 = 1 << 20
    /// False when the environment sets `MODELREG_HASH_MMAP=0`, for hosts that own SIGBUS and want nobody
    /// else to install a handler for it.
    package static let mapsFiles: Bool = ProcessInfo.processInfo.environment["MODELREG_HASH_MMAP"] != "0"

    /// What a pass over a file produced.
    package struct Result: Equatable, Sendable {
        /// Bytes read.
        package var size: Int64
        /// Digest of those bytes.
        package var digest: Digest

        package init(size: Int64, digest: Digest) {
            self.size = size
            self.digest = digest
        }
    }

    /// Hashes the file at `path` (opened read-only, following no final symlink unless `followSymlinks`).
    package static func hashFile(_ path: String, algorithm: some HashAlgorithm, followSymlinks: Bool = false) throws
        -> Result
    {
        let source: OpenFile
        do {
            // O_NONBLOCK: opening a FIFO planted where a file belongs must not hang; it is refused just below.
            source = try OpenFile.open(path, O_RDONLY | O_NONBLOCK | (followSymlinks ? 0 : O_NOFOLLOW))
        } catch {
            throw RegistryError.systemCall(error, "open", path: path)
        }
        return try source.closeAfter { file in
            let status = try file.fileStatus()
            guard status.kind == .regular else {
                throw RegistryError(.invalidPath, "'\(path)' is not a regular file", path: path)
            }
            return try hashWhole(file, before: status, algorithm: algorithm)
        }
    }

    /// Told the number of bytes of each chunk as it passes (1 MiB read, or one 8 MiB mapped window), on the
    /// calling thread: what registration progress counts.
    package typealias ByteObserver = (Int64) -> Void

    /// Copies `source` into `destination` (both open) while hashing the bytes; does not fsync.
    package static func copy(
        from source: OpenFile, to destination: OpenFile, algorithm: some HashAlgorithm, onBytes: ByteObserver? = nil
    ) throws -> Result {
        try pump(from: source, to: destination, state: algorithm.makeState(), onBytes: onBytes)
    }

    /// Hashes a freshly opened regular file (its offset at 0) to the end.
    package static func hash(_ source: OpenFile, algorithm: some HashAlgorithm, onBytes: ByteObserver? = nil) throws
        -> Result
    {
        try hashWhole(source, before: try source.fileStatus(), algorithm: algorithm, onBytes: onBytes)
    }

    /// Hashes the whole file, and fails with `.fileChanged` unless it kept the size, mtime and ctime it had
    /// before: a digest of bytes that changed midway describes no version of the file.
    private static func hashWhole(
        _ file: OpenFile, before: FileStatus, algorithm: some HashAlgorithm, onBytes: ByteObserver? = nil
    ) throws -> Result {
        let result =
            if mapsFiles, before.size >= smallestMappedFile, algorithm is SHA256Algorithm {
                try hashMapped(file, size: before.size, onBytes: onBytes)
            } else {
                try pump(from: file, to: nil, state: algorithm.makeState(), onBytes: onBytes)
            }
        let after = try file.fileStatus()
        guard result.size == before.size, after.size == before.size, after.modified == before.modified,
            after.changed == before.changed
        else {
            let sizes = after.size == before.size ? "" : " (from \(before.size) to \(after.size) bytes)"
            throw RegistryError(
                .fileChanged,
                "'\(file.path)' changed\(sizes) while it was being hashed; try again once its writer is done",
                path: file.path)
        }
        return result
    }

    /// Hashes `size` bytes of `file` with SHA-256 through memory mappings. Where a window cannot be mapped or
    /// guarded (see `mr_sha256_update_mapped`), the rest of the file is read instead, into the same state.
    private static func hashMapped(_ file: OpenFile, size: Int64, onBytes: ByteObserver?) throws -> Result {
        var state = SHA256State()
        var offset: Int64 = 0
        while offset < size {
            let length = Int(min(Int64(mappingWindow), size - offset))
            guard let mapping = try? system_mapReadOnly(file.fd, offset: offset, length: length, path: file.path) else {
                break
            }
            let outcome = state.updateMapped(mapping)
            system_unmap(mapping)
            if outcome == .unguarded { break }
            if outcome == .faulted { throw faultError(file, at: offset, length: length) }
            offset += Int64(length)
            onBytes?(Int64(length))
        }
        guard offset < size else { return Result(size: size, digest: state.finalize()) }
        do {
            try system_seek(file.fd, to: offset, path: file.path)
        } catch {
            throw RegistryError.systemCall(error, "seek in", path: file.path)
        }
        let rest = try pump(from: file, to: nil, state: state, onBytes: onBytes)
        return Result(size: offset + rest.size, digest: rest.digest)
    }

    /// The error for a SIGBUS caught in the window at `offset`: the file shrank, or the disk failed.
    private static func faultError(_ file: OpenFile, at offset: Int64, length: Int) -> RegistryError {
        if let now = try? file.fileStatus(), now.size < offset + Int64(length) {
            return RegistryError(
                .fileChanged,
                "'\(file.path)' was truncated to \(now.size) bytes while it was being hashed; try again once its "
                    + "writer is done", path: file.path)
        }
        return RegistryError(
            .io,
            "cannot read '\(file.path)' between bytes \(offset) and \(offset + Int64(length)): an I/O error "
                + "(SIGBUS on a mapped page)", path: file.path)
    }

    private final class Pipeline: @unchecked Sendable {
        var state: any HashState
        let buffers: [UnsafeMutableRawBufferPointer]
        let free = DispatchSemaphore(value: StreamingHasher.chunkCount)
        let queue = DispatchQueue(label: "modelregistry.hash")

        init(state: any HashState) {
            self.state = state
            self.buffers = (0..<StreamingHasher.chunkCount).map { _ in
                UnsafeMutableRawBufferPointer.allocate(byteCount: StreamingHasher.chunkSize, alignment: 64)
            }
        }

        deinit { buffers.forEach { $0.deallocate() } }

        func hashAsync(slot: Int, count: Int) {
            queue.async {
                self.state.update(UnsafeRawBufferPointer(rebasing: self.buffers[slot][0..<count]))
                self.free.signal()
            }
        }

        func drain() { queue.sync {} }
    }

    private static func pump(
        from source: OpenFile, to destination: OpenFile?, state: any HashState, onBytes: ByteObserver?
    ) throws -> Result {
        let pipeline = Pipeline(state: state)
        var total: Int64 = 0
        var lastWriteback: Int64 = 0
        var slot = 0
        do {
            while true {
                pipeline.free.wait()
                let buffer = pipeline.buffers[slot]
                let count: Int
                do {
                    count = try source.readFully(into: buffer)
                } catch {
                    pipeline.free.signal()
                    throw RegistryError.systemCall(error, "read", path: source.path)
                }
                if count == 0 {
                    pipeline.free.signal()
                    break
                }
                pipeline.hashAsync(slot: slot, count: count)
                if let destination {
                    do {
                        try destination.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    } catch {
                        throw RegistryError.systemCall(error, "write", path: destination.path)
                    }
                    if total + Int64(count) - lastWriteback >= writebackInterval {
                        system_startWriteback(
                            destination.fd, offset: lastWriteback, length: total + Int64(count) - lastWriteback)
                        lastWriteback = total + Int64(count)
                    }
                }
                total += Int64(count)
                onBytes?(Int64(count))
                slot = (slot + 1) % chunkCount
                if count < buffer.count { break }  // readFully stops short only at end of file
            }
        } catch {
            pipeline.drain()
            throw error
        }
        pipeline.drain()
        return Result(size: total, digest: pipeline.state.finalize())
    }
}
