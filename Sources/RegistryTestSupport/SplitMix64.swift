import ModelRegistry

/// A small, fast, seeded random number generator for repeatable property-style tests.
///
/// Tests need randomness they can replay: a failure reported for seed 7 must fail again for seed 7.
/// `SystemRandomNumberGenerator` cannot be seeded, so tests drive their random choices from this
/// generator instead, one seed per test argument:
///
/// ```swift
/// @Test(arguments: 0..<16)
/// func chunkingDoesNotChangeTheDigest(seed: UInt64) {
///     var random = SplitMix64(seed: seed)
///     let size = Int.random(in: 0..<10_000, using: &random)
///     …
/// }
/// ```
///
/// This is Steele, Lea and Flood's SplitMix64 (the generator Java's `SplittableRandom` uses and the
/// usual seeder for xoshiro). Every seed, including 0, gives a full-period sequence of 2⁶⁴ outputs. It is
/// **not** cryptographically secure; never use it for keys or nonces.
///
/// A plain value: copying it forks the sequence, so both copies produce the same numbers. `Sendable`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The package's one SplitMix64, which `modelreg demo` uses too.
    private var generator: SplitMix64Generator

    /// Creates a generator whose sequence is fully determined by `seed`.
    ///
    /// - Parameter seed: Any value; equal seeds give equal sequences.
    public init(seed: UInt64) {
        generator = SplitMix64Generator(seed: seed)
    }

    /// Returns the next 64 random bits and advances the generator.
    ///
    /// - Returns: A value uniformly distributed over all of `UInt64`.
    public mutating func next() -> UInt64 {
        generator.next()
    }

    /// Returns `count` random bytes.
    ///
    /// Convenient for test payloads; the bytes are a pure function of the seed and of the calls made so far.
    ///
    /// - Parameter count: The number of bytes, zero or more.
    /// - Returns: An array of `count` bytes.
    /// - Complexity: O(`count`).
    public mutating func nextBytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "SplitMix64.nextBytes(count:) needs a count of zero or more, got \(count).")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            var index = 0
            while index < count {
                var word = next()
                let end = min(index + 8, count)
                while index < end {
                    buffer[index] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    index += 1
                }
            }
            initializedCount = count
        }
    }
}
