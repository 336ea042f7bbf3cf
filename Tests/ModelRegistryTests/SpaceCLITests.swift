import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11: `modelreg rm`, `pin`, `unpin` and `gc` as a user calls them, hostile input included.
@Suite struct SpaceCLITests {
    /// A registry with `a` promoted to `prod` and `b` unheld.
    private func withRegistry(_ body: (URL, ArtifactID, ArtifactID) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            let a = try BundleFixture.registerModel("a", in: registry, under: temp)
            let b = try BundleFixture.registerModel("b", in: registry, under: temp)
            try registry.promote("prod", to: a)
            try body(root, a, b)
        }
    }

    @Test(arguments: [
        ["gc", "--grace", "7x"], ["gc", "--grace", "-1d"], ["gc", "--grace", ""], ["gc", "--grace", "d"],
        ["gc", "--grace", "99999999999999w"], ["gc", "--max-size", "10Q"], ["gc", "--max-size", "-5G"],
        ["gc", "--max-size", "1.5G"], ["gc", "--max-size", "99999999999T"], ["gc", "sha256-00"],
        ["rm"], ["pin"],
    ])
    func sizesDurationsAndArgumentsThatDoNotParseAreUsageErrors(arguments: [String]) throws {
        try withRegistry { root, _, _ in
            let outcome = try CLIRunner.run(arguments + ["--registry", root.path])
            #expect(outcome.status == 64, "\(arguments): \(outcome.stdout) \(outcome.stderr)")
            #expect(outcome.stderr.contains("Error:") || outcome.stderr.contains("error:"), "\(outcome.stderr)")
            if arguments.count > 2 {
                #expect(outcome.stderr.contains("'\(arguments[2])'"), "the value is named: \(outcome.stderr)")
            }
        }
    }

    @Test(arguments: ["not-an-id", "../../etc/passwd", "sha256-zzzz", "sha256-" + String(repeating: "0", count: 64)])
    func badArtifactReferencesFailNamingTheReference(reference: String) throws {
        try withRegistry { root, _, _ in
            for command in ["rm", "pin"] {
                let outcome = try CLIRunner.run([command, reference, "--registry", root.path])
                #expect(outcome.status == 1, "\(command) \(reference): \(outcome.stderr)")
                #expect(outcome.stderr.hasPrefix("error:"), "\(outcome.stderr)")
            }
            #expect(try Registry.open(at: root).listArtifacts().count == 2)
        }
    }

    @Test func rmRefusesAHeldArtifactNamingTheAliasAndForceRemovesIt() throws {
        try withRegistry { root, a, _ in
            let refused = try CLIRunner.run(["rm", "prod", "--registry", root.path])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("still held by alias prod"), "\(refused.stderr)")
            let forced = try CLIRunner.run(["rm", a.description, "--force", "--registry", root.path])
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(forced.stdout.contains("overrode: alias prod"), "\(forced.stdout)")
            let resolve = try CLIRunner.run(["resolve", "prod", "--registry", root.path])
            #expect(resolve.status == 1 && resolve.stderr.contains("which was removed"), "\(resolve.stderr)")
        }
    }

    @Test func gcIsADryRunUnlessAppliedAndExplainsOneArtifact() throws {
        try withRegistry { root, a, b in
            let dry = try CLIRunner.run(["gc", "--grace", "0", "--registry", root.path])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("collect  \(b)") && dry.stdout.contains("would go"), "\(dry.stdout)")
            #expect(try Registry.open(at: root).contains(b))
            let explained = try CLIRunner.run(["gc", "--explain", "prod", "--registry", root.path])
            #expect(explained.stdout.contains("keep     \(a) (a): alias prod"), "\(explained.stdout)")
            #expect(!explained.stdout.contains(b.description), "only the artifact asked about: \(explained.stdout)")
            #expect(explained.stdout.contains("exclusive"))
            let applied = try CLIRunner.run(["gc", "--grace", "0", "--apply", "--registry", root.path])
            #expect(applied.status == 0, "\(applied.stderr)")
            #expect(applied.stdout.contains("removed 1 artifact(s)"), "\(applied.stdout)")
            #expect(try !Registry.open(at: root).contains(b))
            // Another process reads the stored index, whose update line drops the collected artifact.
            let listed = try CLIRunner.run(["ls", "--registry", root.path])
            #expect(listed.status == 0 && !listed.stdout.contains(b.description), "\(listed.stdout)")
            let status = try CLIRunner.run(["index", "status", "--registry", root.path])
            #expect(status.status == 0, "\(status.stdout) \(status.stderr)")
            #expect(try CLIRunner.run(["fsck", "--registry", root.path]).status == 0)
        }
    }

    @Test func showPrintsThePinAndUnpinTakesAFullIdOfARemovedArtifact() throws {
        try withRegistry { root, _, b in
            #expect(
                try CLIRunner.run(["pin", b.description, "--reason", "paper", "--registry", root.path]).status == 0)
            let shown = try CLIRunner.run(["show", b.description, "--registry", root.path])
            #expect(shown.stdout.contains("pinned:") && shown.stdout.contains(": paper"), "\(shown.stdout)")
            #expect(try CLIRunner.run(["rm", b.description, "--force", "--registry", root.path]).status == 0)
            let unpinned = try CLIRunner.run(["unpin", b.description, "--registry", root.path])
            #expect(unpinned.status == 0 && unpinned.stdout.contains("unpinned"), "\(unpinned.stderr)")
        }
    }
}
