import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// A registry with one artifact (two files, one in a subdirectory), a copy of that registry made before any
/// eviction — the remote — and the remote configured as `mirror`.
struct EvictionFixture {
    let root: URL
    let remoteRoot: URL
    let registry: Registry
    let id: ArtifactID
    /// The artifact's files by bundle path, as registered.
    let files: [String: [UInt8]]

    static let weights = BundleFixture.randomBytes(count: 70_000, seed: 11)

    init(in temp: URL, addRemote: Bool = true) throws {
        root = temp.appendingPathComponent("local")
        remoteRoot = temp.appendingPathComponent("remote")
        registry = try Registry.create(at: root, configuration: .init(actor: "tester"))
        files = ["weights.bin": Self.weights, "config/tokenizer.json": Array(#"{"vocab":3}"#.utf8)]
        let bundle = try BundleFixture.write(files, to: temp.appendingPathComponent("bundle"))
        id = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "classifier")).artifact.id
        try Self.copyTree(root, to: remoteRoot)
        if addRemote { try registry.addRemote(name: "mirror", url: remoteRoot.path) }
    }

    /// `cp -a`: modes kept, so the copy is a registry like the original.
    static func copyTree(_ source: URL, to target: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cp")
        process.arguments = ["-a", source.path, target.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RegistryError(.io, "cp -a '\(source.path)' '\(target.path)' failed")
        }
    }

    /// The artifact's directory in `root`.
    func directory(in root: URL? = nil) -> String {
        (root ?? self.root).appendingPathComponent("artifacts/\(id)").path
    }

    /// The bundle paths present in the local artifact directory.
    func presentFiles() -> [String] {
        files.keys.filter { FileManager.default.fileExists(atPath: directory() + "/" + $0) }.sorted()
    }

    /// Whether every bundle file is present locally with the registered bytes.
    func holdsOriginalBytes() -> Bool {
        files.allSatisfy { path, bytes in
            FileManager.default.contents(atPath: directory() + "/" + path).map(Array.init) == bytes
        }
    }

    /// The types of the events in the log, in order.
    func eventTypes() throws -> [String] {
        var types: [String] = []
        try registry.journal.forEachEvent { types.append($0.type.rawValue) }
        return types
    }

    /// Entries left in `staging/` (leases, marks, staged files).
    func stagingEntries() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath)) ?? []
    }

    /// Replaces a file of the remote's copy of the artifact with `bytes` (its mode made writable first).
    func overwriteRemoteFile(_ path: String, with bytes: [UInt8]) throws {
        let file = directory(in: remoteRoot) + "/" + path
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
    }
}
