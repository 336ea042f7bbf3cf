import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `query(_:after:)` and `ls`/`find --limit --after`: pages in a stable order that together are exactly the full
/// result, whether an artifact is in `index.bin`, only in the update lines, or has no registration event.
@Suite struct IndexPagingTests {
    /// Every page of `query`, `size` at a time, following the cursors.
    static func allPages(_ index: RegistryIndex, _ query: IndexQuery, size: Int) throws -> [ArtifactSummary] {
        var paged = query
        paged.limit = size
        var result: [ArtifactSummary] = []
        var cursor: IndexQuery.Cursor?
        while true {
            let page = try index.query(paged, after: cursor)
            #expect(page.count <= size)
            result += page
            guard page.count == size, let last = page.last else { return result }
            cursor = IndexQuery.Cursor(after: last)
        }
    }

    @Test(arguments: [1, 2, 3, 7])
    func pagesTogetherAreTheFullResultInOrder(size: Int) throws {
        try ModelFamily.with { f in
            let registry = f.fixture.registry
            try registry.rebuildIndexes()
            // After the rebuild: a state change and a registration in updates.jsonl, and an artifact published
            // without an event (no registration: it sorts last, by id).
            try registry.setState(f.receipts, to: .candidate)
            try f.fixture.register("late", capabilities: ["text-classification"], parents: [f.base])
            let bundle = try BundleFixture.write(["w.bin": [7]], to: f.fixture.temp.appendingPathComponent("direct"))
            _ = try registry.artifacts.register(directory: bundle, metadata: ArtifactMetadata(name: "direct"))
            for query in [
                IndexQuery(), IndexQuery(capabilities: ["text-classification"]), IndexQuery(text: "classifier"),
                IndexQuery(state: .candidate), IndexQuery(descendantsOf: f.base),
            ] {
                for index in [registry.index, f.fixture.freshIndex()] {
                    let full = try index.query(query)
                    #expect(try Self.allPages(index, query, size: size) == full, "\(query)")
                }
            }
            #expect(try registry.query(IndexQuery()).last?.registrationSequence == nil)
        }
    }

    @Test func theAsyncTwinPagesLikeTheBlockingCall() async throws {
        try await withTemporaryDirectory { temp in
            let registry = try await Registry.create(at: temp.appendingPathComponent("registry"))
            for name in ["a", "b", "c"] { _ = try BundleFixture.registerModel(name, in: registry, under: temp) }
            let first = try await registry.query(IndexQuery(limit: 2), after: nil)
            let rest = try await registry.query(IndexQuery(limit: 2), after: first.last.map(IndexQuery.Cursor.init))
            let all = try await registry.query(IndexQuery())
            #expect((first + rest).map(\.id) == all.map(\.id))
            #expect(first.count == 2 && rest.count == 1)
        }
    }

    @Test func cursorsParseAndOrderAsDocumented() throws {
        let id = try #require(ArtifactID("sha256-" + String(repeating: "a", count: 64)))
        #expect(IndexQuery.Cursor("12") == .registration(12))
        #expect(IndexQuery.Cursor(id.description) == .unregistered(id))
        for bad in ["", "0", "-3", "12x", "sha256-zz", "99999999999999999999999"] {
            #expect(IndexQuery.Cursor(bad) == nil, "'\(bad)'")
        }
        let registered = ArtifactSummary(id: id, name: "m", registeredAt: "t", registrationSequence: 5)
        let unregistered = ArtifactSummary(id: id, name: "m")
        #expect(IndexQuery.Cursor.registration(6).precedes(registered))
        #expect(!IndexQuery.Cursor.registration(5).precedes(registered))
        #expect(IndexQuery.Cursor.registration(1).precedes(unregistered))
        #expect(!IndexQuery.Cursor.unregistered(id).precedes(registered))
        #expect(!IndexQuery.Cursor.unregistered(id).precedes(unregistered))
    }

    @Test(.enabled(if: CLIRunner.binary != nil, "needs the built modelreg binary"))
    func lsAndFindPageFromTheCommandLine() throws {
        try ModelFamily.with { f in
            let root = f.fixture.registry.layout.root
            let all = try f.fixture.registry.query(IndexQuery()).map(\.id.description)
            var seen: [String] = []
            var arguments = ["ls", "--limit", "2", "--json"]
            while true {
                let page = try IndexCLI.run(arguments, registry: root)
                #expect(page.status == 0, "\(page.stderr)")
                let value = try CanonicalJSON.parse(Array(page.stdout.utf8), source: "ls")
                let artifacts = value.objectValue?["artifacts"]?.arrayValue ?? []
                seen += artifacts.compactMap { $0.objectValue?["id"]?.stringValue }
                guard case .string(let next)? = value.objectValue?["nextCursor"] else { break }
                arguments = ["ls", "--limit", "2", "--json", "--after", next]
            }
            #expect(seen == all)
            let text = try IndexCLI.run(
                ["find", "--capability", "text-classification", "--limit", "1"], registry: root)
            #expect(text.stdout.split(separator: "\n").count == 1)
            #expect(text.stderr.hasPrefix("next page: --after "))
            #expect(try IndexCLI.run(["ls", "--after", "nonsense"], registry: root).status == 64)
            #expect(try IndexCLI.run(["find", "--after", "0"], registry: root).status == 64)
        }
    }
}
