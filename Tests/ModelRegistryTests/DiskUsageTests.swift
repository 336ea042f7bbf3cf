import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `Registry.diskUsage()` and `modelreg du`: exclusive and shared bytes per artifact, per alias and per state,
/// and a total that counts each inode once.
@Suite struct DiskUsageTests {
    /// Three artifacts: `a` and `b` share a 200 000-byte file, `c` has its own 50 000-byte file.
    struct Fixture {
        let registry: Registry
        let a: Registration, b: Registration, c: Registration
        let temp: URL

        static func with(_ body: (Fixture) throws -> Void) throws {
            try withTemporaryDirectory { temp in
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let shared = BundleFixture.randomBytes(count: 200_000, seed: 31)
                func register(_ name: String, _ files: [String: [UInt8]]) throws -> Registration {
                    let source = try BundleFixture.write(files, to: temp.appendingPathComponent(name))
                    return try registry.register(directory: source, metadata: ArtifactMetadata(name: name))
                }
                let a = try register("a", ["w.bin": shared, "a.txt": Array(repeating: 1, count: 10)])
                let b = try register("b", ["w.bin": shared, "b.txt": Array(repeating: 2, count: 20)])
                let c = try register("c", ["own.bin": BundleFixture.randomBytes(count: 50_000, seed: 32)])
                try registry.promote("champion", to: b.artifact.id)
                try registry.setState(c.artifact.id, to: .production)
                try body(Fixture(registry: registry, a: a, b: b, c: c, temp: temp))
            }
        }

        /// The size of `manifest.json` of a registration.
        func manifestSize(_ registration: Registration) throws -> Int64 {
            let path = registration.artifact.directory.appendingPathComponent("manifest.json").path
            return try #require((FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value)
        }
    }

    @Test func sharedBytesCountOncePerInodeAndExclusivelyNowhere() throws {
        try Fixture.with { f in
            #expect(f.b.deduplicated == ["w.bin"])
            let usage = try f.registry.diskUsage()
            let byID = Dictionary(uniqueKeysWithValues: usage.artifacts.map { ($0.artifact, $0) })
            let a = try #require(byID[f.a.artifact.id])
            let b = try #require(byID[f.b.artifact.id])
            let c = try #require(byID[f.c.artifact.id])
            #expect(a.sharedBytes == 200_000 && b.sharedBytes == 200_000 && c.sharedBytes == 0)
            #expect(a.exclusiveBytes == (try f.manifestSize(f.a)) + 10)
            #expect(b.exclusiveBytes == (try f.manifestSize(f.b)) + 20)
            #expect(c.exclusiveBytes == (try f.manifestSize(f.c)) + 50_000)
            #expect(a.name == "a" && c.state == .production)

            let exclusive = a.exclusiveBytes + b.exclusiveBytes + c.exclusiveBytes
            #expect(usage.totalBytes == exclusive + 200_000, "the shared file once")
            #expect(usage.apparentBytes == exclusive + 400_000 && usage.savedBytes == 200_000)

            #expect(usage.aliases.map(\.alias) == ["champion"])
            #expect(usage.aliases.first?.artifact == f.b.artifact.id)
            #expect(usage.aliases.first?.exclusiveBytes == b.exclusiveBytes)
            #expect(usage.aliases.first?.sharedBytes == 200_000)

            let states = Dictionary(uniqueKeysWithValues: usage.states.map { ($0.state, $0) })
            #expect(Set(states.keys) == [.registered, .production])
            #expect(states[.registered]?.artifacts == 2)
            #expect(states[.registered]?.bytes == a.exclusiveBytes + b.exclusiveBytes + 200_000)
            #expect(states[.registered]?.exclusiveBytes == a.exclusiveBytes + b.exclusiveBytes + 200_000)
            #expect(states[.production]?.bytes == c.exclusiveBytes)
        }
    }

    @Test func aFileSharedAcrossStatesIsNotExclusiveToEither() throws {
        try Fixture.with { f in
            try f.registry.setState(f.a.artifact.id, to: .candidate)
            let usage = try f.registry.diskUsage()
            let states = Dictionary(uniqueKeysWithValues: usage.states.map { ($0.state, $0) })
            #expect(states[.candidate]?.bytes == (try f.manifestSize(f.a)) + 10 + 200_000)
            #expect(states[.candidate]?.exclusiveBytes == (try f.manifestSize(f.a)) + 10)
        }
    }

    @Test func theCLIPrintsTheSameNumbers() throws {
        try Fixture.with { f in
            let environment = ["MODELREG_REGISTRY": f.registry.layout.rootPath]
            let outcome = try CLIRunner.run(["du", "--json"], environment: environment)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
            let usage = try f.registry.diskUsage()
            #expect((object["totalBytes"] as? NSNumber)?.int64Value == usage.totalBytes)
            #expect((object["savedBytes"] as? NSNumber)?.int64Value == 200_000)
            #expect((object["artifacts"] as? [Any])?.count == 3)

            let text = try CLIRunner.run(["du"], environment: environment)
            #expect(text.status == 0 && text.stdout.contains("champion") && text.stdout.contains("195.3 KiB saved"))
            #expect(try CLIRunner.run(["du", "extra"], environment: environment).status == 64)
        }
    }
}
