import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `Registry.register(directory:metadata:parents:contract:card:lineage:options:progress:actor:)`: what a training
/// script relies on when it registers its output with the documents that describe it.
@Suite struct TrainingRegistrationTests {
    private let contract = ModelContract(
        task: "text-classification",
        inputs: [.init(name: "input_ids", dtype: "int32", shape: [.symbol("batch"), .symbol("sequence")])],
        outputs: [.init(name: "logits", dtype: "float32", shape: [.symbol("batch"), .fixed(2)])],
        labels: ["invoice", "receipt"])
    private let card = EvaluationCard(
        datasetName: "documents-v3", datasetDigest: SHA256Algorithm().hash(Array("test split".utf8)), split: "test",
        metrics: ["accuracy": 0.93], evaluatedBy: "eval-pipeline", evaluatedAt: "2026-11-20T10:00:00.000Z")
    private let lineage = Lineage(
        datasets: [.init(name: "documents-v3", digest: SHA256Algorithm().hash(Array("train split".utf8)))],
        code: .init(revision: "9fceb02d0ae598e95dc970b74767f19372d61af8", isDirty: false),
        hyperparameters: ["learning_rate": 3e-4, "epochs": 3])
    private let output: [String: [UInt8]] = [
        "model.safetensors": BundleFixture.randomBytes(count: 3000, seed: 1),
        "tokenizer/vocab.txt": Array("[PAD]\n[UNK]\n".utf8),
    ]

    /// The relative paths of every file under `directory`, sorted.
    private func listing(_ directory: URL) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: directory.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                paths.append(path)
            }
        }
        return paths.sorted()
    }

    /// The bytes of one file of a published artifact.
    private func bytes(_ artifact: Artifact, _ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: try #require(artifact.url(for: path))))
    }

    private func withOutput<R>(_ body: (Registry, URL) throws -> R) throws -> R {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            return try body(registry, try BundleFixture.write(output, to: temp.appendingPathComponent("output")))
        }
    }

    private func registerBase(_ registry: Registry, alias: String) throws -> ArtifactID {
        let base = try registry.register(
            files: [], metadata: ArtifactMetadata(name: "base"), options: .init(allowEmpty: true))
        try registry.promote(alias, to: base.artifact.id)
        return base.artifact.id
    }

    @Test func theDocumentsAreWrittenAtTheirBundlePathsAndCoveredByTheID() throws {
        try withOutput { registry, output throws in
            let before = try listing(output)
            let registration = try registry.register(
                directory: output, metadata: ArtifactMetadata(name: "classifier"), contract: contract, card: card,
                lineage: lineage)
            let artifact = registration.artifact
            #expect(
                artifact.manifest.files.map(\.path) == [
                    "contract.json", "evaluation-card.json", "lineage.json", "model.safetensors", "tokenizer/vocab.txt",
                ])
            let contractBytes = try bytes(artifact, "contract.json")
            #expect(contractBytes == (try contract.fileBytes()))
            #expect(try ModelContract(parsing: contractBytes, source: "contract.json") == contract)
            let cardBytes = try bytes(artifact, "evaluation-card.json")
            #expect(try EvaluationCard(parsing: cardBytes, source: "evaluation-card.json") == card)
            let lineageBytes = try bytes(artifact, "lineage.json")
            #expect(try Lineage(parsing: lineageBytes, source: "lineage.json") == lineage)
            // The manifest's digests cover the generated files, so the id does.
            #expect(artifact.manifest.entry(at: "contract.json")?.digest == SHA256Algorithm().hash(contractBytes))
            #expect(try registry.verify(artifact.id, depth: .full).isClean)
            // The user's directory is left as it was.
            #expect(try listing(output) == before)

            var otherCard = card
            otherCard.metrics["accuracy"] = 0.94
            let other = try registry.register(
                directory: output, metadata: ArtifactMetadata(name: "classifier"), contract: contract, card: otherCard,
                lineage: lineage)
            #expect(other.artifact.id != artifact.id && other.isNew)
            let again = try registry.register(
                directory: output, metadata: ArtifactMetadata(name: "classifier"), contract: contract, card: card,
                lineage: lineage)
            #expect(again.artifact.id == artifact.id && !again.isNew)
        }
    }

    @Test(arguments: ["contract.json", "evaluation-card.json", "lineage.json"])
    func aSameNamedFileInTheDirectoryIsAConflictNotAnOverwrite(path: String) throws {
        try withOutput { registry, output throws in
            try BundleFixture.write([path: Array("{}\n".utf8)], to: output)
            let error = #expect(throws: RegistryError.self) {
                try registry.register(
                    directory: output, metadata: ArtifactMetadata(name: "classifier"), contract: contract, card: card,
                    lineage: lineage)
            }
            #expect(error?.code == .alreadyExists)
            #expect(error?.message.contains("'\(path)'") == true, "\(String(describing: error))")
            #expect(try registry.listArtifacts().isEmpty)
            #expect(try Data(contentsOf: output.appendingPathComponent(path)) == Data("{}\n".utf8))
            // Without the document, the user's own file is registered as it is.
            let plain = try registry.register(directory: output, metadata: ArtifactMetadata(name: "classifier"))
            #expect(plain.artifact.manifest.entry(at: path) != nil)
        }
    }

    @Test func aParentGivenAsAnAliasIsRecordedByIDWithItsAliasInTheLineage() throws {
        try withOutput { registry, output throws in
            let base = try registerBase(registry, alias: "base-champion")
            let registration = try registry.register(
                directory: output, metadata: ArtifactMetadata(name: "classifier"), parents: [.alias("base-champion")],
                lineage: lineage)
            let artifact = registration.artifact
            #expect(artifact.manifest.metadata.parents == [base])
            let written = try Lineage(parsing: bytes(artifact, "lineage.json"), source: "lineage.json")
            #expect(written.parents == [base])
            #expect(written.parentAliases == [base: "base-champion"])
            #expect(written.hyperparameters == lineage.hyperparameters)
            #expect(try registry.lineage(of: artifact.id, direction: .ancestors).map(\.id) == [base])
        }
    }

    @Test func parentsByIDFollowTheMetadataParentsAndCarryNoAlias() throws {
        try withOutput { registry, output throws in
            let first = try registerBase(registry, alias: "first")
            let second = try registry.register(
                files: [], metadata: ArtifactMetadata(name: "second-base"), options: .init(allowEmpty: true)
            ).artifact.id
            let registration = try registry.register(
                directory: output, metadata: ArtifactMetadata(name: "classifier", parents: [first]),
                parents: [.id(second)], lineage: Lineage())
            #expect(registration.artifact.manifest.metadata.parents == [first, second])
            let written = try Lineage(parsing: bytes(registration.artifact, "lineage.json"), source: "lineage")
            #expect(written.parents == [first, second] && written.parentAliases.isEmpty)
        }
    }

    @Test func aMissingParentAliasIsNotFoundAndRegistersNothing() throws {
        try withOutput { registry, output throws in
            let error = #expect(throws: RegistryError.self) {
                try registry.register(
                    directory: output, metadata: ArtifactMetadata(name: "classifier"),
                    parents: [.alias("no-such-base")],
                    lineage: lineage)
            }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("no-such-base") == true, "\(String(describing: error))")
            #expect(try registry.listArtifacts().isEmpty)
            let missingID = ArtifactID(digest: SHA256Algorithm().hash([9]))
            #expect(
                registryErrorCode {
                    try registry.register(
                        directory: output, metadata: ArtifactMetadata(name: "classifier"), parents: [.id(missingID)])
                } == .notFound)
        }
    }

    @Test func aParentGivenTwiceOrLineageParentsThatDisagreeAreRefused() throws {
        try withOutput { registry, output throws in
            let base = try registerBase(registry, alias: "base")
            let twice = #expect(throws: RegistryError.self) {
                try registry.register(
                    directory: output, metadata: ArtifactMetadata(name: "classifier", parents: [base]),
                    parents: [.alias("base")])
            }
            #expect(twice?.code == .invalidArgument && twice?.message.contains("alias:base") == true)
            let other = ArtifactID(digest: SHA256Algorithm().hash([7]))
            let disagree = #expect(throws: RegistryError.self) {
                try registry.register(
                    directory: output, metadata: ArtifactMetadata(name: "classifier", parents: [base]),
                    lineage: Lineage(parents: [other]))
            }
            #expect(disagree?.code == .invalidArgument && disagree?.message.contains("lineage.parents") == true)
            // Lineage parents equal to the manifest's are accepted.
            let agreeing = try registry.register(
                directory: output, metadata: ArtifactMetadata(name: "classifier", parents: [base]),
                lineage: Lineage(parents: [base]))
            #expect(agreeing.artifact.manifest.metadata.parents == [base])
        }
    }

    @Test func anInvalidDocumentIsRefusedBeforeAnythingIsStaged() throws {
        try withOutput { registry, output throws in
            var badCard = card
            badCard.metrics["loss"] = .nan
            let error = #expect(throws: RegistryError.self) {
                try registry.register(directory: output, metadata: ArtifactMetadata(name: "classifier"), card: badCard)
            }
            #expect(error?.code == .invalidDocument && error?.message.contains("metrics.loss") == true)
            #expect(try registry.listArtifacts().isEmpty)
        }
    }

    /// The synchronous overload, called from a synchronous context.
    private func registerSynchronously(_ registry: Registry, _ output: URL) throws -> Registration {
        try registry.register(
            directory: output, metadata: ArtifactMetadata(name: "classifier"), contract: contract, lineage: lineage)
    }

    @Test func theAsyncTwinRegistersTheSameArtifact() async throws {
        try await withTemporaryDirectory { temp in
            let registry = try await Registry.create(at: temp.appendingPathComponent("registry"))
            let output = try BundleFixture.write(output, to: temp.appendingPathComponent("output"))
            let asynchronous = try await registry.register(
                directory: output, metadata: ArtifactMetadata(name: "classifier"), contract: contract, lineage: lineage)
            let synchronous = try registerSynchronously(registry, output)
            #expect(asynchronous.isNew && !synchronous.isNew)
            #expect(asynchronous.artifact.id == synchronous.artifact.id)
        }
    }

    // MARK: Progress

    /// Collects reports from the ingest threads.
    private final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [RegistrationProgress] = []
        private var concurrent = 0
        private(set) var overlapped = false

        func append(_ progress: RegistrationProgress) {
            lock.lock()
            concurrent += 1
            if concurrent > 1 { overlapped = true }
            lock.unlock()
            Thread.sleep(forTimeInterval: 0.0005)  // widen the window in which an overlapping call would show
            lock.lock()
            storage.append(progress)
            concurrent -= 1
            lock.unlock()
        }

        var all: [RegistrationProgress] {
            lock.lock()
            defer { lock.unlock() }
            return storage
        }
    }

    @Test(arguments: [FileArtifactStore.IngestMode.copy, .hardlink])
    func progressIsMonotonicSerialisedAndEndsAtTheBundleTotals(mode: FileArtifactStore.IngestMode) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            var files: [String: [UInt8]] = [:]
            for index in 0..<12 {
                files["shard-\(index).bin"] = BundleFixture.randomBytes(count: index * 700 + 1, seed: UInt64(index))
            }
            files["large.bin"] = BundleFixture.randomBytes(count: 5 << 20, seed: 99)  // several chunks
            let output = try BundleFixture.write(files, to: temp.appendingPathComponent("output"))
            let reports = Reports()
            let registration = try registry.register(
                directory: output, metadata: ArtifactMetadata(name: "sharded"), contract: contract,
                options: .init(mode: mode), progress: { reports.append($0) })
            let manifest = registration.artifact.manifest
            let all = reports.all
            let first = try #require(all.first)
            let last = try #require(all.last)
            #expect(first.bytesCompleted == 0 && first.filesCompleted == 0)
            #expect(first.phase == (mode == .copy ? .copying : .hashing))
            #expect(last.phase == .publishing)
            #expect(last.bytesTotal == manifest.totalSize && last.bytesCompleted == manifest.totalSize)
            #expect(last.filesTotal == manifest.files.count && last.filesCompleted == manifest.files.count)
            #expect(last.filesTotal == files.count + 1)
            #expect(!reports.overlapped, "reports must be delivered one at a time")
            for (earlier, later) in zip(all, all.dropFirst()) {
                #expect(later.bytesCompleted >= earlier.bytesCompleted)
                #expect(later.filesCompleted >= earlier.filesCompleted)
            }
            #expect(all.allSatisfy { $0.bytesCompleted <= $0.bytesTotal && $0.filesCompleted <= $0.filesTotal })
            // At least the start, one report per file (the contract included) and publishing.
            #expect(all.count >= files.count + 3)
            #expect(all.filter { $0.phase == .publishing }.count == 1)
        }
    }

    @Test func registeringAFileListReportsProgressToo() throws {
        try withOutput { registry, output throws in
            let reports = Reports()
            let registration = try registry.register(
                files: [.init(source: output.appendingPathComponent("model.safetensors"), path: "weights.bin")],
                metadata: ArtifactMetadata(name: "one-file"), progress: { reports.append($0) })
            let last = try #require(reports.all.last)
            #expect(last.phase == .publishing && last.filesCompleted == 1)
            #expect(last.bytesCompleted == registration.artifact.manifest.totalSize)
        }
    }
}
