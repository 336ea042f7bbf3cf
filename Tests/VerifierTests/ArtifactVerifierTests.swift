import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

@Suite struct ArtifactVerifierTests {
    /// Runs `body` with a registry holding one artifact of the standard bundle.
    private func withArtifact(
        mode: FileArtifactStore.IngestMode = .copy, _ body: (Registry, Artifact, URL) throws -> Void
    ) throws {
        try withTemporaryDirectory { temp in
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let artifact = try registry.register(
                directory: bundle, metadata: ArtifactMetadata(name: "m"), options: .init(mode: mode)
            ).artifact
            try body(registry, artifact, bundle)
        }
    }

    private func tamper(_ url: URL, _ change: (inout [UInt8]) -> Void) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        var bytes = Array(try Data(contentsOf: url))
        change(&bytes)
        try Data(bytes).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: url.path)
    }

    @Test(arguments: VerificationReport.Depth.allCases)
    func aFreshArtifactVerifiesAtEveryDepth(depth: VerificationReport.Depth) throws {
        try withArtifact { registry, artifact, _ in
            let report = try registry.verify(artifact.id, depth: depth)
            #expect(report.isClean, "\(report)")
            #expect(report.bytesHashed == (depth >= .full ? artifact.manifest.totalSize : 0))
        }
    }

    @Test func fullVerificationReportsEveryProblemNotOnlyTheFirst() throws {
        try withArtifact { registry, artifact, _ in
            try tamper(try #require(artifact.url(for: "weights.bin"))) { $0[7] ^= 1 }  // same size, other bytes
            try tamper(try #require(artifact.url(for: "lineage.json"))) { $0.append(0x20) }  // other size
            try FileManager.default.removeItem(at: try #require(artifact.url(for: "contract.json")))
            try Data("x".utf8).write(to: artifact.directory.appendingPathComponent("tokenizer/smuggled.txt"))
            let quick = try registry.verify(artifact.id, depth: .quick)
            #expect(Set(quick.findings.map(\.kind)) == [.sizeMismatch, .missingFile, .unlistedFile])
            try FileManager.default.setAttributes(
                [.posixPermissions: 0o644], ofItemAtPath: try #require(artifact.url(for: "evaluation-card.json")).path)
            #expect(
                try registry.verify(artifact.id, depth: .quick).findings.contains {
                    $0.kind == .writableFile && $0.path == "evaluation-card.json"
                })
            let full = try registry.verify(artifact.id, depth: .full)
            #expect(full.findings.contains { $0.kind == .digestMismatch && $0.path == "weights.bin" })
            #expect(full.findings.contains { $0.kind == .sizeMismatch && $0.path == "lineage.json" })
            #expect(full.findings.contains { $0.kind == .missingFile && $0.path == "contract.json" })
            #expect(full.findings.contains { $0.kind == .unlistedFile && $0.path == "tokenizer/smuggled.txt" })
        }
    }

    @Test func aForgedManifestIsAnIdMismatch() throws {
        try withArtifact { registry, artifact, _ in
            let manifest = artifact.directory.appendingPathComponent("manifest.json")
            try tamper(manifest) { bytes in
                let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
                    of: "\"name\":\"m\"", with: "\"name\":\"n\"")
                bytes = Array(text.utf8)
            }
            let report = try registry.verify(artifact.id, depth: .quick)
            #expect(report.findings.map(\.kind) == [.idMismatch])
        }
    }

    @Test func loadingChecksStampsAndReHashesOnlyWhatChanged() throws {
        try withArtifact { registry, artifact, _ in
            let verifier = registry.verifier()
            let registered = try verifier.verifyForLoading(artifact.id)
            #expect(registered.isClean && registered.bytesHashed == 0)  // copy mode stamped the files it wrote
            try FileManager.default.removeItem(atPath: registry.layout.indexesPath + "/stamps")
            let first = try verifier.verifyForLoading(artifact.id)
            #expect(first.isClean && first.bytesHashed == artifact.manifest.totalSize)  // nothing stamped any more
            #expect(first.rehashed.map(\.reason) == Array(repeating: .notStamped, count: artifact.manifest.files.count))
            let second = try verifier.verifyForLoading(artifact.id)
            #expect(second.isClean && second.bytesHashed == 0)  // stamps match: no bytes read
            _ = try registry.openForLoading(artifact.id)
        }
    }

    @Test func aHardLinkedOriginalEditedInPlaceIsCaughtAndNeverServed() throws {
        try withArtifact(mode: .hardlink) { registry, artifact, bundle in
            _ = try registry.openForLoading(artifact.id)  // stamps recorded
            // The user edits their own file, which is the artifact's inode.
            let original = bundle.appendingPathComponent("weights.bin")
            try tamper(original) { $0[0] ^= 0xFF }
            let report = try registry.verifier().verifyForLoading(artifact.id)
            #expect(report.findings.map(\.kind) == [.digestMismatch])
            #expect(report.findings.first?.message.contains("changed since it was last verified") == true)
            let error = try #require(throws: RegistryError.self) { try registry.openForLoading(artifact.id) }
            #expect(error.code == .digestMismatch && error.message.contains("weights.bin"))
        }
    }

    @Test func signaturesFromTrustedKeysCountAndOthersAreFindings() throws {
        try withArtifact { registry, artifact, _ in
            let alice = FakeSigner(name: "alice")
            let mallory = FakeSigner(name: "mallory")
            try registry.sign(artifact.id, with: alice)
            try registry.sign(artifact.id, with: mallory)
            #expect(try registry.artifacts.identify(directory: artifact.directory, verifyFiles: true) == artifact.id)
            let report = try ArtifactVerifier(store: registry.artifacts, trust: TrustStore(verifiers: [alice])).verify(
                artifact.id, depth: .trust)
            #expect(report.trustedSigners == [alice.keyID])
            #expect(report.findings.map(\.kind) == [.badSignature])
            #expect(report.findings.first?.message.contains("not trusted") == true)
            var types: [AuditEvent.Kind] = []
            try registry.journal.forEachEvent { types.append($0.type) }
            #expect(types.filter { $0 == .signatureAdded }.count == 2)
        }
    }

    @Test func aSignatureOverAnotherArtifactOrCorruptedIsRefused() throws {
        try withArtifact { registry, artifact, _ in
            let alice = FakeSigner(name: "alice")
            let file = try registry.sign(artifact.id, with: alice)
            let path = artifact.directory.appendingPathComponent("signatures/" + file.fileName)
            let other = try #require(ArtifactID("sha256-" + String(repeating: "a", count: 64)))
            let moved = SignatureFile(artifact: other, signature: file.signature)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path.path)
            try Data(moved.fileBytes()).write(to: path)
            var report = try ArtifactVerifier(store: registry.artifacts, trust: TrustStore(verifiers: [alice])).verify(
                artifact.id, depth: .trust)
            #expect(report.findings.first?.message.contains("signs \(other)") == true)
            var forged = file.signature
            forged.bytes[0] ^= 1
            try Data(SignatureFile(artifact: artifact.id, signature: forged).fileBytes()).write(to: path)
            report = try ArtifactVerifier(store: registry.artifacts, trust: TrustStore(verifiers: [alice])).verify(
                artifact.id, depth: .trust)
            #expect(report.findings.first?.message.contains("does not verify") == true)
            try Data("{".utf8).write(to: path)
            report = try ArtifactVerifier(store: registry.artifacts, trust: TrustStore(verifiers: [alice])).verify(
                artifact.id, depth: .trust)
            #expect(report.findings.map(\.kind) == [.badSignature] && report.trustedSigners.isEmpty)
        }
    }

    @Test func verifyingTheWholeRegistryReportsProgress() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            for index in 0..<3 {
                let bundle = try BundleFixture.write(
                    ["w.bin": [UInt8(index)]], to: temp.appendingPathComponent("b\(index)"))
                _ = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m"))
            }
            let seen = ProgressLog()
            let reports = try registry.verifier().verifyAll(depth: .full) { seen.append($0.completed) }
            #expect(reports.count == 3 && reports.allSatisfy(\.isClean))
            #expect(seen.values == [1, 2, 3])
        }
    }

    @Test func verifyingAMissingArtifactThrows() throws {
        try withTemporaryRegistry { registry in
            let id = try #require(ArtifactID("sha256-" + String(repeating: "b", count: 64)))
            #expect(registryErrorCode { try registry.verify(id) } == .notFound)
        }
    }
}

private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int] = []
    func append(_ value: Int) { lock.lock(); storage.append(value); lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return storage }
}
