import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@testable import IndexBuilder

/// A scan in registration order (`IndexBuildOrder.registration`, which the SQLite index asks for so that its rows
/// are appended): the same summaries, states and stamp as in id order, handed over by ascending registration
/// sequence, then the artifacts without a registration by id.
@Suite struct RegistrationOrderScanTests {
    @Test(arguments: [1, 3, 4096])
    func registrationOrderHandsOverTheSameSummariesBySequence(batchSize: Int) throws {
        try IndexFixture.with { f in
            var registered: [ArtifactID] = []
            for name in ["zeta", "alpha", "mu", "beta", "omega"] { registered.append(try f.register(name)) }
            try f.registry.setState(registered[2], to: .candidate)
            // Two published without an event: no registration sequence.
            var loose: [ArtifactID] = []
            for seed in [UInt8(7), 8] {
                let bundle = try BundleFixture.write(
                    ["w.bin": [seed]], to: f.temp.appendingPathComponent("direct-\(seed)"))
                loose.append(
                    try f.registry.artifacts.register(
                        directory: bundle, metadata: ArtifactMetadata(name: "direct-\(seed)")
                    ).artifact.id)
            }
            let index = f.freshIndex()
            var byID: [ArtifactSummary] = []
            let idResult = try index.scan(batchSize: batchSize) { byID.append($0) }
            var byRegistration: [ArtifactSummary] = []
            let result = try index.scan(batchSize: batchSize, order: .registration) { byRegistration.append($0) }

            #expect(result.stamp == idResult.stamp && result.states == idResult.states)
            #expect(result.report.summaryCount == 7)
            #expect(Set(byRegistration.map(\.id)) == Set(byID.map(\.id)))
            #expect(byRegistration.map(\.id) == registered + loose.sorted { $0.description < $1.description })
            let sequences = byRegistration.compactMap(\.registrationSequence)
            #expect(sequences == sequences.sorted() && sequences.count == 5)
            // Each summary is the one the id-order scan hands over, audit facts and state included.
            let expected = Dictionary(uniqueKeysWithValues: byID.map { ($0.id, $0) })
            for summary in byRegistration { #expect(summary == expected[summary.id]) }
        }
    }

    /// A backend that asks for registration order but keeps the protocol's default streaming replacement gets
    /// the same contents as from an id-order scan: the default sorts what it collected.
    @Test func theDefaultReplacementSortsSummariesHandedOverInRegistrationOrder() throws {
        try IndexFixture.with { f in
            for name in ["zeta", "alpha", "mu"] { try f.register(name) }
            let index = f.freshIndex()
            let whole = try index.scan().contents
            let elsewhere = f.temp.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            let backend = ForwardingBackend(
                FileIndexBackend(layout: RegistryLayout(unchecked: elsewhere)), buildOrder: .registration)
            try backend.replaceContents(persist: false) { add in
                let result = try index.scan(order: backend.buildOrder, add)
                return (result.stamp, result.states)
            }
            #expect(try backend.contents() == whole)
        }
    }
}
