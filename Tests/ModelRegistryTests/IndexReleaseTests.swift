import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `Registry.releaseIndex()`: a process that is done with a registry lets go of its mapped index.
@Suite struct IndexReleaseTests {
    /// The lines of `/proc/self/maps` that map `path` (Linux only; elsewhere the check is skipped).
    private func mappings(of path: String) -> [String]? {
        // /proc files report size 0, so read to the end rather than by size.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps"),
            let data = try? handle.readToEnd()
        else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).filter {
            $0.hasSuffix(path)
        }
    }

    @Test func releasingTheIndexUnmapsItAndTheNextQueryLoadsItAgain() throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("registry-\(UUID().uuidString)")
            let registry = try Registry.create(at: root)
            let bundle = try BundleFixture.write(
                ["w.bin": BundleFixture.randomBytes(count: 64, seed: 7)], to: temp.appendingPathComponent("b"))
            let id = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "classifier"))
                .artifact.id
            try registry.rebuildIndexes()
            #expect(try registry.query(.mostRecent(5)).map(\.id) == [id])
            let indexFile = registry.layout.indexesPath + "/index.bin"
            if let mapped = mappings(of: indexFile) {
                #expect(!mapped.isEmpty, "a query maps index.bin")
            }

            registry.releaseIndex()
            if let mapped = mappings(of: indexFile) {
                #expect(mapped.isEmpty, "released: \(mapped)")
            }
            let reopened = try Registry.open(at: root)
            #expect(try reopened.query(.mostRecent(5)).map(\.id) == [id], "the next query loads it again")
            #expect(try registry.query(.mostRecent(5)).map(\.id) == [id])
        }
    }
}
