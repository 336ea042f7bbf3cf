import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// A small family of models: a base, two fine-tunes (one through `lineage.json` only), a distillation of one of
/// them, and an unrelated model.
struct ModelFamily {
    let fixture: IndexFixture
    let base: ArtifactID
    let invoices: ArtifactID
    let receipts: ArtifactID
    let distilled: ArtifactID
    let vision: ArtifactID

    static func with(_ body: (ModelFamily) throws -> Void) throws {
        try IndexFixture.with { fixture in
            let base = try fixture.register(
                "bert-base", capabilities: ["text-embedding"], labels: ["framework": "pytorch", "team": "nlp"])
            let invoices = try fixture.register(
                "invoice-classifier", capabilities: ["text-classification"], parents: [base],
                labels: ["framework": "pytorch", "team": "docs", "dataset": "Invoices 2026"])
            let receipts = try fixture.register(
                "receipt-classifier", capabilities: ["ocr", "text-classification"],
                labels: ["framework": "onnx", "team": "docs"], extraFiles: IndexFixture.lineage([base]))
            let distilled = try fixture.register(
                "invoice-classifier-small", capabilities: ["text-classification"], parents: [invoices],
                labels: ["framework": "onnx", "team": "docs"])
            let vision = try fixture.register(
                "ResNet-50", capabilities: ["image-classification"], labels: ["team": "vision"])
            try body(
                ModelFamily(
                    fixture: fixture, base: base, invoices: invoices, receipts: receipts, distilled: distilled,
                    vision: vision))
        }
    }
}

@Suite struct IndexQueryTests {
    @Test func mostRecentComesInRegistrationOrderNewestFirst() throws {
        try ModelFamily.with { f in
            let index = f.fixture.registry.index
            #expect(try index.mostRecent(3).ids == [f.vision, f.distilled, f.receipts])
            #expect(try index.query(IndexQuery()).ids == [f.vision, f.distilled, f.receipts, f.invoices, f.base])
            let summary = try #require(try index.summary(of: f.invoices))
            #expect(summary.name == "invoice-classifier" && summary.fileCount == 1 && summary.totalSize == 64)
            #expect(summary.registrationSequence == 2 && summary.registeredAt == "2026-11-23T13:37:00.000Z")
            #expect(summary.labels["dataset"] == "Invoices 2026")
        }
    }

    @Test func capabilityQueriesMatchExactNamesAndRequireAll() throws {
        try ModelFamily.with { f throws in
            let index = f.fixture.registry.index
            #expect(
                try index.summaries(withCapability: "text-classification").ids == [f.distilled, f.receipts, f.invoices])
            #expect(try index.summaries(withCapability: "text-classification", limit: 1).ids == [f.distilled])
            #expect(try index.query(IndexQuery(capabilities: ["ocr", "text-classification"])).ids == [f.receipts])
            #expect(try index.summaries(withCapability: "text").isEmpty)
            #expect(try index.summaries(withCapability: "speech").isEmpty)
        }
    }

    @Test func stateQueriesFollowTheLatestStateChangedEvent() throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            #expect(try registry.index.summaries(inState: .production).isEmpty)
            try registry.setState(f.invoices, to: .candidate)
            try registry.setState(f.invoices, to: .production)
            try registry.setState(f.receipts, to: .candidate)
            try f.fixture.appendState(f.vision, "shadow")  // not a lifecycle state: the event is not used
            let index = registry.index
            #expect(try index.summaries(inState: .production).ids == [f.invoices])
            #expect(try index.summaries(inState: .candidate).ids == [f.receipts])
            #expect(try index.summary(of: f.vision)?.state == nil)
            #expect(try index.summary(of: f.invoices)?.state == .production)
            #expect(try index.summary(of: f.base)?.state == nil)
            // An artifact whose state never changed counts as `registered`.
            let registered = try index.summaries(inState: .registered).ids
            #expect(registered.contains(f.base) && !registered.contains(f.invoices))
            #expect(try index.query(IndexQuery(state: .registered)).ids == registered)
        }
    }

    @Test func textSearchMatchesTokenPrefixesOfNamesCapabilitiesAndLabels() throws {
        try ModelFamily.with { f throws in
            let index = f.fixture.registry.index
            #expect(try index.search("invoice").ids == [f.distilled, f.invoices])
            #expect(try index.search("RESN 50").ids == [f.vision])  // case-insensitive, prefix of "resnet"
            #expect(try index.search("onnx").ids == [f.distilled, f.receipts])  // label value
            #expect(try index.search("dataset").ids == [f.invoices])  // label key
            #expect(try index.search("classif docs").ids == [f.distilled, f.receipts, f.invoices])
            #expect(try index.search("invoices 2026").ids == [f.invoices])
            #expect(try index.search("zebra").isEmpty)
            #expect(try index.search("  --  ").count == 5)  // no tokens: no condition
        }
    }

    @Test func lineageIsTransitiveInBothDirectionsAndReadsLineageJSON() throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            #expect(try registry.lineage(of: f.distilled, direction: .ancestors).ids == [f.invoices, f.base])
            let children = [f.invoices, f.receipts].sorted { $0.description < $1.description }
            #expect(try registry.lineage(of: f.base, direction: .descendants).ids == children + [f.distilled])
            #expect(try registry.lineage(of: f.receipts, direction: .ancestors).ids == [f.base])  // lineage.json only
            #expect(try registry.lineage(of: f.vision, direction: .ancestors).isEmpty)
            #expect(try registry.index.summary(of: f.receipts)?.parents == [f.base])
            let unknown = try #require(ArtifactID("sha256-" + String(repeating: "ab", count: 32)))
            #expect(registryErrorCode { try registry.lineage(of: unknown, direction: .ancestors) } == .notFound)
        }
    }

    @Test func combinedFiltersMustAllHold() throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.setState(f.distilled, to: .candidate)
            try registry.setState(f.receipts, to: .candidate)
            let index = registry.index
            #expect(
                try index.query(IndexQuery(capabilities: ["text-classification"], state: .candidate)).ids == [
                    f.distilled, f.receipts,
                ])
            #expect(try index.query(IndexQuery(state: .candidate, descendantsOf: f.invoices)).ids == [f.distilled])
            #expect(
                try index.query(IndexQuery(text: "classifier", labels: ["framework": "pytorch"])).ids == [f.invoices])
            #expect(
                try index.query(IndexQuery(name: "receipt-classifier", labels: ["team": "docs"])).ids == [f.receipts])
            #expect(try index.query(IndexQuery(text: "bert", ancestorsOf: f.distilled)).ids == [f.base])
            #expect(try index.query(IndexQuery(capabilities: ["ocr"], state: .production)).isEmpty)
            #expect(try index.query(IndexQuery(descendantsOf: f.base, limit: 2)).ids == [f.distilled, f.receipts])
        }
    }

    @Test func everyQueryAgreesWithAFilterOverAllSummaries() throws {
        try ModelFamily.with { f in
            try f.fixture.registry.setState(f.invoices, to: .production)
            let index = f.fixture.registry.index
            let all = try index.query(IndexQuery())
            let queries = [
                IndexQuery(capabilities: ["text-classification"]), IndexQuery(state: .production),
                IndexQuery(text: "clas"), IndexQuery(text: "docs onnx"), IndexQuery(labels: ["team": "docs"]),
                IndexQuery(name: "bert-base"), IndexQuery(capabilities: ["ocr"], text: "receipt"),
            ]
            for query in queries {
                #expect(try index.query(query) == all.filter(query.matchesIgnoringLineage), "\(query)")
            }
        }
    }

    @Test func asyncTwinsGiveTheSameAnswers() async throws {
        try await withTemporaryDirectory { temp in
            let registry = try await Registry.create(at: temp.appendingPathComponent("registry"))
            let bundle = try BundleFixture.write(["w.bin": [1, 2, 3]], to: temp.appendingPathComponent("b"))
            let id = try await registry.register(
                directory: bundle, metadata: ArtifactMetadata(name: "m", capabilities: ["echo"])
            ).artifact.id
            #expect(try await registry.query(IndexQuery(capabilities: ["echo"])).ids == [id])
            #expect(try await registry.lineage(of: id, direction: .descendants).isEmpty)
            #expect(try await registry.rebuildIndexes().summaryCount == 1)
        }
    }
}
