import Dispatch
import Foundation

/// Streams a file through a hash, optionally copying it at the same time: one read of the source serves both.
///
/// Reading and writing run on the calling thread while a second thread hashes the chunk just read, so a copy
/// costs about `max(hash time, I/O time)` instead of their sum. Memory is constant: ``chunkCount`` buffers of
/// ``chunkSize`` bytes, whatever the file size.
package enum StreamingHasher {
    /// Bytes per read.
    package static let chunkSize = 1 << 20
    /// Buffers in flight per stream.
    package static let chunkCount = 4
    /// Start write-back every this many bytes so the final fsync of a large copy is short.
    package static let writebackInterval: Int64 = 32 << 20

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
            guard try file.fileStatus().kind == .regular else {
                throw RegistryError(.invalidPath, "'\(path)' is not a regular file", path: path)
            }
            return try pump(from: file, to: nil, algorithm: algorithm)
        }
    }

    /// Copies `source` into `destination` (both open) while hashing the bytes; does not fsync.
    package static func copy(from source: OpenFile, to destination: OpenFile, algorithm: some HashAlgorithm) throws -> Result {
        try pump(from: source, to: destination, algorithm: algorithm)
    }

    /// Hashes an already open file from its current offset to the end.
    package static func hash(_ source: OpenFile, algorithm: some HashAlgorithm) throws -> Result {
        try pump(from: source, to: nil, algorithm: algorithm)
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
