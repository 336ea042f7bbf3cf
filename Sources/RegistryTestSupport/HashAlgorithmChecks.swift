import ModelRegistry

/// Checks a ``HashAlgorithm`` plug-in against the protocol's contract and returns the problems found (empty
/// when it conforms). Works from Swift Testing and XCTest alike:
///
/// ```swift
/// @Test func myHashMeetsTheContract() {
///     #expect(checkHashAlgorithm(MyHash(), knownAnswers: [([], "…")]) == [])
/// }
/// ```
///
/// - Parameters:
///   - algorithm: the plug-in.
///   - knownAnswers: messages and their expected lowercase hex digests.
public func checkHashAlgorithm(_ algorithm: some HashAlgorithm, knownAnswers: [([UInt8], String)] = []) -> [String] {
    var problems: [String] = []
    let name = algorithm.name
    if name.isEmpty || !name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }) {
        problems.append("name '\(name)' must be lowercase ASCII letters and digits")
    }
    for (message, expected) in knownAnswers {
        let digest = algorithm.hash(message)
        if digest.hex != expected {
            problems.append("digest of a \(message.count)-byte message is \(digest.hex), expected \(expected)")
        }
    }
    var random = SplitMix64(seed: 0x5EED)
    for trial in 0..<16 {
        let message = BundleFixture.randomBytes(count: Int.random(in: 0..<5000, using: &random), seed: UInt64(trial))
        let whole = algorithm.hash(message)
        if whole.algorithm != name { problems.append("digest names algorithm '\(whole.algorithm)', not '\(name)'") }
        if whole.bytes.count != algorithm.digestByteCount {
            problems.append("digest has \(whole.bytes.count) bytes, digestByteCount says \(algorithm.digestByteCount)")
        }
        var state = algorithm.makeState()
        var offset = 0
        while offset < message.count {
            let length = Int.random(in: 0...min(300, message.count - offset), using: &random)
            message[offset..<(offset + length)].withUnsafeBytes { state.update($0) }
            offset += length
        }
        let first = state.finalize()
        if first != whole {
            problems.append("hashing \(message.count) bytes in chunks changed the digest (trial \(trial))")
        }
        if state.finalize() != first { problems.append("finalize() twice gave different digests (trial \(trial))") }
    }
    return problems
}
