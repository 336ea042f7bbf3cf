import Dispatch
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
                #expect(
                    try StreamingHasher.hashFile(path, algorithm: SHA256Algorithm()).digest
                        == SHA256Algorithm().hash(bytes))
            }
        }

        @Test(arguments: [0, Self.window + 4096])
        func aFileTruncatedWhileBeingHashedFailsWithFileChanged(truncatedTo length: Int) throws {
            try withTemporaryDirectory { temp in
                let (path, _) = try writeRandomFile(temp, "weights.bin", size: 3 * Self.window)
                // Truncate just before the second window is mapped: its pages then lie past the end of the file.
                let token = FaultInjector.shared.perform(
                    { _ = truncate(path, off_t(length)) }, before: .mmap, under: path, after: 1)
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
                #expect(error.message.contains("changed (from \(2 * Self.window) to \(2 * Self.window + 3) bytes)"))
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
            // Odd threads hash a long valid mapping while even threads fault again and again; all start together.
            // A guard that were not per thread would jump into another thread's frame, or send its fault to the
            // wrong range, and this would crash or report a wrong outcome.
            let threads = 4
            let long = 4 * StreamingHasher.mappingWindow
            let files = try (0..<threads).map { index in
                try writeRandomFile(temp, "part-\(index).bin", size: index % 2 == 0 ? 1 << 20 : long + index)
            }
            let ready = DispatchSemaphore(value: 0)
            let go = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            let results = OutcomeTable(count: threads)
            for index in 0..<threads {
                done.enter()
                Thread {
                    defer { done.leave() }
                    let (path, bytes) = files[index]
                    guard let file = try? OpenFile.open(path, O_RDONLY) else { _ = ready.signal(); return }
                    defer { try? file.close() }
                    guard let mapping = try? system_mapReadOnly(file.fd, offset: 0, length: bytes.count, path: path)
                    else { _ = ready.signal(); return }
                    defer { system_unmap(mapping) }
                    if index % 2 == 0 { _ = truncate(path, 0) }
                    _ = ready.signal()
                    go.wait()
                    if index % 2 == 1 {
                        var state = SHA256State()
                        let outcome = state.updateMapped(mapping)
                        results.set(
                            index, [outcome, state.finalize() == SHA256Algorithm().hash(bytes) ? .hashed : .faulted])
                    } else {
                        results.set(
                            index,
                            (0..<200).map { _ in
                                var doomed = SHA256State()
                                return doomed.updateMapped(mapping)
                            })
                    }
                }.start()
            }
            for _ in 0..<threads { ready.wait() }
            for _ in 0..<threads { go.signal() }
            done.wait()
            let outcomes = results.values
            for (index, outcome) in outcomes.enumerated() {
                #expect(outcome == (index % 2 == 0 ? Array(repeating: .faulted, count: 200) : [.hashed, .hashed]))
            }
        }
    }

    /// Per-thread results, filled from several threads.
    private final class OutcomeTable: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [[SHA256State.MappedUpdate]]
        init(count: Int) { storage = Array(repeating: [], count: count) }
        func set(_ index: Int, _ value: [SHA256State.MappedUpdate]) { lock.withLock { storage[index] = value } }
        var values: [[SHA256State.MappedUpdate]] { lock.withLock { storage } }
    }

    // MARK: Signals that are not ours, in a child process

    /// Runs `signal-probe SCENARIO DIRECTORY`.
    private func probe(_ scenario: String) throws -> CLIRunner.Outcome {
        try withTemporaryDirectory { temp in try CLIRunner.run([scenario, temp.path], executable: "signal-probe") }
    }

    @Test(.enabled(if: CLIRunner.executable(named: "signal-probe") != nil, "needs the built signal-probe"))
    func aFaultOutsideTheGuardStillKillsTheProcessWithSIGBUS() throws {
        let outcome = try probe("unguarded-fault")
        #expect(outcome.wasKilled && outcome.status == SIGBUS, "\(outcome)")
        #expect(!outcome.stdout.contains("alive"))
    }

    @Test(.enabled(if: CLIRunner.executable(named: "signal-probe") != nil, "needs the built signal-probe"))
    func aSIGBUSSentWithKillGetsTheDefaultActionOrTheIgnoreTheHostChose() throws {
        let killed = try probe("sent-default")
        #expect(killed.wasKilled && killed.status == SIGBUS, "\(killed)")
        let ignored = try probe("sent-ignored")
        #expect(!ignored.wasKilled && ignored.status == 0 && ignored.stdout.contains("alive"), "\(ignored)")
    }

    @Test(.enabled(if: CLIRunner.executable(named: "signal-probe") != nil, "needs the built signal-probe"))
    func aSIGBUSThatIsNotOursReachesTheHandlerInstalledBeforeTheGuard() throws {
        let outcome = try probe("previous-handler")
        #expect(outcome.status == 0 && outcome.stdout.contains("previous handler ran 1 time(s)"), "\(outcome)")
    }

    @Test(.enabled(if: CLIRunner.executable(named: "signal-probe") != nil, "needs the built signal-probe"))
    func aHostThatReplacesTheHandlerGetsReadsInsteadOfMappingsAndNeverOurFaults() throws {
        let outcome = try probe("replaced-handler")
        #expect(!outcome.wasKilled && outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.contains("read instead of mapping: digest ok"))
        #if DEBUG
            #expect(outcome.stdout.contains("truncated file: fileChanged"))
        #endif
    }
}
