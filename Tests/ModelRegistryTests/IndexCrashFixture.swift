import Foundation
import ModelRegistry
import RegistryTestSupport

/// The registry both index crash suites start from: three artifacts, a current `index.bin`, and one line in
/// `updates.jsonl` (a state set after the build) for the killed write to fold in or remove.
enum IndexCrashFixture {
    static func makeRegistry(in temp: URL) throws -> (root: URL, ids: [ArtifactID]) {
        let root = temp.appendingPathComponent("registry")
        let registry = try Registry.create(at: root)
        var ids: [ArtifactID] = []
        for name in ["alpha", "beta", "gamma"] {
            ids.append(try BundleFixture.registerModel(name, in: registry, under: temp))
        }
        try registry.rebuildIndexes()
        try registry.setState(ids[2], to: .validated)
        return (root, ids)
    }
}
