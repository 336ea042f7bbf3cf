import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Runs `modelreg` against one registry.
enum IndexCLI {
    static func run(_ arguments: [String], registry: URL) throws -> CLIRunner.Outcome {
        try CLIRunner.run(arguments + ["--registry", registry.path])
    }
}

@Suite(.enabled(if: CLIRunner.binary != nil, "needs the built modelreg binary"))
struct IndexCLITests {
    @Test func rebuildFindAndLineage() throws {
        try ModelFamily.with { f in
            let root = f.fixture.registry.layout.root
            try f.fixture.registry.setState(f.invoices, to: .production)

            let rebuild = try IndexCLI.run(["index", "rebuild"], registry: root)
            #expect(rebuild.status == 0, "\(rebuild.stderr)")
            #expect(rebuild.stdout.contains("rebuilt indexes: 5 of 5 artifacts, audit #6"))
            let status = try IndexCLI.run(["index", "status"], registry: root)
            #expect(status.status == 0 && status.stdout.hasPrefix("current: 5 artifacts, audit #6"))

            let find = try IndexCLI.run(
                ["find", "--capability", "text-classification", "--limit", "2"], registry: root)
            #expect(find.status == 0)
            #expect(
                find.stdout.split(separator: "\n").map { $0.prefix(71) }
                    == [f.distilled, f.receipts].map { Substring($0.description) })
            let production = try IndexCLI.run(["find", "--state", "production", "--text", "invoice"], registry: root)
            #expect(
                production.stdout
                    == "\(f.invoices)  invoice-classifier  production  2026-11-23T13:37:00.000Z  text-classification\n")
            let labelled = try IndexCLI.run(
                ["find", "--label", "framework=onnx", "--descendants-of", f.base.description], registry: root)
            #expect(labelled.stdout.split(separator: "\n").count == 2)

            let up = try IndexCLI.run(["lineage", f.distilled.description, "--up"], registry: root)
            #expect(up.status == 0)
            #expect(
                up.stdout.split(separator: "\n").map { $0.prefix(71) }
                    == [f.invoices, f.base].map { Substring($0.description) })
            let both = try IndexCLI.run(["lineage", f.invoices.description], registry: root)
            #expect(both.stdout.hasPrefix("ancestors:\n  \(f.base)"))
            #expect(both.stdout.contains("descendants:\n  \(f.distilled)"))
        }
    }

    @Test func usageErrorsExitWith64() throws {
        try IndexFixture.with { f in
            let root = f.registry.layout.root
            #expect(try IndexCLI.run(["index"], registry: root).status == 64)
            #expect(try IndexCLI.run(["index", "defragment"], registry: root).status == 64)
            #expect(try IndexCLI.run(["find", "--limit", "0"], registry: root).status == 64)
            #expect(try IndexCLI.run(["find", "--label", "novalue"], registry: root).status == 64)
            #expect(try IndexCLI.run(["lineage"], registry: root).status == 64)
            let unknown = try IndexCLI.run(["lineage", "sha256-" + String(repeating: "0", count: 64)], registry: root)
            #expect(unknown.status == 1 && unknown.stderr.contains("no artifact"))
        }
    }
}
