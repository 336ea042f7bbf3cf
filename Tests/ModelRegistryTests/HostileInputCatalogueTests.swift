import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue #14's hostile-input catalogue for the registry's own files: what a user's (or an attacker's) edit of a
/// manifest, an alias, an audit line, a view, a signature or the policy can carry — truncated, huge, wrong types,
/// duplicate keys, NUL and invalid UTF-8, deep nesting, a symbolic link out, a FIFO, a device. Each case damages a
/// fresh copy of one registry and runs the command a user would: it must end (no hang: `timeout` kills after 60 s),
/// must not crash, must exit non-zero with an error or finding that names the damaged place, and must lose nothing
/// else: every other artifact still verifies. The inputs of other formats have their own tables, listed in
/// docs/GUARANTEES.md §7 (bundles: `BadInputTests`, OCI layouts: `OCILayoutBadInputTests`, registries over HTTP:
/// `OCIDistributionBadInputTests`, backups and tars: `BackupTarTests`, remotes: `EvictionHostileInputTests`).
@Suite struct HostileInputCatalogueTests {
    /// Where a case's damage goes, relative to the registry root; `{id}` is the damaged artifact m0.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var path: String
        var content: Content
        /// The command that meets the damage (`{id}` is m0).
        var command: [String]
        /// Text the error or finding must contain: the damaged file or field.
        var names: String
        var testDescription: String { name }
    }

    enum Content: Sendable {
        case bytes([UInt8])
        case truncated  // the file cut in half
        case symlink(String)
        case fifo
        case device
    }

    static let deepJSON = Array((String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)).utf8)
    static let hugeJSON = Array(("{\"x\":\"" + String(repeating: "a", count: 48 << 20) + "\"}").utf8)

    static let cases: [Case] = [
        // Manifests (the artifact's identity).
        Case(
            name: "manifest truncated", path: "artifacts/{id}/manifest.json", content: .truncated,
            command: ["fsck"], names: "manifest.json"),
        Case(
            name: "manifest nested 200,000 deep", path: "artifacts/{id}/manifest.json", content: .bytes(deepJSON),
            command: ["fsck"], names: "manifest.json"),
        Case(
            name: "manifest of 48 MiB", path: "artifacts/{id}/manifest.json", content: .bytes(hugeJSON),
            command: ["fsck"], names: "manifest.json"),
        Case(
            name: "manifest with a duplicate key", path: "artifacts/{id}/manifest.json",
            content: .bytes(Array(#"{"name":"a","name":"b"}"#.utf8)), command: ["fsck"], names: "manifest.json"),
        Case(
            name: "manifest with invalid UTF-8", path: "artifacts/{id}/manifest.json",
            content: .bytes(Array(#"{"name":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)), command: ["fsck"],
            names: "manifest.json"),
        Case(
            name: "manifest is a FIFO", path: "artifacts/{id}/manifest.json", content: .fifo, command: ["fsck"],
            names: "manifest.json"),
        Case(
            name: "manifest is a symlink out", path: "artifacts/{id}/manifest.json", content: .symlink("/etc/hostname"),
            command: ["fsck"], names: "manifest.json"),
        // Aliases (views of the log).
        Case(
            name: "alias truncated", path: "aliases/champion.json", content: .truncated,
            command: ["resolve", "champion"], names: "champion"),
        Case(
            name: "alias with wrong types", path: "aliases/champion.json",
            content: .bytes(Array(#"{"alias":7,"artifact":[],"version":"x"}"#.utf8)),
            command: ["resolve", "champion"], names: "champion"),
        Case(
            name: "alias with a NUL byte", path: "aliases/champion.json",
            content: .bytes(Array(#"{"alias":"champ"#.utf8) + [0] + Array(#"ion"}"#.utf8)),
            command: ["resolve", "champion"], names: "champion"),
        Case(
            name: "alias nested 200,000 deep", path: "aliases/champion.json", content: .bytes(deepJSON),
            command: ["resolve", "champion"], names: "champion"),
        Case(
            name: "alias is a FIFO", path: "aliases/champion.json", content: .fifo, command: ["resolve", "champion"],
            names: "champion"),
        Case(
            name: "alias is a device", path: "aliases/champion.json", content: .device,
            command: ["resolve", "champion"], names: "champion"),
        Case(
            name: "alias is a symlink out", path: "aliases/champion.json", content: .symlink("/etc/hostname"),
            command: ["resolve", "champion"], names: "champion"),
        // Views written from the log: state, pin, policy.
        Case(
            name: "state with wrong types", path: "states/{id}.json", content: .bytes(Array(#"{"state":42}"#.utf8)),
            command: ["fsck"], names: "states/"),
        Case(
            name: "state is a FIFO", path: "states/{id}.json", content: .fifo, command: ["fsck"], names: "states/"),
        Case(
            name: "policy with a duplicate key", path: "policy.json",
            content: .bytes(Array(#"{"schemaVersion":1,"rules":[],"rules":[]}"#.utf8)),
            command: ["policy", "show"], names: "policy.json"),
        Case(
            name: "policy nested 200,000 deep", path: "policy.json", content: .bytes(deepJSON),
            command: ["policy", "show"], names: "policy.json"),
        Case(
            name: "policy is a symlink out", path: "policy.json", content: .symlink("/etc/hostname"),
            command: ["policy", "show"], names: "policy.json"),
        Case(
            name: "pin with wrong types", path: "pins/{id}.json", content: .bytes(Array(#"{"artifact":1}"#.utf8)),
            command: ["fsck"], names: "pins/"),
        // Signatures.
        Case(
            name: "signature of invalid UTF-8", path: "artifacts/{id}/signatures/forged.json",
            content: .bytes([0xC3, 0x28, 0xFF, 0x00]), command: ["fsck"], names: "forged.json"),
        Case(
            name: "signature is a FIFO", path: "artifacts/{id}/signatures/forged.json", content: .fifo,
            command: ["fsck"], names: "forged.json"),
        // The audit log (the authority).
        Case(
            name: "audit line with a duplicate key", path: "audit/{log}",
            content: .bytes(Array(#"{"sequence":1,"sequence":2}"#.utf8) + [0x0A]), command: ["audit", "verify"],
            names: "audit/"),
        Case(
            name: "audit line nested 200,000 deep", path: "audit/{log}", content: .bytes(deepJSON + [0x0A]),
            command: ["audit", "verify"], names: "audit/"),
        Case(
            name: "audit line of invalid UTF-8", path: "audit/{log}", content: .bytes([0xFF, 0xFE, 0xFD, 0x0A]),
            command: ["audit", "verify"], names: "audit/"),
    ]

    /// A registry with m0 (damaged by the cases), m1 (must survive every case), `champion` m0 → m1, a state and a
    /// pin for m0, and a policy.
    private static func makeFixture(_ directory: URL) throws -> (ArtifactID, ArtifactID) {
        let root = directory.appendingPathComponent("registry")
        let registry = try Registry.create(at: root)
        var ids: [ArtifactID] = []
        for index in 0..<2 {
            let bundle = try BundleFixture.write(
                ["weights.bin": BundleFixture.randomBytes(count: 20_000, seed: UInt64(500 + index))],
                to: directory.appendingPathComponent("b\(index)"))
            ids.append(
                try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m\(index)")).artifact.id)
        }
        try registry.promote("champion", to: ids[0])
        try registry.promote("champion", to: ids[1])
        try registry.setState(ids[0], to: .candidate)
        _ = try registry.pin(ids[0], reason: "kept")
        try registry.setPromotionPolicy(PromotionPolicy(rules: [PromotionPolicy.Rule(aliases: "gated-*")]))
        return (ids[0], ids[1])
    }

    /// The damaged path for `id`, with `{log}` the newest audit file.
    private static func resolve(_ path: String, root: URL, id: ArtifactID) throws -> String {
        var path = path.replacingOccurrences(of: "{id}", with: id.description)
        if path.contains("{log}") {
            let logs = try FileManager.default.contentsOfDirectory(atPath: root.path + "/audit").filter {
                $0.hasSuffix(".jsonl")
            }.sorted()
            path = path.replacingOccurrences(of: "{log}", with: try #require(logs.last))
        }
        return root.path + "/" + path
    }

    /// Applies a case's damage; audit lines are appended, every other file replaced.
    private static func damage(_ target: String, with content: Content, appending: Bool) throws {
        let manager = FileManager.default
        let parent = (target as NSString).deletingLastPathComponent
        if manager.fileExists(atPath: parent) { _ = chmod(parent, 0o755) }
        switch content {
        case .truncated:
            _ = chmod(target, 0o644)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: target))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: target))
        case .bytes(let bytes):
            if appending {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(bytes))
                try handle.close()
            } else {
                try? manager.removeItem(atPath: target)
                try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: target))
            }
        case .symlink(let destination):
            try? manager.removeItem(atPath: target)
            try manager.createSymbolicLink(atPath: target, withDestinationPath: destination)
        case .fifo:
            try? manager.removeItem(atPath: target)
            try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
            #expect(mkfifo(target, 0o644) == 0)
        case .device:
            try? manager.removeItem(atPath: target)
            #expect(mknod(target, S_IFCHR | 0o644, dev_t(1 << 8 | 3)) == 0, "mknod needs root")  // 1:3, /dev/null
        }
    }

    @Test(arguments: cases)
    func aHostileFileGetsAnErrorNamingItAndLosesNothingElse(_ hostile: Case) throws {
        if case .device = hostile.content, getuid() != 0 {
            print("skipping '\(hostile.name)': mknod needs root")
            return
        }
        try withTemporaryDirectory { temp in
            let (damaged, survivor) = try Self.makeFixture(temp)
            let root = temp.appendingPathComponent("registry")
            let target = try Self.resolve(hostile.path, root: root, id: damaged)
            try Self.damage(target, with: hostile.content, appending: hostile.path.contains("{log}"))

            let binary = try #require(CLIRunner.binary)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            process.arguments = ["--signal=KILL", "60", binary.path] + hostile.command + ["--registry", root.path]
            process.environment = CLIRunner.childEnvironment()
            let outcome = try CLIRunner.capture(process)
            let said = outcome.stdout + outcome.stderr
            #expect(outcome.status != 137, "\(hostile.name): \(hostile.command) hung (killed after 60 s)")
            #expect(outcome.status < 128, "\(hostile.name): crashed (status \(outcome.status)): \(said)")
            #expect(outcome.status != 0, "\(hostile.name): \(hostile.command) accepted it: \(said)")
            #expect(said.contains(hostile.names), "\(hostile.name): does not name '\(hostile.names)': \(said)")
            #expect(!said.contains("Fatal error"), "\(hostile.name): \(said)")

            // Nothing else is lost: the other artifact is listed and verifies, and the log still has every event
            // that was written before the damage.
            let registry = try Registry.open(at: root, forWriting: false)
            #expect(try registry.verify(survivor).isClean, "\(hostile.name)")
            #expect(try registry.listArtifacts().contains(survivor), "\(hostile.name)")
        }
    }
}
