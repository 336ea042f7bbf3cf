import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// The independent tools the OCI layout tests compare with, each probed once: skopeo and umoci (Debian packages)
/// and PyPI's olot. `.ci/run` installs them; a test whose tool is missing is skipped, saying what to install.
enum OCITools {
    static let skopeo = probe("skopeo", ["--version"])
    static let umoci = probe("umoci", ["--version"])
    static let olot = probe("olot", ["--help"])
    static let tar = probe("tar", ["--version"])

    /// The tool's path when it is on PATH (or in `~/.local/bin`, where `pip install --user` puts olot) and runs.
    private static func probe(_ name: String, _ arguments: [String]) -> String? {
        let environment = ProcessInfo.processInfo.environment
        var directories = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        if let home = environment["HOME"] { directories.append(home + "/.local/bin") }
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate), CLIRunner.succeeds(candidate, arguments) {
                return candidate
            }
        }
        return nil
    }

    /// Runs a tool and requires it to succeed; returns its standard output.
    @discardableResult
    static func run(_ tool: String?, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(tool))
        process.arguments = arguments
        let outcome = try CLIRunner.capture(process)
        #expect(outcome.status == 0, "\(tool ?? "") \(arguments): \(outcome.stderr)")
        return outcome.stdout
    }
}

@Suite struct OCILayoutToolTests {
    @Test(.enabled(if: OCITools.skopeo != nil, "needs skopeo on PATH (apt-get install skopeo)"))
    func skopeoReadsTheExportedManifestByteForByte() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let layout = temp.appendingPathComponent("oci")
            let export = try fixture.registry.exportOCILayout("champion", to: layout)
            let raw = try OCITools.run(OCITools.skopeo, ["inspect", "--raw", "oci:\(layout.path):champion"])
            let blob = try Data(contentsOf: OCILayoutFixture.blobPath(layout, export.manifest.digest))
            #expect(Array(raw.utf8) == Array(blob))
            let manifest = try OCIImageManifest(parsing: Array(raw.utf8), source: "skopeo inspect --raw")
            #expect(manifest.artifactType == OCIMediaType.modelManifest)
        }
    }

    @Test(.enabled(if: OCITools.skopeo != nil, "needs skopeo on PATH (apt-get install skopeo)"))
    func aLayoutCopiedBySkopeoImportsWithTheSameIDAndItsReferrers() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let source = temp.appendingPathComponent("a")
            let copy = temp.appendingPathComponent("b")
            let export = try fixture.registry.exportOCILayout("champion", to: source)
            try OCITools.run(OCITools.skopeo, ["copy", "oci:\(source.path):champion", "oci:\(copy.path):champion"])
            // skopeo drops artifactType from index.json entries; the reader does not need it.
            let copied = try OCILayoutFixture.readIndex(copy)
            #expect(copied.entry(tagged: "champion")?.artifactType == nil)
            let target = try fixture.freshRegistry()
            let imported = try target.importOCILayout(from: copy, tag: "champion")
            #expect(imported.registration.artifact.id == fixture.id)
            #expect(imported.signatures.isEmpty, "skopeo copied only the model tag")
            // Copying the referrers tag too brings the signature and the evaluation record along.
            let referrers = OCITag.referrers(of: export.manifest.digest)
            try OCITools.run(
                OCITools.skopeo, ["copy", "--all", "oci:\(source.path):\(referrers)", "oci:\(copy.path):\(referrers)"])
            let again = try target.importOCILayout(from: copy, tag: "champion")
            #expect(again.signatures.count == 1 && again.evaluations.count == 1)
            #expect(try target.evaluations(of: fixture.id).map(\.status) == [.trusted])
            #expect(try target.fsck().isClean)
        }
    }

    @Test(.enabled(if: OCITools.umoci != nil, "needs umoci on PATH (apt-get install umoci)"))
    func umociListsTheExportedTags() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let layout = temp.appendingPathComponent("oci")
            try fixture.registry.exportOCILayout("champion", to: layout)
            try fixture.registry.exportOCILayout("champion", to: layout, tag: "v1.0")
            let tags = try OCITools.run(OCITools.umoci, ["ls", "--layout", layout.path])
            let listed = Set(tags.split(separator: "\n").map(String.init))
            #expect(listed.isSuperset(of: ["champion", "v1.0"]), "\(listed)")
        }
    }

    @Test(
        .enabled(if: OCITools.olot != nil, "needs olot (pip install olot)"),
        .enabled(if: OCITools.tar != nil, "needs tar on PATH"))
    func aLayoutWrittenByOlotRegistersAnArtifactFromItsLayers() throws {
        try withTemporaryDirectory { temp in
            let models = temp.appendingPathComponent("models")
            let weights = BundleFixture.randomBytes(count: 70_000, seed: 5)
            let config = Array(#"{"architectures":["Tiny"]}"#.utf8)
            _ = try BundleFixture.write(["model.safetensors": weights, "config.json": config], to: models)
            let layout = temp.appendingPathComponent("oci")
            try Self.writeMultiPlatformBase(to: layout, temp: temp)
            try OCITools.run(
                OCITools.olot,
                [
                    layout.path, "--add-modelpack", "--root-dir", models.path,
                    models.appendingPathComponent("model.safetensors").path,
                    models.appendingPathComponent("config.json").path,
                ])
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let imported = try registry.importOCILayout(from: layout)  // the layout's only ModelPack manifest
            #expect(!imported.hasRegistryManifest)
            let manifest = imported.registration.artifact.manifest
            let sha = SHA256Algorithm()
            #expect(
                Dictionary(uniqueKeysWithValues: manifest.files.map { ($0.path, $0.digest) }) == [
                    "models/model.safetensors": sha.hash(weights), "models/config.json": sha.hash(config),
                ])
            #expect(try registry.verify(imported.registration.artifact.id).isClean)
            // By tag, the import descends into olot's image index to its ModelPack manifest.
            let byTag = try registry.importOCILayout(from: layout, tag: "latest")
            #expect(byTag.registration.artifact.id == imported.registration.artifact.id)
            #expect(!byTag.registration.isNew)
            #expect(try registry.fsck().isClean)
        }
    }

    /// A one-platform image behind an image index (what olot's `--add-modelpack` needs), whose one layer is an
    /// uncompressed tar made by `tar`.
    static func writeMultiPlatformBase(to layout: URL, temp: URL) throws {
        let blobs = layout.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layout.appendingPathComponent("oci-layout"))
        let base = try BundleFixture.write(
            ["etc/base.txt": Array("base\n".utf8)], to: temp.appendingPathComponent("base"))
        let tarball = temp.appendingPathComponent("base.tar")
        try OCITools.run(OCITools.tar, ["-cf", tarball.path, "-C", base.path, "etc"])
        func store(_ bytes: [UInt8], _ mediaType: String) throws -> JSONValue {
            let descriptor = OCIDescriptor.of(bytes, mediaType: mediaType)
            try Data(bytes).write(to: blobs.appendingPathComponent(descriptor.digest.hex))
            return descriptor.jsonValue
        }
        let layer = try store(Array(try Data(contentsOf: tarball)), "application/vnd.oci.image.layer.v1.tar")
        let diffID = layer.objectValue?["digest"] ?? .null
        let config = try store(
            CanonicalJSON.encode([
                "architecture": "amd64", "os": "linux", "config": [:],
                "rootfs": ["type": "layers", "diff_ids": [diffID]], "history": [["created_by": "test"]],
            ]), "application/vnd.oci.image.config.v1+json")
        var platformManifest =
            try store(
                CanonicalJSON.encode([
                    "schemaVersion": 2, "mediaType": .string(OCIMediaType.imageManifest), "config": config,
                    "layers": [layer],
                ]), OCIMediaType.imageManifest
            ).objectValue ?? [:]
        platformManifest["platform"] = ["architecture": "amd64", "os": "linux"]
        let imageIndex = try store(
            CanonicalJSON.encode([
                "schemaVersion": 2, "mediaType": .string(OCIMediaType.imageIndex),
                "manifests": [.object(platformManifest)],
            ]), OCIMediaType.imageIndex)
        var entry = imageIndex.objectValue ?? [:]
        entry["annotations"] = [OCIMediaType.referenceNameAnnotation: "latest"]
        try Data(
            CanonicalJSON.encode([
                "schemaVersion": 2, "mediaType": .string(OCIMediaType.imageIndex), "manifests": [.object(entry)],
            ])
        ).write(to: layout.appendingPathComponent("index.json"))
    }
}
