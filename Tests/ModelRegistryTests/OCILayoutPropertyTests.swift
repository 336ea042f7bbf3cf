import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Random bundles (seeded): export → import into a fresh registry re-derives the id, and the files keep their
/// paths, sizes and digests whatever their names, depths and sizes.
@Suite struct OCILayoutPropertyTests {
    static let names = [
        "model.safetensors", "weights.bin", "config.json", "README.md", "run.py", "data.csv", "notes", "a b.txt",
        "tokenizer.model", "ünïcode.gguf",
    ]

    @Test(arguments: 0..<8)
    func anExportedRandomBundleImportsWithTheSameID(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        try withTemporaryDirectory { temp in
            var files: [String: [UInt8]] = [:]
            for index in 0..<Int.random(in: 1...6, using: &random) {
                let depth = Int.random(in: 0...2, using: &random)
                let directories = (0..<depth).map { "d\($0)-\(Int.random(in: 0...3, using: &random))" }
                let name = Self.names.randomElement(using: &random) ?? "f"
                let path = (directories + ["\(index)-\(name)"]).joined(separator: "/")
                files[path] = random.nextBytes(count: Int.random(in: 0...70_000, using: &random))
            }
            let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("bundle"))
            let source = try Registry.create(at: temp.appendingPathComponent("source"))
            let parents = seed % 2 == 0 ? [] : [try BundleFixture.registerModel("parent", in: source, under: temp)]
            let id = try source.register(
                directory: bundle,
                metadata: ArtifactMetadata(
                    name: "random-\(seed)", capabilities: ["c\(seed)"], parents: parents,
                    labels: ["seed": "\(seed)"])
            ).artifact.id
            let layout = temp.appendingPathComponent("oci")
            try source.exportOCILayout(id.description, to: layout)
            let target = try Registry.create(at: temp.appendingPathComponent("target"))
            let imported = try target.importOCILayout(from: layout)
            #expect(imported.registration.artifact.id == id)
            #expect(imported.registration.artifact.manifest == (try source.artifact(id).manifest))
            #expect(try target.verify(id).isClean)
        }
    }
}
