#if SQLite
    import Foundation
    import ModelRegistry
    import ModelRegistrySQLite
    import RegistryTestSupport
    import Testing

    /// A full build that writes each summary's row as the scan hands it over
    /// (`SQLiteIndexBackend.replaceContents(persist:producing:)`): the same database as a build from whole
    /// contents, the old index answering until the swap, and nothing committed when the scan fails.
    @Suite struct SQLiteStreamingRebuildTests {
        /// Contents over a registry with lineage, states and an unregistered artifact, plus a state name the log
        /// holds that is not a lifecycle state (a row must still carry it exactly).
        private static func contents(_ f: SQLiteFixture) throws -> RegistryIndex.Contents {
            let base = try f.register("base-model", capabilities: ["ocr", "nlp"], labels: ["team": "vision"])
            let tuned = try f.register("tuned-model", capabilities: ["ocr"], parents: [base])
            try f.sqlite.setState(tuned, to: .candidate)
            try f.register("other", labels: ["team": "speech"])
            var scanned = try RegistryIndex(artifacts: f.sqlite.artifacts, journal: f.sqlite.journal).scan().contents
            let loose = try #require(ArtifactID("sha256-" + String(repeating: "0", count: 64)))
            var summaries = scanned.summaries
            summaries.append(ArtifactSummary(id: loose, name: "unregistered", capabilities: ["ocr"]))
            var states = scanned.states
            states[base] = "hand-written-state"
            scanned = RegistryIndex.Contents(stamp: scanned.stamp, summaries: summaries, states: states)
            return scanned
        }

        private static let queries = [
            IndexQuery(), IndexQuery(capabilities: ["ocr"]), IndexQuery(labels: ["team": "vision"]),
            IndexQuery(state: .candidate), IndexQuery(text: "mod", limit: 1), IndexQuery(name: "unregistered"),
            IndexQuery(capabilities: ["ocr"], text: "tuned"),
        ]

        @Test func aStreamedBuildHoldsWhatABuildFromContentsHolds() throws {
            try SQLiteFixture.with { f in
                let contents = try Self.contents(f)
                let whole = f.freshBackend()
                try whole.replaceContents(with: contents, persist: true)
                let expected = try #require(try f.freshBackend().contents())
                let expectedAnswers = try Self.queries.map { try f.freshBackend().summaries(matching: $0) }

                let streamed = f.freshBackend()
                var handedOver = 0
                try streamed.replaceContents(persist: true) { add in
                    for summary in contents.summaries {
                        try add(summary)
                        handedOver += 1
                    }
                    return (contents.stamp, contents.states)
                }
                #expect(handedOver == contents.summaries.count)
                let reader = f.freshBackend()
                #expect(try reader.refresh() == contents.stamp)
                #expect(try reader.contents() == expected)
                #expect(try Self.queries.map { try reader.summaries(matching: $0) } == expectedAnswers)
                #expect(try reader.summaries(matching: IndexQuery(name: "unregistered")).count == 1)
                #expect(expected.states.values.contains("hand-written-state"))
                #expect(!FileManager.default.fileExists(atPath: f.buildingPath), "the building file was renamed")
            }
        }

        /// The backend's lock is not held while the scan runs: a query in the same process answers from the old
        /// index (it would wait forever if it were), and sees the new one after the swap.
        @Test func queriesAnswerFromTheOldIndexWhileTheScanRuns() throws {
            try SQLiteFixture.with { f in
                let contents = try Self.contents(f)
                let backend = f.freshBackend()
                let before = try #require(try backend.refresh())
                let oldNames = try backend.summaries(matching: IndexQuery()).map(\.name)
                #expect(oldNames.count == contents.summaries.count - 1, "the unregistered one is not stored yet")
                var seenDuringScan: [[String]] = []
                try backend.replaceContents(persist: true) { add in
                    for summary in contents.summaries {
                        try add(summary)
                        seenDuringScan.append(try backend.summaries(matching: IndexQuery()).map(\.name))
                    }
                    #expect(try backend.refresh() == before)
                    return (contents.stamp, contents.states)
                }
                #expect(seenDuringScan.count == contents.summaries.count)
                #expect(seenDuringScan.allSatisfy { $0 == oldNames })
                #expect(try backend.refresh() == contents.stamp)
                #expect(try backend.summaries(matching: IndexQuery()).count == contents.summaries.count)
            }
        }

        private struct ScanFailed: Error {}

        /// A scan that fails half way commits nothing: the stored index is the old one, and the next build
        /// replaces the half-built file.
        @Test func aFailingScanLeavesTheOldIndex() throws {
            try SQLiteFixture.with { f in
                let contents = try Self.contents(f)
                let before = try #require(try f.freshBackend().contents())
                #expect(throws: ScanFailed.self) {
                    try f.freshBackend().replaceContents(persist: true) { add in
                        try add(contents.summaries[0])
                        throw ScanFailed()
                    }
                }
                #expect(try f.freshBackend().contents() == before)
                #expect(try f.sqlite.query(IndexQuery()).map(\.name) == ["other", "tuned-model", "base-model"])

                try f.freshBackend().replaceContents(with: contents, persist: true)
                #expect(try f.freshBackend().refresh() == contents.stamp)
                #expect(!FileManager.default.fileExists(atPath: f.buildingPath))
            }
        }

        /// A registered summary's row goes to its registration sequence whatever the order, so any order of them
        /// builds the same database; the registration order the backend asks the scan for is only the fast one.
        @Test func registeredSummariesMayComeInAnyOrder() throws {
            try SQLiteFixture.with { f in
                let contents = try Self.contents(f)
                let backend = f.freshBackend()
                #expect(backend.buildOrder == .registration)
                try backend.replaceContents(with: contents, persist: true)
                let expected = try #require(try f.freshBackend().contents())
                for order in [contents.summaries, contents.summaries.reversed()] {
                    try f.freshBackend().replaceContents(persist: true) { add in
                        // The unregistered one (there is one) last, as the scan hands it over.
                        for summary in order where summary.registrationSequence != nil { try add(summary) }
                        for summary in order where summary.registrationSequence == nil { try add(summary) }
                        return (contents.stamp, contents.states)
                    }
                    #expect(try f.freshBackend().contents() == expected)
                }
            }
        }

        /// Two summaries with one registration sequence, or artifacts without a registration out of id order
        /// (they are numbered -1, -2, … as they come) or repeated, would give wrong ordinals: refused, naming the
        /// ids, and nothing is committed.
        @Test func summariesThatWouldGetWrongOrdinalsAreRefused() throws {
            try SQLiteFixture.with { f in
                let contents = try Self.contents(f)
                try f.freshBackend().replaceContents(with: contents, persist: true)
                let registered = contents.summaries.filter { $0.registrationSequence != nil }
                let first = try #require(registered.first)
                var sameSequence = try #require(registered.last)
                sameSequence.registrationSequence = first.registrationSequence
                let loose = [
                    ArtifactSummary(
                        id: try #require(ArtifactID("sha256-" + String(repeating: "1", count: 64))), name: "a"),
                    ArtifactSummary(
                        id: try #require(ArtifactID("sha256-" + String(repeating: "2", count: 64))), name: "b"),
                ]
                let cases: [(summaries: [ArtifactSummary], message: String, names: ArtifactID)] = [
                    ([first, sameSequence], "which another artifact has", sameSequence.id),
                    ([first, first], "which another artifact has", first.id),
                    ([loose[1], loose[0]], "not in id order", loose[0].id),
                    ([loose[0], loose[0]], "not in id order", loose[0].id),
                ]
                for (order, message, named) in cases {
                    let error = #expect(throws: RegistryError.self) {
                        try f.freshBackend().replaceContents(persist: true) { add in
                            for summary in order { try add(summary) }
                            return (contents.stamp, contents.states)
                        }
                    }
                    #expect(error?.code == .invalidDocument)
                    #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
                    #expect(error?.message.contains(named.description) == true)
                }
                #expect(try f.freshBackend().refresh() == contents.stamp, "the previous build stays")
            }
        }

        /// Without persisting, the streamed summaries answer from memory and the file is not written.
        @Test func aStreamedBuildWithoutPersistingNeverWritesTheFile() throws {
            try SQLiteFixture.with { f in
                let contents = try Self.contents(f)
                let stored = try Data(contentsOf: URL(fileURLWithPath: f.databasePath))
                let backend = f.freshBackend()
                try backend.replaceContents(persist: false) { add in
                    for summary in contents.summaries { try add(summary) }
                    return (contents.stamp, contents.states)
                }
                #expect(try backend.refresh() == contents.stamp)
                #expect(try backend.summaries(matching: IndexQuery(capabilities: ["ocr"])).count == 3)
                #expect(try Data(contentsOf: URL(fileURLWithPath: f.databasePath)) == stored)
            }
        }
    }
#endif
