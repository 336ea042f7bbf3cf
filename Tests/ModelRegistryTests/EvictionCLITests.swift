import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11's done-criterion end to end: an artifact evicted through the CLI is fetched back on
/// `openForLoading`, from a remote registry that is only ever read.
@Suite struct EvictionCLITests {
    /// Every path under `root` with its size and modification time: what a reader-only use must leave unchanged.
    private func snapshot(_ root: URL) throws -> [String: String] {
        var entries: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let path = enumerator?.nextObject() as? String {
            // An eviction takes the remote's backup lease (FORMAT.md §14.4): the lock file is the one thing it
            // may create there.
            if path == "locks/backup.lock" || path == "locks" { continue }
            let attributes = try FileManager.default.attributesOfItem(atPath: root.path + "/" + path)
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            entries[path] = "\(attributes[.size] ?? 0) \(modified) \(attributes[.posixPermissions] ?? 0)"
        }
        return entries
    }

    @Test func anArtifactEvictedThroughTheCLIIsFetchedBackOnOpenForLoading() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp, addRemote: false)
            let id = fixture.id.description
            try fixture.registry.promote("champion", to: fixture.id)
            let environment = ["MODELREG_REGISTRY": fixture.root.path]
            func run(_ arguments: [String]) throws -> CLIRunner.Outcome {
                try CLIRunner.run(arguments, environment: environment)
            }
            let remoteBefore = try snapshot(fixture.remoteRoot)

            let refused = try run(["evict", id])
            #expect(refused.status == 1 && refused.stderr.contains("remote add"), "\(refused.stderr)")
            #expect(try run(["remote", "add", "mirror", "file://" + fixture.remoteRoot.path]).status == 0)
            let listed = try run(["remote", "ls"])
            #expect(listed.stdout.contains("mirror\tregistry\tfile://" + fixture.remoteRoot.path))
            let evicted = try run(["evict", "champion", "--json"])
            #expect(evicted.status == 0, "\(evicted.stderr)")
            #expect(evicted.stdout.contains(#""remote":"mirror""#) && evicted.stdout.contains(#""forced":false"#))
            #expect(fixture.presentFiles().isEmpty)

            // Lookups say it is evicted and where from.
            #expect(try run(["ls"]).stdout.contains("evicted"))
            let show = try run(["show", id])
            #expect(show.status == 0 && show.stdout.contains("evicted:") && show.stdout.contains("mirror"))
            let resolve = try run(["resolve", "champion"])
            #expect(resolve.status == 0 && resolve.stdout.contains(id) && resolve.stderr.contains("evicted"))
            let verify = try run(["verify", id])
            #expect(verify.status == 0 && verify.stdout.hasPrefix("evicted \(id): "), "\(verify.stdout)")
            let verifyAll = try run(["verify", "--json"])
            #expect(verifyAll.status == 0 && verifyAll.stdout.contains(#""kind":"evicted""#), "\(verifyAll.stdout)")
            #expect(try run(["fsck"]).status == 0)

            // A registry opened read-only says how to fetch it; one opened for writing fetches it on demand.
            let readOnly = try Registry.open(at: fixture.root, forWriting: false)
            let error = try #require(throws: RegistryError.self) { try readOnly.openForLoading(alias: "champion") }
            #expect(error.code == .evicted && error.message.contains("modelreg fetch \(id)"), "\(error.message)")
            let loaded = try Registry.open(at: fixture.root).openForLoading(alias: "champion")
            #expect(loaded.fetched?.remote?.name == "mirror" && loaded.artifact.id == fixture.id)
            #expect(fixture.holdsOriginalBytes())
            let bytes = try Data(contentsOf: try loaded.artifact.fileURL(at: "weights.bin"))
            #expect(Array(bytes) == EvictionFixture.weights)

            // Evicted again and fetched through the CLI.
            #expect(try run(["evict", id]).status == 0)
            let fetched = try run(["fetch", id, "--json"])
            #expect(fetched.status == 0 && fetched.stdout.contains(#""fetched":true"#), "\(fetched.stderr)")
            let again = try run(["fetch", id])
            #expect(again.status == 0 && again.stdout.contains("is not evicted"))
            #expect(fixture.holdsOriginalBytes())
            let log = try run(["log", "--json"])
            for type in ["remote_changed", "artifact_evicted", "artifact_fetched"] {
                #expect(log.stdout.contains(type))
            }
            #expect(try run(["fsck", "--deep"]).status == 0)
            #expect(try snapshot(fixture.remoteRoot) == remoteBefore, "the remote's data is only ever read")
        }
    }

    @Test func processesFetchingTheSameArtifactAtOnceFetchItOnce() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            try fixture.registry.evict(fixture.id)
            let binary = try #require(CLIRunner.binary)
            let processes = (0..<4).map { _ in
                let process = Process()
                process.executableURL = binary
                process.arguments = ["fetch", fixture.id.description, "--registry", fixture.root.path]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                return process
            }
            for process in processes { try process.run() }
            for process in processes { process.waitUntilExit() }
            #expect(processes.allSatisfy { $0.terminationStatus == 0 })
            #expect(try fixture.eventTypes().filter { $0 == "artifact_fetched" }.count == 1)
            #expect(fixture.holdsOriginalBytes())
            #expect(fixture.stagingEntries().isEmpty, "\(fixture.stagingEntries())")
            #expect(try fixture.registry.fsck(depth: .full).isClean)
        }
    }

    @Test func theCLIRefusesBadRemoteInputWithClearErrors() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp, addRemote: false)
            let environment = ["MODELREG_REGISTRY": fixture.root.path]
            let badName = try CLIRunner.run(
                ["remote", "add", "Bad/Name", fixture.remoteRoot.path], environment: environment)
            #expect(badName.status == 1 && badName.stderr.contains("remote name"), "\(badName.stderr)")
            let oci = try CLIRunner.run(["remote", "add", "hub", "oci://example.com"], environment: environment)
            #expect(oci.status == 1 && oci.stderr.contains("OCI repository"), "\(oci.stderr)")
            let usage = try CLIRunner.run(["remote", "add", "only-a-name"], environment: environment)
            #expect(usage.status == 64)
            let unknown = try CLIRunner.run(
                ["fetch", fixture.id.description, "--remote", "nope"], environment: environment)
            #expect(unknown.status == 1 && unknown.stderr.contains("no remote 'nope'"), "\(unknown.stderr)")
            let noSuch = try CLIRunner.run(
                ["evict", fixture.id.description, "--remote", "nope"], environment: environment)
            #expect(noSuch.status == 1 && noSuch.stderr.contains("no remote 'nope'"), "\(noSuch.stderr)")
        }
    }
}
