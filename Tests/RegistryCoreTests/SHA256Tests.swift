import CSHA256
import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

@Suite struct SHA256Tests {
    // MARK: Known answers

    @Test(arguments: try SHA256Tests.loadVectors(), Kernel.allCases)
    func knownVectorsMatchOnEveryKernel(vector: Vector, kernel: Kernel) {
        let message = vector.message
        let digest = kernel.run { SHA256Algorithm().hash(message) }
        #expect(digest.description == "sha256:\(vector.sha256)")
    }

    // The million-byte vector is left out: byte-at-a-time it would be slow in debug builds and adds no coverage.
    @Test(arguments: try SHA256Tests.loadVectors().filter { $0.byteCount <= 4096 }, Kernel.allCases)
    func knownVectorsMatchWhenFedOneByteAtATime(vector: Vector, kernel: Kernel) {
        let message = vector.message
        let digest = kernel.run {
            var state = SHA256Algorithm().makeState()
            for byte in message { state.update([byte]) }
            return state.finalize()
        }
        #expect(digest.hex == vector.sha256)
    }

    @Test func detectedKernelMatchesTheCPU() throws {
        let implementation = Kernel.detected.run { SHA256Algorithm.implementation }
        #expect(["x86-sha-ni", "armv8-crypto", "x86-64-scalar", "portable"].contains(implementation))
        #if os(Linux) && (arch(x86_64) || arch(arm64))
            // The kernel reads the same CPUID / HWCAP bits that it lists in /proc/cpuinfo.
            let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let flags =
                cpuinfo.split(separator: "\n")
                .first { $0.hasPrefix("flags") || $0.hasPrefix("Features") }?
                .split(separator: " ") ?? []
            #if arch(x86_64)
                let expected = flags.contains("sha_ni") ? "x86-sha-ni" : "x86-64-scalar"
            #else
                let expected = flags.contains("sha2") ? "armv8-crypto" : "portable"
            #endif
            #expect(implementation == expected)
        #elseif os(macOS) && arch(arm64)
            #expect(implementation == "armv8-crypto")
        #endif
    }

    @Test func forcingAKernelIsVisibleAndReversible() {
        let before = SHA256Algorithm.implementation
        #expect(Kernel.portable.run { SHA256Algorithm.implementation } == "portable")
        #if arch(x86_64) && !os(Windows)
            #expect(Kernel.scalar.run { SHA256Algorithm.implementation } == "x86-64-scalar")
        #else
            #expect(Kernel.scalar.run { SHA256Algorithm.implementation } == "portable")
        #endif
        #expect(SHA256Algorithm.implementation == before)
    }

    // MARK: Streaming

    @Test(arguments: 0..<16)
    func hashingInRandomChunksMatchesOneShotHashingOnEveryKernel(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // Odd sizes, so the message never ends on a block boundary by accident.
        let size = Int.random(in: 0..<300_000, using: &random) | 1
        let message = random.nextBytes(count: size)

        let oneShot = Kernel.detected.run { SHA256Algorithm().hash(message) }
        let portableOneShot = Kernel.portable.run { SHA256Algorithm().hash(message) }
        let scalarChunked = Kernel.scalar.run { Self.hashInRandomChunks(message, using: &random) }
        let chunked = Kernel.detected.run { Self.hashInRandomChunks(message, using: &random) }
        let portableChunked = Kernel.portable.run { Self.hashInRandomChunks(message, using: &random) }

        #expect(oneShot == portableOneShot)
        #expect(chunked == oneShot)
        #expect(portableChunked == oneShot)
        #expect(scalarChunked == oneShot)
    }

    @Test func everyLengthUpToFiveBlocksAgreesAcrossKernelsAndChunkings() {
        var random = SplitMix64(seed: 0x5348_4132_3536)
        let message = random.nextBytes(count: 5 * 64 + 1)
        for length in 0...message.count {
            let prefix = message[..<length]
            let accelerated = Kernel.detected.run { SHA256Algorithm().hash(prefix) }
            let portable = Kernel.portable.run { SHA256Algorithm().hash(prefix) }
            // A partial block first, then the rest: exercises the buffered path before the direct one.
            let split = min(length, 37)
            var state = SHA256Algorithm().makeState()
            state.update(message[..<split])
            state.update(message[split..<length])
            #expect(accelerated == portable, "length \(length)")
            #expect(state.finalize() == portable, "length \(length)")
        }
    }

    // The hardware kernels are assembly (#13): they must agree with the portable C kernel for every block count
    // they can be handed in one call, at every alignment of the message, and for every tail length.
    @Test(arguments: 0..<8)
    func randomLengthsAroundBlockBoundariesAgreeWithThePortableKernel(seed: UInt64) {
        var random = SplitMix64(seed: 0x0013_0000 + seed)
        let buffer = random.nextBytes(count: 70 * 64 + 16)
        for _ in 0..<64 {
            let blocks = Int.random(in: 0...68, using: &random)
            let length = max(0, blocks * 64 + Int.random(in: -2...2, using: &random))
            let alignment = Int.random(in: 0..<16, using: &random)
            let message = buffer[alignment..<(alignment + length)]
            let accelerated = Kernel.detected.run { SHA256Algorithm().hash(message) }
            let scalar = Kernel.scalar.run { SHA256Algorithm().hash(message) }
            let portable = Kernel.portable.run { SHA256Algorithm().hash(message) }
            #expect(accelerated == portable, "length \(length) at offset \(alignment)")
            #expect(scalar == portable, "length \(length) at offset \(alignment)")
        }
    }

    @Test(arguments: Kernel.allCases)
    func misalignedMessagesHashLikeAlignedOnes(kernel: Kernel) {
        var random = SplitMix64(seed: 0x0013_0001)
        let message = random.nextBytes(count: 4096 + 17)
        let expected = kernel.run { SHA256Algorithm().hash(message) }
        for offset in 1..<64 {
            let shifted = [UInt8](repeating: 0xA5, count: offset) + message
            let digest = kernel.run { SHA256Algorithm().hash(shifted[offset...]) }
            #expect(digest == expected, "offset \(offset)")
        }
    }

    @Test func finalizeTwiceReturnsTheSameDigestAndLeavesTheStateUsable() {
        var state = SHA256Algorithm().makeState()
        state.update(Array("ab".utf8))
        let first = state.finalize()
        let second = state.finalize()
        #expect(first == second)
        #expect(first == SHA256Algorithm().hash(Array("ab".utf8)))

        state.update(Array("c".utf8))
        #expect(state.finalize().hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func copyingAStateForksTheStream() {
        var original = SHA256Algorithm().makeState()
        original.update(Array("ab".utf8))
        var fork = original
        fork.update(Array("c".utf8))
        original.update(Array("d".utf8))

        #expect(fork.finalize() == SHA256Algorithm().hash(Array("abc".utf8)))
        #expect(original.finalize() == SHA256Algorithm().hash(Array("abd".utf8)))
    }

    @Test func emptyUpdatesChangeNothing() {
        var state = SHA256Algorithm().makeState()
        state.update(UnsafeRawBufferPointer(start: nil, count: 0))
        state.update([UInt8]())
        #expect(state.finalize().hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func algorithmNamesItselfAndWorksAsAnExistential() {
        let algorithm: any HashAlgorithm = .sha256
        #expect(algorithm.name == "sha256")
        #expect(algorithm.digestByteCount == 32)

        var state = algorithm.makeState()
        state.update(Array("abc".utf8))
        let digest = state.finalize()
        #expect(digest.algorithm == "sha256")
        #expect(digest.bytes.count == algorithm.digestByteCount)
        #expect(digest == SHA256Algorithm().hash(Array("abc".utf8)))
    }

    // MARK: Independent oracle

    @Test(
        // openssl is an oracle that shares no code with us. Minimal CI images and containers often lack it;
        // there the known-answer tests above still run, so skip rather than fail.
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs /usr/bin/openssl"),
        arguments: [0, 1, 55, 56, 63, 64, 65, 1_000_003]
    )
    func digestMatchesOpenSSLForAFileOfSize(_ size: Int) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("SHA256Tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var random = SplitMix64(seed: UInt64(size))
        let bytes = random.nextBytes(count: size)
        let file = directory.appendingPathComponent("random-\(size).bin")
        try Data(bytes).write(to: file)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["dgst", "-sha256", "-r", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)

        // `-r` prints "<hex> *<path>".
        let line = String(decoding: data, as: UTF8.self)
        let expected = try #require(line.split(separator: " ").first.map(String.init))
        #expect(SHA256Algorithm().hash(bytes).hex == expected)
        #expect(Kernel.detected.run { Self.hashInRandomChunks(bytes, using: &random) }.hex == expected)
        #expect(Kernel.portable.run { SHA256Algorithm().hash(bytes) }.hex == expected)
    }

    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs /usr/bin/openssl"),
        arguments: 0..<3
    )
    func randomLengthsMatchOpenSSL(seed: UInt64) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("SHA256Tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var random = SplitMix64(seed: 0x0013_0100 + seed)
        var files: [(path: String, bytes: [UInt8])] = []
        for index in 0..<24 {
            // Around a block boundary most of the time, anywhere up to 256 KiB otherwise.
            let size =
                random.next() % 4 == 0
                ? Int.random(in: 0...(256 << 10), using: &random)
                : max(0, Int.random(in: 0...4096, using: &random) * 64 + Int.random(in: -9...9, using: &random))
            let bytes = random.nextBytes(count: size)
            let path = directory.appendingPathComponent("random-\(index).bin").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            files.append((path, bytes))
        }

        let expected = try Self.openSSLDigests(of: files.map(\.path))
        for file in files {
            let hex = try #require(expected[file.path], "openssl printed no digest for \(file.path)")
            #expect(Kernel.detected.run { SHA256Algorithm().hash(file.bytes) }.hex == hex, "\(file.bytes.count) bytes")
            #expect(Kernel.portable.run { SHA256Algorithm().hash(file.bytes) }.hex == hex, "\(file.bytes.count) bytes")
            #expect(Kernel.scalar.run { SHA256Algorithm().hash(file.bytes) }.hex == hex, "\(file.bytes.count) bytes")
        }
    }
}

// MARK: - Helpers

extension SHA256Tests {
    /// One known-answer vector from `Fixtures/sha256-vectors.json`: `text` repeated `repeat` times.
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var `repeat`: Int
        var sha256: String

        var byteCount: Int { text.utf8.count * `repeat` }

        var message: [UInt8] {
            let unit = Array(text.utf8)
            var bytes = [UInt8]()
            bytes.reserveCapacity(unit.count * `repeat`)
            for _ in 0..<`repeat` { bytes.append(contentsOf: unit) }
            return bytes
        }

        var testDescription: String { name }
    }

    static func loadVectors() throws -> [Vector] {
        struct File: Decodable { var vectors: [Vector] }
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sha256-vectors.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
    }

    /// Which compression kernel a check runs on.
    enum Kernel: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// The kernel chosen from the CPU's features (SHA-NI or ARMv8 crypto when present).
        case detected
        /// The plain C kernel, forced through the `mr_sha256_force_kernel` test hook.
        case portable
        /// The kernel for CPUs without SHA instructions (x86-64 scalar assembly; elsewhere the C kernel), forced
        /// through the same hook, so it is tested on CPUs that have the SHA instructions too.
        case scalar

        var testDescription: String { rawValue }

        /// Runs `body` on this kernel.
        ///
        /// The C switch is thread-local and `body` is synchronous, so it runs on this thread from start
        /// to end: tests running in parallel on other threads keep their own kernel.
        func run<Result>(_ body: () throws -> Result) rethrows -> Result {
            let choice: Int32 =
                switch self {
                case .detected: Int32(MR_SHA256_KERNEL_DETECTED)
                case .portable: Int32(MR_SHA256_KERNEL_PORTABLE)
                case .scalar: Int32(MR_SHA256_KERNEL_SCALAR)
                }
            let previous = mr_sha256_force_kernel(choice)
            defer { _ = mr_sha256_force_kernel(previous) }
            return try body()
        }
    }

    /// Runs `openssl dgst -sha256 -r` on `paths` and returns each path's hex digest.
    static func openSSLDigests(of paths: [String]) throws -> [String: String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["dgst", "-sha256", "-r"] + paths
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        // `-r` prints "<hex> *<path>" per file.
        var digests: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let path = line[line.index(after: space)...].drop { $0 == "*" }
            digests[String(path)] = String(line[..<space])
        }
        return digests
    }

    /// Hashes `message` in chunks of random sizes: empty ones, sub-block ones and multi-block ones.
    static func hashInRandomChunks(_ message: [UInt8], using random: inout SplitMix64) -> Digest {
        var state = SHA256Algorithm().makeState()
        message.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let limit = random.next() % 4 == 0 ? 20_000 : 130
                let length = min(Int.random(in: 0...limit, using: &random), all.count - offset)
                state.update(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)]))
                offset += length
            }
        }
        return state.finalize()
    }
}
