import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Servers call the same names with `await`; both call sites must resolve and behave alike.
@Suite struct AsyncAPITests {
    @Test func theAsyncTwinsBehaveLikeTheBlockingCalls() async throws {
        try await withTemporaryDirectory { temp in
            let registry = try await Registry.create(at: temp.appendingPathComponent("registry"))
            var ids: [ArtifactID] = []
            for index in 0..<2 {
                let bundle = try BundleFixture.write(
                    ["w.bin": [UInt8(index)]], to: temp.appendingPathComponent("b\(index)"))
                ids.append(
                    try await registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m")).artifact.id)
            }
            try await registry.promote("champion", to: ids[0])
            try await registry.promote("champion", to: ids[1], expecting: .target(ids[0]))
            #expect(try await registry.resolve("champion").artifact == ids[1])
            try await registry.rollback("champion")
            #expect(try await registry.resolve("champion").artifact == ids[0])
            #expect(try await registry.verify(ids[0]).isClean)
            #expect(try await registry.openForLoading(ids[0]).id == ids[0])
            try await registry.setState(ids[1], to: .deprecated)
            try await registry.retire("champion")
            #expect(try await registry.recover().isClean)
            // The blocking forms still resolve from a synchronous context.
            let blocking: () throws -> AliasRecord? = { try? registry.resolve("champion") }
            #expect(try blocking() == nil)
        }
    }
}
