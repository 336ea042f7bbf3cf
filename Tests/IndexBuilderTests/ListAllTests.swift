import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `Registry.listAllArtifacts` and `modelreg ls --all`: every directory of `artifacts/`, including what the index
/// does not hold, in the order and pages of `ls`.
@Suite struct ListAllTests {
    /// Overwrites an artifact's manifest so that it no longer parses (the index leaves such an artifact out).
    static func damageManifest(of id: ArtifactID, in registry: Registry) throws {
        let manifest = registry.layout.artifactPath(id) + "/manifest.json"
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: manifest)
        try Data("{\"schemaVersion\":1,".utf8).write(to: URL(fileURLWithPath: manifest))
    }

    @Test func listsWhatTheIndexLeavesOutAfterTheIndexedArtifactsInTheOrderOfLs() throws {
        try IndexFixture.with { f in
            let first = try f.register("first")
            let second = try f.register("second")
            let damaged = try f.register("damaged")
            try Self.damageManifest(of: damaged, in: f.registry)
            try f.registry.rebuildIndexes()
            #expect(try f.registry.query(IndexQuery()).map(\.id) == [second, first], "the index leaves it out")

            let all = try f.registry.listAllArtifacts()
            #expect(all.map(\.id) == [second, first, damaged])
            #expect(all.map(\.isIndexed) == [true, true, false])
            let unreadable = try #require(all.last)
            #expect(unreadable.summary == nil)
            #expect(unreadable.problem?.isEmpty == false, "names why the manifest cannot be read")
            #expect(unreadable.description.hasPrefix("\(damaged)  -  unreadable: "))
            #expect(all[0].description == all[0].summary?.description)
            #expect(all[0].summary?.registrationSequence != nil && all[0].problem == nil)

            // Pages neither repeat nor skip, across the indexed and the unindexed part.
            let page1 = try f.registry.listAllArtifacts(limit: 2)
            let page2 = try f.registry.listAllArtifacts(limit: 2, after: try #require(page1.last).cursor)
            #expect(page1.map(\.id) == [second, first])
            #expect(page2.map(\.id) == [damaged])
        }
    }

    @Test func readsTheManifestOfAnArtifactTheStoredIndexDoesNotHoldYet() throws {
        try IndexFixture.with { f in
            let known = try f.register("known")
            try f.registry.rebuildIndexes()
            // A directory copied in by hand: published bytes without an `artifact_registered` event.
            var copiedID: ArtifactID?
            try IndexFixture.with { g in
                let id = try g.register("copied", capabilities: ["ocr"])
                try FileManager.default.copyItem(
                    atPath: g.registry.layout.artifactPath(id), toPath: f.registry.layout.artifactPath(id))
                copiedID = id
            }
            let other = try #require(copiedID)
            let all = try f.registry.listAllArtifacts()
            #expect(all.map(\.id) == [known, other])
            let copied = try #require(all.last?.summary)
            #expect(copied.name == "copied" && copied.capabilities == ["ocr"] && copied.registeredAt == nil)
        }
    }

    @Test(.enabled(if: CLIRunner.binary != nil, "needs the built modelreg binary"))
    func theCommandPrintsEveryDirectoryAndMarksWhatIsNotIndexed() throws {
        try IndexFixture.with { f in
            let good = try f.register("good")
            let damaged = try f.register("damaged")
            try Self.damageManifest(of: damaged, in: f.registry)
            try f.registry.rebuildIndexes()
            let root = f.registry.layout.root

            let plain = try IndexCLI.run(["ls"], registry: root)
            #expect(plain.status == 0 && !plain.stdout.contains(damaged.description))
            let all = try IndexCLI.run(["ls", "--all"], registry: root)
            #expect(all.status == 0, "\(all.stderr)")
            let lines = all.stdout.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first?.hasPrefix("\(good)  good  registered") == true)
            #expect(lines.last?.hasPrefix("\(damaged)  -  unreadable: ") == true, "\(all.stdout)")

            let json = try IndexCLI.run(["ls", "--all", "--json", "--limit", "1"], registry: root)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let artifacts = try #require(object["artifacts"] as? [[String: Any]])
            #expect(artifacts.count == 1 && artifacts.first?["indexed"] as? Bool == true)
            let cursor = try #require(object["nextCursor"] as? String)
            let rest = try IndexCLI.run(["ls", "--all", "--json", "--after", cursor], registry: root)
            let restObject = try #require(
                try JSONSerialization.jsonObject(with: Data(rest.stdout.utf8)) as? [String: Any])
            let restArtifacts = try #require(restObject["artifacts"] as? [[String: Any]])
            #expect(restArtifacts.map { $0["id"] as? String } == [damaged.description])
            #expect(restArtifacts.first?["indexed"] as? Bool == false)
            #expect(restArtifacts.first?["problem"] is String && restArtifacts.first?["name"] is NSNull)
        }
    }
}
