import RegistryCore
import Testing

@testable import IndexBuilder

/// The rebuild's compact record of registration events (#15) applies FORMAT.md §13.1's rule and gives every time
/// back exactly, packed or not.
@Suite struct RegistrationFactsTests {
    static func id(_ byte: UInt8, algorithm: String = "sha256") -> ArtifactID {
        ArtifactID(digest: Digest(algorithm: algorithm, bytes: [UInt8](repeating: byte, count: 32)))
    }

    @Test func theFirstRegistrationCountsOrTheFirstAfterTheLastCollection() {
        var facts = RegistrationFacts()
        let (a, b, c, other) = (Self.id(3), Self.id(1), Self.id(2), Self.id(9, algorithm: "sha512"))
        facts.register(a, time: "2026-01-01T00:00:01.000Z", sequence: 1)
        facts.register(b, time: "2026-01-01T00:00:02.000Z", sequence: 2)
        facts.register(a, time: "2026-01-01T00:00:03.000Z", sequence: 3)  // again: the first still counts
        facts.collect(b, sequence: 4)
        facts.register(c, time: "2026-01-01T00:00:05.000Z", sequence: 5)
        facts.collect(c, sequence: 6)
        facts.register(c, time: "2026-01-01T00:00:07.000Z", sequence: 7)  // back after its removal
        facts.register(other, time: "2026-01-01T00:00:08.000Z", sequence: 8)
        facts.register(other, time: "2026-01-01T00:00:09.000Z", sequence: 9)
        facts.seal()
        #expect(facts.fact(of: a)?.sequence == 1 && facts.fact(of: a)?.time == "2026-01-01T00:00:01.000Z")
        #expect(facts.fact(of: b) == nil)
        #expect(facts.fact(of: c)?.sequence == 7 && facts.fact(of: c)?.time == "2026-01-01T00:00:07.000Z")
        #expect(facts.fact(of: other)?.sequence == 8)
        #expect(facts.fact(of: Self.id(7)) == nil)
    }

    @Test(arguments: [
        "2026-11-27T16:35:30.027Z", "0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
        "2026-11-27T16:35:30Z", "2026-11-27T16:35:30.027+01:00", "2026-11-27t16:35:30.027Z",
        "2026-11-27T16:35:30.02xZ", "", "not a time at all, but kept as it is",
    ])
    func everyTimeComesBackExactly(time: String) {
        var facts = RegistrationFacts()
        facts.register(Self.id(5), time: time, sequence: 42)
        facts.seal()
        #expect(facts.fact(of: Self.id(5))?.time == time)
        #expect(facts.fact(of: Self.id(5))?.sequence == 42)
    }

    @Test(arguments: [1, 2, 3, 64])
    func factsReleasedInIdOrderLeaveTheLaterOnesExact(chunkSize: Int) {
        var facts = RegistrationFacts()
        let ids = (1...20).map { Self.id(UInt8($0 * 10)) }
        for (offset, id) in ids.enumerated().reversed() {
            facts.register(id, time: "2026-01-01T00:00:\(10 + offset).000Z", sequence: Int64(offset + 1))
        }
        facts.seal(chunkSize: chunkSize)
        // As a scan asks: in id order, releasing what it has passed after every few.
        for (offset, id) in ids.enumerated() {
            #expect(facts.fact(of: id)?.sequence == Int64(offset + 1))
            #expect(facts.fact(of: id)?.time == "2026-01-01T00:00:\(10 + offset).000Z")
            if offset % 3 == 2 { facts.release(through: SHA256Key(id)!) }
        }
        #expect(facts.fact(of: Self.id(255)) == nil)
    }

    @Test func aChunkedArrayReleasesOnlyWholeChunksBelowTheIndex() {
        var array = ChunkedArray(Array(0..<10), chunkSize: 4)
        #expect(array.count == 10 && (0..<10).map { array[$0] } == Array(0..<10))
        array.release(below: 3)  // inside the first chunk: nothing goes
        #expect(array.firstHeldIndex == 0 && array[0] == 0)
        array.release(below: 9)
        #expect(array.firstHeldIndex == 8 && array[8] == 8 && array[9] == 9)
        #expect(array.partitioningIndex { $0 < 9 } == 9)
        #expect(array.partitioningIndex { $0 < 3 } == 8)  // the held part only
        array.release(below: 100)
        #expect(array.firstHeldIndex == 10 && array.partitioningIndex { _ in true } == 10)
    }
}
