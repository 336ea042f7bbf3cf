import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// The serving example as a user runs it: a separate process, driven by changes made in this one.
@Suite struct ServingExampleTests {
    /// Waits (bounded) until the file at `path` contains `text`; returns its content.
    func waitFor(_ text: String, in path: String, seconds: Double = 30) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let content = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if content.contains(text) { return content }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let content = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        throw RegistryError(.io, "the server never printed '\(text)'; it printed:\n\(content)")
    }

    @Test(.enabled(if: CLIRunner.executable(named: "example-serving") != nil, "needs the built example-serving"))
    func theServerKeepsItsModelOnAFailedLoadOrRetirementAndRefusesARevokedOne() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            var ids: [ArtifactID] = []
            for index in 0..<3 {
                let bundle = try BundleFixture.write(
                    ["weights.bin": BundleFixture.randomBytes(count: 8192, seed: UInt64(index + 70))],
                    to: temp.appendingPathComponent("bundle-\(index)"))
                ids.append(
                    try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m\(index)")).artifact.id)
            }
            let (good, other, tampered) = (ids[0], ids[1], ids[2])
            // The third artifact's bytes change after registration (same size: quick checks still pass).
            let weights = registry.layout.artifactPath(tampered) + "/weights.bin"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: weights)
            let handle = try #require(FileHandle(forWritingAtPath: weights))
            try handle.write(contentsOf: Data([0x00, 0x01, 0x02]))
            try handle.close()
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: weights)
            try registry.promote("champion", to: good)

            let log = temp.appendingPathComponent("server.log").path
            #expect(FileManager.default.createFile(atPath: log, contents: nil))
            let executable = try #require(CLIRunner.executable(named: "example-serving"))
            let output = try #require(FileHandle(forWritingAtPath: log))
            let server = Process()
            server.executableURL = executable
            server.arguments = [registry.layout.rootPath, "champion", "--swaps", "2", "--interval-ms", "2"]
            server.standardOutput = output
            server.standardError = output
            var environment = ProcessInfo.processInfo.environment
            environment["SWIFT_BACKTRACE"] = "enable=no"
            server.environment = environment
            try server.run()
            defer { if server.isRunning { server.terminate() } }

            _ = try waitFor("serving \(good)", in: log)
            try registry.promote("champion", to: tampered)
            _ = try waitFor("load failed after 'promoted \(good) -> \(tampered)', still serving \(good)", in: log)
            try registry.retire("champion")
            _ = try waitFor("alias retired (was \(tampered)); still serving \(good)", in: log)
            try registry.promote("champion", to: other)
            _ = try waitFor("now serving \(other)", in: log)
            try registry.setState(other, to: .revoked)
            _ = try waitFor("target revoked (\(other)): refusing requests", in: log)
            try registry.promote("champion", to: good)
            let printed = try waitFor("stopped after", in: log)
            server.waitUntilExit()
            #expect(server.terminationStatus == 0, "\(printed)")
            #expect(printed.contains("saw 2 swap(s); stopping"))
        }
    }
}
