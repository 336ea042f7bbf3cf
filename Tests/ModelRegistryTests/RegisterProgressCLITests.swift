import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `modelreg register` shows progress on stderr; with stderr not a terminal (a pipe here, a log in CI) it writes
/// plain lines and never a carriage return.
@Suite struct RegisterProgressCLITests {
    @Test func progressIsPlainLinesWhenStderrIsNotATerminal() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            var files = BundleFixture.standard
            files["large.bin"] = BundleFixture.randomBytes(count: 3 << 20, seed: 5)
            let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("bundle"))
            #expect(try CLIRunner.run(["init", "--registry", registry]).status == 0)
            let outcome = try CLIRunner.run(["register", bundle.path, "--registry", registry, "--name", "classifier"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(ArtifactID(outcome.stdout.trimmingCharacters(in: .newlines)) != nil, "stdout is only the id")
            #expect(!outcome.stderr.contains("\r"), "no carriage returns in a log: \(outcome.stderr.debugDescription)")
            #expect(!outcome.stderr.contains("\u{1B}"), "no terminal escapes in a log")
            let lines = outcome.stderr.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("register: copying 0/\(files.count) files") == true, "\(lines)")
            let manifest = try Registry.open(at: URL(fileURLWithPath: registry)).artifact(
                try #require(ArtifactID(outcome.stdout.trimmingCharacters(in: .newlines)))
            ).manifest
            #expect(
                lines.last?.hasPrefix("register: publishing \(files.count)/\(files.count) files") == true, "\(lines)")
            #expect(lines.last?.hasSuffix("(100%)") == true, "\(lines)")
            #expect(manifest.files.count == files.count)
            // A handful of lines whatever the size: phase changes and quarter marks only.
            #expect(lines.count <= 6, "\(lines)")
        }
    }

    /// util-linux `script` runs a command on a pseudo-terminal, so stderr is a terminal.
    static let script = "/usr/bin/script"

    #if os(Linux)
        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: script), "needs util-linux script(1)"))
        func progressIsOneRedrawnBarOnATerminal() throws {
            try withTemporaryDirectory { temp in
                let registry = temp.appendingPathComponent("reg").path
                let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
                #expect(try CLIRunner.run(["init", "--registry", registry]).status == 0)
                let binary = try #require(CLIRunner.binary).path
                let process = Process()
                process.executableURL = URL(fileURLWithPath: Self.script)
                process.arguments = [
                    "-qec", "'\(binary)' register '\(bundle.path)' --registry '\(registry)'", "/dev/null",
                ]
                let output = Pipe()
                process.standardOutput = output
                process.standardInput = FileHandle.nullDevice
                try process.run()
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: data, as: UTF8.self)
                #expect(process.terminationStatus == 0, "\(text)")
                #expect(text.contains("\r\u{1B}[Kregister: copying ["), "\(text.debugDescription)")
                #expect(
                    text.contains("register: publishing [########################] 100%"), "\(text.debugDescription)")
                #expect(!text.contains("(0%)"), "no plain lines on a terminal")
            }
        }
    #endif
}
