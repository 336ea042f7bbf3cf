import RegistryCore
import RegistryTestSupport
import Testing

/// The package's one SplitMix64 (`modelreg demo`'s weights, `RegistryTestSupport.SplitMix64`) gives the reference
/// sequence: the demo's artifact ids and every seeded test depend on these exact numbers.
@Suite struct SplitMix64Tests {
    @Test func seedZeroGivesTheReferenceSequence() {
        var generator = SplitMix64Generator(seed: 0)
        #expect(
            (0..<3).map { _ in generator.next() } == [
                0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F,
            ])
    }

    @Test(arguments: [0, 2026, 2027, UInt64.max])
    func theTestSupportGeneratorIsTheSameSequence(seed: UInt64) {
        var core = SplitMix64Generator(seed: seed)
        var support = SplitMix64(seed: seed)
        #expect((0..<64).map { _ in core.next() } == (0..<64).map { _ in support.next() })
    }

    @Test func theDemoSeedGivesItsKnownWeights() {
        var generator = SplitMix64Generator(seed: 2026)
        #expect([generator.next(), generator.next()] == [0xDB9C_5598_9194_8D23, 0x78BC_927D_ED35_455D])
    }
}
