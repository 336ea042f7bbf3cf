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
    package struct Result: Equatable {
        /// Bytes read.
        package var size: Int64
        /// Digest of those bytes.
        package var digest: Digest
    }

    /// Hashes the file at `path` (opened read-only, following no final symlink unless `followSymlinks`).
    package static func hashFile(_ path: String, algorithm: some HashAlgorithm, followSymlinks: Bool = false) throws -> Result {
        let source: OpenFile
        do {
            // O_NONBLOCK: opening a FIFO planted where a file belongs must not hang; it is refused just below.
            source = try OpenFile.open(path, O_RDONLY | O_NONBLOCK | (followSymlinks ? 0 : O_NOFOLLOW))
        } catch {
            throw RegistryError.systemCall(error, "open for hashing", path: path)
        }
        return try source.closeAfter { file in
            let status = try file.fileStatus()
            guard status.kind == .regular else {
                throw RegistryError(.invalidPath, "'\(path)' is not a regular file", path: path)
            }
            return try hashWhole(file, size: status.size, algorithm: algorithm)
        }
    }

    /// Copies `source` into `destination` (both open) while hashing the bytes; does not fsync.
    package static func copy(from source: OpenFile, to destination: OpenFile, algorithm: some HashAlgorithm) throws -> Result {
        try pump(from: source, to: destination, algorithm: algorithm)
    }

    /// Hashes a freshly opened regular file (its offset at 0) to the end.
    package static func hash(_ source: OpenFile, algorithm: some HashAlgorithm) throws -> Result {
        try hashWhole(source, size: try source.fileStatus().size, algorithm: algorithm)
    }

    private static func hashWhole(_ file: OpenFile, size: Int64, algorithm: some HashAlgorithm) throws -> Result {
        if mapsFiles, size >= smallestMappedFile, algorithm is SHA256Algorithm,
            let result = try hashMapped(file, size: size)
        {
            return result
        }
        return try pump(from: file, to: nil, algorithm: algorithm)
    }

    /// Hashes `size` bytes of `file` with SHA-256 through memory mappings; nil when the first window cannot
    /// be mapped or guarded, so the caller reads the file instead.
    private static func hashMapped(_ file: OpenFile, size: Int64) throws -> Result? {
        var state = SHA256State()
        var offset: Int64 = 0
        while offset < size {
            let length = Int(min(Int64(mappingWindow), size - offset))
            let mapping: UnsafeRawBufferPointer
            do {
                mapping = try system_mapReadOnly(file.fd, offset: offset, length: length, path: file.path)
            } catch {
                if offset == 0 { return nil }
                throw RegistryError.systemCall(error, "map for hashing", path: file.path)
            }
            let outcome = state.updateMapped(mapping)
            system_unmap(mapping)
            switch outcome {
            case .hashed:
                offset += Int64(length)
            case .unguarded where offset == 0:
                return nil
            case .faulted, .unguarded:
                throw RegistryError(
                    .fileChanged,
                    "'\(file.path)' could not be read at byte \(offset) or later while it was being hashed: "
                        + "another program truncated it, or the disk failed", path: file.path)
            }
        }
        let sizeAfter = try file.fileStatus().size
        guard sizeAfter == size else {
            throw RegistryError(
                .fileChanged,
                "'\(file.path)' changed size from \(size) to \(sizeAfter) bytes while it was being hashed",
                path: file.path)
        }
        return Result(size: size, digest: state.finalize())
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

    private static func pump(from source: OpenFile, to destination: OpenFile?, algorithm: some HashAlgorithm) throws -> Result {
        let pipeline = Pipeline(state: algorithm.makeState())
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
                        system_startWriteback(destination.fd, offset: lastWriteback, length: total + Int64(count) - lastWriteback)
                        lastWriteback = total + Int64(count)
                    }
                }
                total += Int64(count)
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
