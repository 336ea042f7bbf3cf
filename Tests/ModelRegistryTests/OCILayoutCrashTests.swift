import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Kills a real `modelreg import --oci-layout` (and `export`) with SIGKILL at each of its crash points: an
    /// import is never half published — after `recover` the registry is clean and holds the artifact whole or not
    /// at all — and importing again completes it, signatures and evaluation records included.
    @Suite struct OCILayoutCrashTests {
        @Test(arguments: [
            "artifact.afterStaging", "oci.afterImportStaging", "artifact.afterStateChange", "append.afterWrite",
            "artifact.afterEvent", "oci.afterImportPublish", "signature.afterEvent", "evaluation.afterEvent",
            "atomic.afterRename",
        ])
        func anImportKilledAtAnyPointIsNeverHalfPublished(point: String) throws {
            try withTemporaryDirectory { temp in
                let fixture = try OCILayoutFixture(temp: temp)
                let layout = temp.appendingPathComponent("oci")
                try fixture.registry.exportOCILayout("champion", to: layout)
                let root = temp.appendingPathComponent("target")
                _ = try Registry.create(at: root)
                try runKilled(
                    ["import", "--oci-layout", layout.path + ":champion", "--registry", root.path], at: point)

                let registry = try fixture.expectRecoveredWholeOrAbsent(at: root, after: point)
                let imported = try registry.importOCILayout(from: layout, tag: "champion")
                #expect(imported.registration.artifact.id == fixture.id)
                try OCILayoutFixture.expectOneEventOfEachKind(registry, point)
                #expect(try registry.verify(fixture.id, depth: .trust).isClean)
                #expect(try registry.evaluations(of: fixture.id).map(\.status) == [.trusted])
                #expect(try registry.fsck().isClean)
            }
        }

        @Test(arguments: ["oci.beforeIndexReplace", "atomic.afterTempSync", "atomic.afterRename"])
        func anExportKilledAtAnyPointLeavesTheLayoutReadable(point: String) throws {
            try withTemporaryDirectory { temp in
                let fixture = try OCILayoutFixture(temp: temp)
                let layout = temp.appendingPathComponent("oci")
                try fixture.registry.exportOCILayout("champion", to: layout, tag: "before")
                try runKilled(
                    [
                        "export", "champion", "--oci-layout", layout.path + ":after", "--registry",
                        fixture.registry.layout.rootPath,
                    ], at: point)
                // The index is the old one or the new one, never torn; the earlier tag still imports.
                let index = try OCILayoutFixture.readIndex(layout)
                #expect(index.entry(tagged: "before") != nil)
                let target = try fixture.freshRegistry()
                #expect(try target.importOCILayout(from: layout, tag: "before").registration.artifact.id == fixture.id)
                // Exporting again completes it.
                try fixture.registry.exportOCILayout("champion", to: layout, tag: "after")
                #expect(try OCILayoutFixture.readIndex(layout).entry(tagged: "after") != nil)
            }
        }
    }
#endif

/// Several processes exporting into one layout at once: `index.json` is replaced under the layout's lock, so no
/// export loses another's tag.
@Suite struct OCILayoutConcurrencyTests {
    @Test func concurrentExportsIntoOneLayoutKeepEveryTag() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let second = try BundleFixture.write(["w.bin": [2]], to: temp.appendingPathComponent("second"))
            let other = try fixture.registry.register(directory: second, metadata: ArtifactMetadata(name: "other"))
                .artifact.id
            let layout = temp.appendingPathComponent("oci")
            let binary = try #require(CLIRunner.binary)
            let tags = (0..<8).map { "tag-\($0)" }
            for round in 0..<2 {
                let processes = try tags.enumerated().map { number, tag in
                    let process = Process()
                    process.executableURL = binary
                    let artifact = number % 2 == 0 ? fixture.id : other
                    process.arguments = [
                        "export", artifact.description, "--oci-layout", layout.path + ":\(tag)-\(round)",
                        "--registry", fixture.registry.layout.rootPath,
                    ]
                    process.standardOutput = FileHandle.nullDevice
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    return process
                }
                for process in processes {
                    process.waitUntilExit()
                    #expect(process.terminationStatus == 0)
                }
            }
            let index = try OCILayoutFixture.readIndex(layout)
            for round in 0..<2 {
                for (number, tag) in tags.enumerated() {
                    let entry = index.entry(tagged: "\(tag)-\(round)")
                    #expect(entry != nil, "\(tag)-\(round) was lost")
                    let expected = number % 2 == 0 ? fixture.id : other
                    let manifest = try OCILayoutFixture.modelManifest(layout, tag: "\(tag)-\(round)")
                    #expect(manifest.layers.last?.digest == expected.digest)
                }
            }
            // The referrers lists of the signed artifact survived every merge.
            let model = try #require(index.entry(tagged: "tag-0-0"))
            #expect(index.entry(tagged: OCITag.referrers(of: model.digest)) != nil)
            let target = try fixture.freshRegistry()
            #expect(try target.importOCILayout(from: layout, tag: "tag-1-1").registration.artifact.id == other)
        }
    }
}
