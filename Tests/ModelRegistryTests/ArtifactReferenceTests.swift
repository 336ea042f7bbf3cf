import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `Registry.artifactID(matching:)`: full ids, NAME:latest, aliases and unique prefixes, with typed errors.
@Suite struct ArtifactReferenceTests {
    /// Expects `body` to throw a `RegistryError` with `code`.
    func expectCode(
        _ code: RegistryError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any
    ) throws {
        do {
            _ = try body()
            Issue.record("expected a \(code) error", sourceLocation: sourceLocation)
        } catch let error as RegistryError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        }
    }

    /// A registry with artifacts registered in the order given by `names`.
    func withArtifacts(
        _ names: [String], _ body: (_ registry: Registry, _ ids: [ArtifactID]) throws -> Void
    ) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            var ids: [ArtifactID] = []
            for (index, name) in names.enumerated() {
                let bundle = try BundleFixture.write(
                    ["w.bin": Array("\(index)".utf8)], to: temp.appendingPathComponent("b\(index)"))
                ids.append(try registry.register(directory: bundle, metadata: ArtifactMetadata(name: name)).artifact.id)
            }
            try body(registry, ids)
        }
    }

    @Test func aFullIdAPrefixAndTheSha256FormAllResolve() throws {
        try withArtifacts(["a"]) { registry, ids in
            let hex = ids[0].digest.hex
            let full = try registry.artifactID(matching: ids[0].description)
            let short = try registry.artifactID(matching: String(hex.prefix(8)))
            let spelled = try registry.artifactID(matching: "sha256-" + hex.prefix(12))
            #expect(full == ids[0] && short == ids[0] && spelled == ids[0])
        }
    }

    @Test func nameLatestIsTheMostRecentlyRegisteredArtifactOfThatName() throws {
        try withArtifacts(["model", "other", "model", "other"]) { registry, ids in
            #expect(try registry.artifactID(matching: "model:latest") == ids[2])
            #expect(try registry.artifactID(matching: "other:latest") == ids[3])
            try expectCode(.notFound) { try registry.artifactID(matching: "missing:latest") }
            try expectCode(.invalidName) { try registry.artifactID(matching: "-bad:latest") }
        }
    }

    @Test func anAliasResolvesToItsTargetAndWinsOverAPrefix() throws {
        try withArtifacts(["a", "b"]) { registry, ids in
            try registry.promote("champion", to: ids[1])
            #expect(try registry.artifactID(matching: "champion") == ids[1])
            let prefix = String(ids[0].digest.hex.prefix(8))
            if (try? AliasName.check(prefix)) != nil {
                try registry.promote(prefix, to: ids[1])
                #expect(try registry.artifactID(matching: prefix) == ids[1])
            }
        }
    }

    @Test func anAmbiguousPrefixListsEveryCandidate() throws {
        try withArtifacts(["a"]) { registry, _ in
            // Two directories whose ids share 10 hex digits: the prefix lookup reads only the listing.
            let twins = [
                "deadbeef00" + String(repeating: "1", count: 54), "deadbeef00" + String(repeating: "2", count: 54),
            ]
            for hex in twins {
                try FileManager.default.createDirectory(
                    atPath: registry.layout.artifactsPath + "/sha256-" + hex, withIntermediateDirectories: false)
            }
            do {
                _ = try registry.artifactID(matching: "deadbeef00")
                Issue.record("expected an ambiguity")
            } catch let error as RegistryError {
                #expect(error.code == .ambiguous)
                #expect(twins.allSatisfy { error.message.contains("sha256-" + $0) }, "\(error.message)")
            }
            #expect(try registry.artifactID(matching: "deadbeef001").digest.hex == twins[0])
            try expectCode(.invalidArgument) { try registry.artifactID(matching: "deadbee") }
        }
    }

    @Test func nothingMatchingIsNotFoundAndSaysWhatWasTried() throws {
        try withArtifacts(["a"]) { registry, ids in
            let other = ArtifactID(digest: SHA256Algorithm().hash([9, 9]))
            try expectCode(.notFound) { try registry.artifactID(matching: other.description) }
            let unknownPrefix = ids[0].digest.hex.hasPrefix("0000") ? "ffffffff" : "00000000"
            try expectCode(.notFound) { try registry.artifactID(matching: unknownPrefix) }
            do {
                _ = try registry.artifactID(matching: "no-such-alias")
                Issue.record("expected an error")
            } catch let error as RegistryError {
                #expect(error.code == .notFound && error.message.contains("NAME:latest"))
            }
            try expectCode(.invalidArgument) { try registry.artifactID(matching: "") }
        }
    }

    @Test func theDefaultActorFallsBackFromUSERToTheAccountName() {
        #expect(Registry.Configuration.accountName(environment: ["USER": "alice", "LOGNAME": "bob"]) == "alice")
        #expect(Registry.Configuration.accountName(environment: ["USER": "", "LOGNAME": "bob"]) == "bob")
        let fallback = Registry.Configuration.accountName(environment: [:])
        #expect(!fallback.isEmpty && fallback != "unknown")
    }
}
