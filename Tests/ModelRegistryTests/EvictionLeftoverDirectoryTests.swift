import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Issue #14: an eviction killed before any of its system calls and recovered leaves the artifact's directory
    /// as a clean eviction leaves it — the emptied subdirectories of the bundle removed, not only the files. (Before
    /// the fix, an eviction killed between its last unlink and the `rmdir` of `config/` counted as finished, and
    /// recovery left `config/` behind.)
    @Suite struct EvictionLeftoverDirectoryTests {
        /// The directories below the artifact's directory, relative to it.
        private func directories(in artifact: String) -> [String] {
            (FileManager.default.subpaths(atPath: artifact) ?? []).filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: artifact + "/" + path, isDirectory: &isDirectory)
                    && isDirectory.boolValue
            }.sorted()
        }

        @Test func aRecoveredEvictionLeavesNoEmptiedSubdirectory() throws {
            try withTemporaryDirectory { temp in
                let fixture = try EvictionFixture(in: temp)
                let beforeDirectories = directories(in: fixture.directory())
                #expect(beforeDirectories.contains("config"))
                let arguments = ["evict", fixture.id.description, "--remote", "mirror", "--registry", "local"]

                let completed = temp.appendingPathComponent("completed")
                try FileManager.default.createDirectory(at: completed, withIntermediateDirectories: false)
                try SystemCallCrashLoop.copy(fixture.root, to: completed.appendingPathComponent("local"))
                let clean = try CLIRunner.run(arguments, in: completed)
                try #require(clean.status == 0, "\(clean.stderr)")
                let evictedDirectories = directories(
                    in: completed.appendingPathComponent("local/artifacts/\(fixture.id)").path)
                #expect(!evictedDirectories.contains("config"), "a clean eviction removes the emptied config/")

                let source = temp.appendingPathComponent("source")
                try FileManager.default.createDirectory(at: source, withIntermediateDirectories: false)
                try SystemCallCrashLoop.copy(fixture.root, to: source.appendingPathComponent("local"))
                let loop = SystemCallCrashLoop(
                    fixture: source, scratch: temp, arguments: arguments, keepsRecoveryWork: false,
                    registryName: "local")
                var evictedRuns = 0
                let sweep = try loop.sweepOperation { run, label in
                    let root = run.appendingPathComponent("local")
                    let registry = try Registry.open(at: root)
                    _ = try registry.recover()
                    #expect(try registry.recover().isClean, "\(label): a second recovery found work")
                    let evicted = FileManager.default.fileExists(
                        atPath: registry.layout.evictionPath(of: fixture.id))
                    let left = directories(in: root.appendingPathComponent("artifacts/\(fixture.id)").path)
                    if evicted { evictedRuns += 1 }
                    #expect(
                        left == (evicted ? evictedDirectories : beforeDirectories),
                        "\(label): evicted \(evicted), directories \(left)")
                }
                #expect(sweep.points > 5)
                #expect(evictedRuns > 0, "some crash must fall after the event")
            }
        }
    }
#endif
