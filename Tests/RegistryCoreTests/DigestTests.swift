import RegistryCore
import RegistryTestSupport
import Testing

@Suite("Digest and ArtifactID text forms")
struct DigestTests {
    @Test("hex encoding and decoding round-trip every byte value")
    func hexRoundTrip() throws {
        let bytes = (0...255).map { UInt8($0) }
        let hex = Digest.encodeHex(bytes)
        #expect(hex.hasPrefix("000102") && hex.hasSuffix("fdfeff") && hex.count == 512)
        #expect(Digest.decodeHex(hex) == bytes)
        #expect(Digest.decodeHex(hex[hex.index(hex.startIndex, offsetBy: 2)...]) == Array(bytes.dropFirst()))
    }

    @Test(
        "decoding refuses empty, odd-length, upper-case and non-hex text",
        arguments: ["", "a", "0G", "AB", "0x", "ab "])
    func hexRefusals(text: String) {
        #expect(Digest.decodeHex(text) == nil)
    }

    @Test("ids parse only as <algorithm>-<lowercase hex> with the right length for sha256")
    func idParsing() throws {
        let hex = String(repeating: "ab", count: 32)
        let id = try #require(ArtifactID("sha256-" + hex))
        #expect(id.description == "sha256-" + hex && id.digest.bytes.count == 32)
        for bad in [
            "sha256-" + hex.dropLast(2), "sha256:" + hex, "-" + hex, "SHA256-" + hex, "sha256-" + hex.uppercased(),
            "sha256", "sha_256-" + hex,
        ] {
            #expect(ArtifactID(bad) == nil, "accepted \(bad)")
        }
        #expect(Digest(parsing: "sha256:" + hex)?.hex == hex)
        #expect(Digest(parsing: ":" + hex) == nil)
    }

    @Test("ids order exactly as their text does", arguments: [1 as UInt64, 2, 3])
    func orderMatchesText(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var ids: [ArtifactID] = []
        for index in 0..<400 {
            let algorithm = ["sha256", "sha2", "sha512", "b3"][index % 4]
            let count = algorithm == "sha256" ? 32 : Int(random.next() % 40) + 1
            // Shared prefixes make the byte comparison reach deep into the digest.
            let bytes = (0..<count).map { $0 < 2 ? UInt8(index % 3) : UInt8(truncatingIfNeeded: random.next()) }
            ids.append(try #require(ArtifactID(algorithm + "-" + Digest.encodeHex(bytes))))
        }
        #expect(ids.sorted().map(\.description) == ids.map(\.description).sorted())
    }
}
