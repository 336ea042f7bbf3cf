/// Steele, Lea and Flood's SplitMix64: a small seeded generator whose sequence is the same on every machine.
///
/// The one implementation in the package: `modelreg demo` draws its sample weights from it (so the demo's
/// artifact id never changes), and `RegistryTestSupport`'s public `SplitMix64` wraps it for repeatable tests.
/// Not cryptographically secure. A plain value: copying it forks the sequence.
package struct SplitMix64Generator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fully determined by `seed` (every seed, 0 included, has a full period).
    package init(seed: UInt64) {
        state = seed
    }

    /// The next 64 bits.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }
}
