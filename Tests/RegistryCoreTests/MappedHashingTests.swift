import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hashing straight out of memory mappings: the same digests as reading, and a file that shrinks meanwhile
/// fails the hash with a typed error instead of killing the process with SIGBUS.
@Suite struct MappedHashingTests {
    private static let window = StreamingHasher.mappingWindow

    /// Writes `size` SplitMix64 bytes to `name` under `directory`; returns the path and the bytes.
    private func writeRandomFile(_ directory: URL, _ name: String, size: Int) throws -> (String, [UInt8]) {
        var random = SplitMix64(seed: UInt64(size))
        let bytes = random.nextBytes(count: size)
        let path = directory.path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    @Test(arguments: [
        Int(StreamingHasher.smallestMappedFile) - 1, Int(StreamingHasher.smallestMappedFile), window - 1, window,
        window + 1, 3 * window - 7,
    ])
    func mappedHashEqualsTheHashOfTheBytes(size: Int) throws {
        try withTemporaryDirectory { temp in
            let (path, bytes) = try writeRandomFile(temp, "weights.bin", size: size)
            let result = try StreamingHasher.hashFile(path, algorithm: SHA256Algorithm())
            #expect(result.size == Int64(size))
            #expect(result.digest == SHA256Algorithm().hash(bytes))
        }
    }

    #if DEBUG
    @Test func aFileThatCannotBeMappedIsReadInstead() throws {
        try withTemporaryDirectory { temp in
            let (path, bytes) = try writeRandomFile(temp, "weights.bin", size: 2 * Self.window + 3)
            let token = FaultInjector.shared.inject(.mmap, errno: ENODEV, under: path)
            defer { FaultInjector.shared.remove(token) }
            #expect(try StreamingHasher.hashFile(path, algorithm: SHA256Algorithm()).digest == SHA256Algorithm().hash(bytes))
        }
    }

    @Test(arguments: [0, Self.window + 4096])
    func aFileTruncatedWhileBeingHashedFailsWithFileChanged(truncatedTo length: Int) throws {
        try withTemporaryDirectory { temp in
            let (path, _) = try writeRandomFile(temp, "weights.bin", size: 3 * Self.window)
            // Truncate just before the second window is mapped: its pages then lie past the end of the file.
            let token = FaultInjector.shared.perform({ _ = truncate(path, off_t(length)) }, before: .mmap, under: path, after: 1)
            defer { FaultInjector.shared.remove(token) }
            let error = try #require(throws: RegistryError.self) {
                try StreamingHasher.hashFile(path, algorithm: SHA256Algorithm())
            }
            #expect(error.code == .fileChanged)
            #expect(error.path == path)
            #expect(error.message.contains("truncated"))
        }
    }

    @Test func aFileThatGrowsWhileBeingHashedFailsWithFileChanged() throws {
        try withTemporaryDirectory { temp in
            let (path, _) = try writeRandomFile(temp, "weights.bin", size: 2 * Self.window)
            let token = FaultInjector.shared.perform(
                {
                    guard let handle = FileHandle(forWritingAtPath: path) else { return }
                    handle.seekToEndOfFile()
                    handle.write(Data([1, 2, 3]))
                    try? handle.close()
                }, before: .mmap, under: path, after: 1)
            defer { FaultInjector.shared.remove(token) }
            let error = try #require(throws: RegistryError.self) {
                try StreamingHasher.hashFile(path, algorithm: SHA256Algorithm())
            }
            #expect(error.code == .fileChanged)
            #expect(error.message.contains("changed size from \(2 * Self.window) to \(2 * Self.window + 3) bytes"))
        }
    }
    #endif

    /// The guard itself, without the streaming layer: a mapping whose file was emptied faults, the fault is
    /// caught, and this thread can fault and recover again (SIGBUS is unblocked after each catch).
    @Test func theGuardCatchesRepeatedFaultsOnOneThreadAndStillHashesValidMappings() throws {
        try withTemporaryDirectory { temp in
            let (path, bytes) = try writeRandomFile(temp, "weights.bin", size: 1 << 20)
            let file = try OpenFile.open(path, O_RDONLY)
            try file.closeAfter { file in
                for _ in 0..<3 {
                    let mapping = try system_mapReadOnly(file.fd, offset: 0, length: bytes.count, path: path)
                    defer { system_unmap(mapping) }
                    var state = SHA256State()
                    #expect(state.updateMapped(mapping) == .hashed)
                    #expect(state.finalize() == SHA256Algorithm().hash(bytes))

                    #expect(truncate(path, 0) == 0)
                    var doomed = SHA256State()
                    #expect(doomed.updateMapped(mapping) == .faulted)
                    try Data(bytes).write(to: URL(fileURLWithPath: path))
                }
            }
        }
    }

    @Test func faultsOnSeveralThreadsAtOnceAreEachCaughtOnTheirOwnThread() throws {
        try withTemporaryDirectory { temp in
            let count = 8
            let files = try (0..<count).map { try writeRandomFile(temp, "part-\($0).bin", size: (1 << 20) + $0).0 }
            let outcomes = try ParallelWork.map(count, maxConcurrency: 4) { index -> SHA256State.MappedUpdate? in
                guard let file = try? OpenFile.open(files[index], O_RDONLY) else { return nil }
                defer { try? file.close() }
                guard
                    let mapping = try? system_mapReadOnly(
                        file.fd, offset: 0, length: (1 << 20) + index, path: files[index])
                else { return nil }
                defer { system_unmap(mapping) }
                // Even-numbered files are emptied first and must fault; odd ones stay whole and must hash.
                if index % 2 == 0 { _ = truncate(files[index], 0) }
                var state = SHA256State()
                return state.updateMapped(mapping)
            }
            #expect(outcomes == (0..<count).map { $0 % 2 == 0 ? .faulted : .hashed })
        }
    }
}
