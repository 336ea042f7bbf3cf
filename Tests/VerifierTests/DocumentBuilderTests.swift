import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Contracts, evaluation cards and lineage built in code: `fileBytes()` writes exactly what the parsers read back,
/// and refuses with a typed error what they would refuse.
@Suite struct DocumentBuilderTests {
    // MARK: Random valid documents

    private static let dtypes = ModelContract.dtypes.sorted()

    private func name(_ generator: inout SplitMix64, prefix: String) -> String {
        // Includes non-ASCII and characters JSON must escape, to exercise the encoder.
        let alphabet = ["a", "b", "z", "_", "-", "é", "ü", "\"", "\\", "\n", "名", " "]
        let length = Int(generator.next() % 6)
        return prefix + (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }.joined()
    }

    private func tensors(_ generator: inout SplitMix64, prefix: String, optional: Bool) -> [ModelContract.Tensor] {
        (0..<Int(generator.next() % 4 + 1)).map { index in
            let shape: [ModelContract.Dimension] = (0..<Int(generator.next() % 4)).map { _ in
                generator.next() % 2 == 0
                    ? .fixed(Int64(generator.next() % 100_000 + 1)) : .symbol(name(&generator, prefix: "d"))
            }
            return ModelContract.Tensor(
                name: "\(prefix)\(index)", dtype: Self.dtypes[Int(generator.next() % UInt64(Self.dtypes.count))],
                shape: shape, isOptional: optional && generator.next() % 2 == 0)
        }
    }

    private func randomContract(seed: UInt64) -> ModelContract {
        var generator = SplitMix64(seed: seed)
        let labels = (0..<Int(generator.next() % 4)).map { "label\($0)-" + name(&generator, prefix: "") }
        var runtime: [String: String] = [:]
        for index in 0..<Int(generator.next() % 3) { runtime["key\(index)"] = name(&generator, prefix: "v") }
        return ModelContract(
            task: name(&generator, prefix: "task"), inputs: tensors(&generator, prefix: "in", optional: true),
            outputs: tensors(&generator, prefix: "out", optional: false), labels: labels, runtime: runtime)
    }

    private func randomDouble(_ generator: inout SplitMix64) -> Double {
        switch generator.next() % 4 {
        case 0: return Double(Int64(generator.next() % 2000)) - 1000
        case 1: return Double(generator.next() % 1_000_000) / 1_000_000
        case 2: return Double(bitPattern: generator.next() >> 2)  // anything finite and positive
        default: return -Double(generator.next() % 1000) * 1e-9
        }
    }

    private func randomCard(seed: UInt64) -> EvaluationCard {
        var generator = SplitMix64(seed: seed)
        var metrics: [String: Double] = [:]
        for index in 0..<Int(generator.next() % 4 + 1) { metrics["m\(index)"] = randomDouble(&generator) }
        let digest = SHA256Algorithm().hash(generator.nextBytes(count: 8))
        let date = Date(timeIntervalSince1970: Double(generator.next() % 4_000_000_000))
        return EvaluationCard(
            datasetName: name(&generator, prefix: "data"), datasetDigest: digest, split: name(&generator, prefix: "s"),
            metrics: metrics, evaluatedBy: name(&generator, prefix: "by"),
            evaluatedAt: Timestamp.format(date) ?? "2026-01-01T00:00:00.000Z",
            notes: generator.next() % 2 == 0 ? nil : name(&generator, prefix: "note"))
    }

    private func randomLineage(seed: UInt64) -> Lineage {
        var generator = SplitMix64(seed: seed)
        let parents = (0..<Int(generator.next() % 3)).map { index in
            ArtifactID(digest: SHA256Algorithm().hash(Array("parent \(seed) \(index)".utf8)))
        }
        var aliases: [ArtifactID: String] = [:]
        for parent in parents where generator.next() % 2 == 0 { aliases[parent] = "base-\(generator.next() % 100)" }
        let datasets = (0..<Int(generator.next() % 3)).map { index in
            let hasDigest = generator.next() % 2 == 0
            return Lineage.Dataset(
                name: "dataset\(index)", digest: hasDigest ? SHA256Algorithm().hash([UInt8(index)]) : nil,
                uri: !hasDigest || generator.next() % 2 == 0 ? "s3://bucket/\(name(&generator, prefix: "k"))" : nil,
                split: generator.next() % 2 == 0 ? nil : "train")
        }
        var hyperparameters: [String: Lineage.Value] = [:]
        for index in 0..<Int(generator.next() % 5) {
            hyperparameters["h\(index)" + name(&generator, prefix: "")] =
                switch generator.next() % 3 {
                case 0: .number(randomDouble(&generator))
                case 1: .bool(generator.next() % 2 == 0)
                default: .string(name(&generator, prefix: ""))
                }
        }
        let code =
            generator.next() % 3 == 0
            ? nil
            : Lineage.CodeRevision(
                revision: String(generator.next(), radix: 16),
                repository: generator.next() % 2 == 0 ? nil : "https://git.example/ml.git",
                isDirty: [nil, true, false][Int(generator.next() % 3)])
        return Lineage(
            parents: parents, parentAliases: aliases, datasets: datasets, code: code, hyperparameters: hyperparameters)
    }

    /// The bytes are canonical JSON and one newline.
    private func expectCanonicalFile(_ bytes: [UInt8]) throws {
        #expect(bytes.last == 0x0A)
        let body = Array(bytes.dropLast())
        #expect(CanonicalJSON.encode(try CanonicalJSON.parse(body, source: "test")) == body)
    }

    // MARK: Round trips

    @Test(arguments: 0..<48)
    func aBuiltContractReadsBackEqual(seed: UInt64) throws {
        let contract = randomContract(seed: seed)
        let bytes = try contract.fileBytes()
        try expectCanonicalFile(bytes)
        #expect(try ModelContract(parsing: bytes, source: ModelContract.fileName) == contract)
    }

    @Test(arguments: 0..<48)
    func aBuiltEvaluationCardReadsBackEqual(seed: UInt64) throws {
        let card = randomCard(seed: seed)
        let bytes = try card.fileBytes()
        try expectCanonicalFile(bytes)
        #expect(try EvaluationCard(parsing: bytes, source: EvaluationCard.fileName) == card)
    }

    @Test(arguments: 0..<48)
    func aBuiltLineageReadsBackEqual(seed: UInt64) throws {
        let lineage = randomLineage(seed: seed)
        let bytes = try lineage.fileBytes()
        try expectCanonicalFile(bytes)
        #expect(try Lineage(parsing: bytes, source: Lineage.fileName) == lineage)
    }

    @Test func theFixtureDocumentsReEncodeToTheirOwnCanonicalForm() throws {
        let contractText = BundleFixture.contract()
        let contract = try ModelContract(parsing: Array(contractText.utf8), source: "contract.json")
        #expect(try contract.fileBytes() == Array((contractText + "\n").utf8))
        let card = try EvaluationCard(
            parsing: Array(BundleFixture.evaluationCard(["accuracy": 0.9]).utf8), source: "evaluation-card.json")
        #expect(try EvaluationCard(parsing: card.fileBytes(), source: "again") == card)
    }

    @Test func cardNotesAreKept() throws {
        var card = randomCard(seed: 7)
        card.notes = "measured on the held-out 2026-11 sample"
        let parsed = try EvaluationCard(parsing: card.fileBytes(), source: "card")
        #expect(parsed.notes == "measured on the held-out 2026-11 sample")
    }

    // MARK: What cannot be written

    private func expectRefusal(_ field: String, in file: String, _ body: () throws -> [UInt8]) {
        let error = #expect(throws: RegistryError.self) { try body() }
        #expect(error?.code == .invalidDocument, "\(String(describing: error))")
        #expect(error?.message.hasPrefix(file + ": ") == true, "\(String(describing: error))")
        #expect(error?.message.contains(field) == true, "\(String(describing: error))")
    }

    @Test func contractsTheParserWouldRefuseAreNotWritten() {
        let output = ModelContract.Tensor(name: "logits", dtype: "float32", shape: [.fixed(2)])
        expectRefusal("task", in: "contract.json") {
            try ModelContract(task: "", inputs: [], outputs: [output]).fileBytes()
        }
        expectRefusal("outputs", in: "contract.json") {
            try ModelContract(task: "t", inputs: [], outputs: []).fileBytes()
        }
        expectRefusal("dtype", in: "contract.json") {
            try ModelContract(task: "t", inputs: [], outputs: [.init(name: "y", dtype: "complex64", shape: [])])
                .fileBytes()
        }
        expectRefusal("shape", in: "contract.json") {
            try ModelContract(task: "t", inputs: [], outputs: [.init(name: "y", dtype: "int8", shape: [.fixed(0)])])
                .fileBytes()
        }
        expectRefusal("shape", in: "contract.json") {
            try ModelContract(task: "t", inputs: [], outputs: [.init(name: "y", dtype: "int8", shape: [.symbol("")])])
                .fileBytes()
        }
        expectRefusal("inputs", in: "contract.json") {
            let input = ModelContract.Tensor(name: "x", dtype: "int8", shape: [])
            return try ModelContract(task: "t", inputs: [input, input], outputs: [output]).fileBytes()
        }
        expectRefusal("optional", in: "contract.json") {
            let optionalOutput = ModelContract.Tensor(name: "y", dtype: "int8", shape: [], isOptional: true)
            return try ModelContract(task: "t", inputs: [], outputs: [optionalOutput]).fileBytes()
        }
        expectRefusal("labels", in: "contract.json") {
            try ModelContract(task: "t", inputs: [], outputs: [output], labels: ["a", "a"]).fileBytes()
        }
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func aMetricThatIsNotFiniteIsNamed(value: Double) {
        var card = randomCard(seed: 1)
        card.metrics["accuracy"] = value
        expectRefusal("metrics.accuracy", in: "evaluation-card.json") { try card.fileBytes() }
    }

    @Test func cardsTheParserWouldRefuseAreNotWritten() {
        var noMetrics = randomCard(seed: 2)
        noMetrics.metrics = [:]
        expectRefusal("metrics", in: "evaluation-card.json") { try noMetrics.fileBytes() }
        var badTime = randomCard(seed: 3)
        badTime.evaluatedAt = "yesterday"
        expectRefusal("evaluatedAt", in: "evaluation-card.json") { try badTime.fileBytes() }
    }

    @Test func lineagesThatBreakTheSchemaAreNotWritten() {
        let parent = ArtifactID(digest: SHA256Algorithm().hash([1]))
        let other = ArtifactID(digest: SHA256Algorithm().hash([2]))
        expectRefusal("parents[1]", in: "lineage.json") { try Lineage(parents: [parent, parent]).fileBytes() }
        expectRefusal("parentAliases", in: "lineage.json") {
            try Lineage(parents: [parent], parentAliases: [other: "base"]).fileBytes()
        }
        expectRefusal("parentAliases", in: "lineage.json") {
            try Lineage(parents: [parent], parentAliases: [parent: "Not An Alias"]).fileBytes()
        }
        expectRefusal("datasets[0]", in: "lineage.json") {
            try Lineage(datasets: [.init(name: "no-address")]).fileBytes()
        }
        expectRefusal("datasets[0].name", in: "lineage.json") {
            try Lineage(datasets: [.init(name: "", uri: "s3://x")]).fileBytes()
        }
        expectRefusal("datasets[1]", in: "lineage.json") {
            try Lineage(datasets: [.init(name: "d", uri: "s3://a"), .init(name: "d", uri: "s3://b")]).fileBytes()
        }
        expectRefusal("code.revision", in: "lineage.json") { try Lineage(code: .init(revision: "")).fileBytes() }
        expectRefusal("hyperparameters.lr", in: "lineage.json") {
            try Lineage(hyperparameters: ["lr": .number(.nan)]).fileBytes()
        }
    }

    // MARK: Reading lineage.json strictly

    private func lineage(_ text: String) throws -> Lineage {
        try Lineage(parsing: Array(text.utf8), source: "artifacts/x/lineage.json")
    }

    @Test func aHandWrittenLineageParses() throws {
        let id = "sha256-" + String(repeating: "1", count: 64)
        let parsed = try lineage(
            """
            {"schemaVersion": 1, "parents": ["\(id)"], "parentAliases": {"\(id)": "base-champion"},
             "datasets": [{"name": "documents-v3", "uri": "s3://data/documents-v3", "split": "train"}],
             "code": {"revision": "9fceb02", "repository": "https://git.example/ml.git", "dirty": false},
             "hyperparameters": {"learning_rate": 0.0003, "epochs": 3, "optimizer": "adamw", "fp16": true}}
            """)
        let parent = try #require(ArtifactID(id))
        #expect(parsed.parents == [parent])
        #expect(parsed.parentAliases == [parent: "base-champion"])
        #expect(parsed.datasets == [.init(name: "documents-v3", uri: "s3://data/documents-v3", split: "train")])
        #expect(parsed.code == .init(revision: "9fceb02", repository: "https://git.example/ml.git", isDirty: false))
        #expect(
            parsed.hyperparameters == ["learning_rate": 0.0003, "epochs": 3, "optimizer": "adamw", "fp16": true])
    }

    @Test(arguments: [
        (#"{"schemaVersion":1,"parents":["sha256-11","x"]}"#, "parents[0]"),
        (
            #"{"schemaVersion":1,"parents":["sha256-1111111111111111111111111111111111111111111111111111111111111111","sha256-1111111111111111111111111111111111111111111111111111111111111111"]}"#,
            "parents[1]"
        ),
        (#"{"schemaVersion":1,"parents":"sha256-11"}"#, "parents"),
        (#"{"schemaVersion":1,"notes":"x"}"#, "notes"),
        (#"{"parents":[]}"#, "schemaVersion"),
        (#"{"schemaVersion":1,"datasets":[{"name":"d","uri":"s3://x","size":3}]}"#, "size"),
        (#"{"schemaVersion":1,"datasets":[{"name":"d","digest":"md5"}]}"#, "digest"),
        (#"{"schemaVersion":1,"code":{"repository":"r"}}"#, "revision"),
        (#"{"schemaVersion":1,"hyperparameters":{"layers":[1,2]}}"#, "hyperparameters.layers"),
        (#"{"schemaVersion":1,"hyperparameters":{"seed":null}}"#, "hyperparameters.seed"),
    ])
    func aMalformedLineageNamesFileAndField(text: String, field: String) {
        let error = #expect(throws: RegistryError.self) { try lineage(text) }
        #expect(error?.code == .invalidDocument || error?.code == .invalidJSON, "\(String(describing: error))")
        #expect(error?.message.hasPrefix("artifacts/x/lineage.json: ") == true, "\(String(describing: error))")
        #expect(error?.message.contains(field) == true, "\(String(describing: error))")
    }

    @Test func aNewerLineageSchemaIsReportedAsSuch() {
        let error = #expect(throws: RegistryError.self) { try lineage(#"{"schemaVersion":2,"provenance":{}}"#) }
        #expect(error?.code == .unsupportedFormatVersion)
        #expect(error?.message.contains("schemaVersion 2") == true)
    }
}
