import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// A server without write access: the registry's directories made read-only and the server run as `nobody`
/// through `setpriv`. Needs root to drop privileges, so it runs only where the tests run as root (as in CI).
@Suite struct UnprivilegedServingTests {
    static let setpriv = "/usr/bin/setpriv"
    static var canDropPrivileges: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv)
            && CLIRunner.executable(named: "example-serving") != nil
    }

    /// Runs `executable` as uid/gid 65534 with `home` as its home directory.
    func runAsNobody(_ executable: URL, _ arguments: [String], home: URL) throws -> CLIRunner.Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.setpriv)
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", executable.path] + arguments
        process.environment = ["HOME": home.path, "PATH": "/usr/bin:/bin", "SWIFT_BACKTRACE": "enable=no"]
        return try CLIRunner.capture(process)
    }

    @Test(.enabled(if: canDropPrivileges, "needs root and setpriv to run a process as nobody"))
    func anUnprivilegedServerLoadsARegistrationWithoutRehashingAndWritesNothing() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let id = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "classifier"))
                .artifact.id
            try registry.promote("champion", to: id)
            let home = temp.appendingPathComponent("home")
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: home.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temp.path)
            let root = registry.layout.rootPath
            // Directories only: the files are read-only already, and a chmod of a file changes its ctime, which
            // (rightly) invalidates its stamp.
            let made = Process()
            made.executableURL = URL(fileURLWithPath: "/usr/bin/find")
            made.arguments = [root, "-type", "d", "-exec", "chmod", "a-w", "{}", "+"]
            try made.run()
            made.waitUntilExit()
            #expect(made.terminationStatus == 0)
            let before = try LoadingTests().snapshot(registry.layout.root)

            let server = try #require(CLIRunner.executable(named: "example-serving"))
            let served = try runAsNobody(
                server, [root, "champion", "--requests", "3", "--interval-ms", "1"], home: home)
            #expect(served.status == 0, "\(served.stderr)")
            #expect(served.stdout.contains("serving \(id) (re-hashed: []"), "\(served.stdout)")
            #expect(served.stdout.contains("3 served, 0 refused"))

            // Without stamps in the registry, a deep verification by nobody records them in its own cache.
            let modelreg = try #require(CLIRunner.binary)
            try FileManager.default.removeItem(atPath: registry.layout.indexesPath + "/stamps")
            let unstamped = try LoadingTests().snapshot(registry.layout.root)
            let verified = try runAsNobody(
                modelreg, ["verify", id.description, "--deep", "--registry", root], home: home)
            #expect(verified.status == 0, "\(verified.stderr)")
            let cache = home.appendingPathComponent(".cache/modelregistry/stamps").path
            let cached = (try? FileManager.default.subpathsOfDirectory(atPath: cache)) ?? []
            #expect(cached.contains { $0.hasSuffix(id.description + ".json") }, "\(cached)")
            #expect(try LoadingTests().snapshot(registry.layout.root) == unstamped)
            #expect(before.count == unstamped.count + 2, "only indexes/stamps and its file were removed")
        }
    }
}
