import AuditLog
import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

@Suite struct AuditJournalReadingTests {
    /// Three days of events: registrations and promotions of two aliases over three artifacts.
    private func makeLog(_ journal: AuditJournal, clock: TestClock) throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        for dayIndex in 0..<3 {
            events.append(
                try journal.append(.artifactRegistered, actor: "ci", payload: ["artifact": .string(artifactID("a"))]))
            events.append(
                try journal.append(
                    .aliasPromoted, actor: "ci",
                    payload: [
                        "alias": "champion", "artifact": .string(artifactID("a")),
                        "previousArtifact": .string(artifactID("b")),
                    ]))
            events.append(
                try journal.append(
                    .aliasRolledBack, actor: "alice",
                    payload: ["alias": "canary", "artifact": .string(artifactID("c")), "target": "not an id"]))
            clock.advance(by: 86_400)
            _ = dayIndex
        }
        return events
    }

    @Test func filtersSelectByTypeAliasArtifactAndTime() throws {
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { journal, _ in
            let events = try makeLog(journal, clock: clock)
            #expect(try allEvents(journal) == events)
            #expect(try allEvents(journal, .init(types: [.aliasPromoted])).map(\.sequence) == [2, 5, 8])
            #expect(try allEvents(journal, .init(types: [.aliasPromoted, .aliasRolledBack])).count == 6)
            #expect(try allEvents(journal, .init(alias: "canary")).map(\.sequence) == [3, 6, 9])
            #expect(try allEvents(journal, .init(artifact: artifactID("b"))).map(\.sequence) == [2, 5, 8])
            #expect(try allEvents(journal, .init(artifact: artifactID("a"))).count == 6)
            #expect(try allEvents(journal, .init(artifact: "not an id")).isEmpty)
            let secondDay = TestClock.fixedDate.addingTimeInterval(86_400)
            #expect(try allEvents(journal, .init(since: secondDay)).map(\.sequence) == [4, 5, 6, 7, 8, 9])
            #expect(try allEvents(journal, .init(until: secondDay)).map(\.sequence) == [1, 2, 3])
            #expect(
                try allEvents(journal, .init(since: secondDay, until: secondDay.addingTimeInterval(1)))
                    .map(\.sequence) == [4, 5, 6])
            #expect(try allEvents(journal, .init(alias: "champion", limit: 2)).map(\.sequence) == [2, 5])
            #expect(try allEvents(journal, .init(limit: 0)).isEmpty)
        }
    }

    @Test func convenienceAccessorsReadThePayload() throws {
        try withJournal { journal, _ in
            let event = try journal.append(
                .aliasPromoted, actor: "ci",
                payload: [
                    "alias": "champion", "artifact": .string(artifactID("a")),
                    "previousArtifact": .string(artifactID("a")), "target": .string(artifactID("b")),
                ])
            #expect(event.alias == "champion")
            #expect(event.artifactIDs == [artifactID("a"), artifactID("b")])
            #expect(event.date == TestClock.fixedDate)
            #expect(event.time == "2026-11-23T13:37:00.123Z")
        }
    }

    @Test func eventTimesParseAsRFC3339() {
        func date(_ time: String) -> Date? {
            AuditEvent(
                sequence: 1, time: time, actor: "a", type: "x", payload: [:], previousHash: AuditEvent.genesisHash
            ).date
        }
        #expect(date("2026-11-23T13:37:00.123Z") == TestClock.fixedDate)
        #expect(date("2026-11-23t14:37:00.123+01:00") == TestClock.fixedDate)
        #expect(date("2026-11-23T13:37:00Z") == Date(timeIntervalSince1970: 1_795_441_020))
        #expect(date("2024-02-29T00:00:00Z") != nil)
        for bad in [
            "2026-02-29T00:00:00Z", "2026-11-23 13:37:00Z", "2026-11-23T13:37:00", "2026-13-01T00:00:00Z",
            "2026-11-23T24:00:00Z", "2026-11-23T13:37:00.Z", "2026-11-23T13:37:00+0100", "",
        ] {
            #expect(date(bad) == nil, "\(bad)")
        }
    }

    @Test func aMalformedLineSurfacesAsAnErrorNamingFileAndLine() throws {
        try withJournal { journal, layout in
            try appendSample(journal, count: 4)
            let path = journalPath(layout, "2026-11-23")
            var lines = try readLines(path)
            lines[2] = Array("{\"sequence\":3}".utf8)
            try writeLines(path, lines)
            let error = try #require(throws: RegistryError.self) { try allEvents(journal) }
            #expect(error.message.hasPrefix("audit/2026-11-23.jsonl:3: "))
            let results = Array(journal.events())
            #expect(results.count == 4)
            if case .failure(let failure) = results[2] {
                #expect(failure.code == .invalidDocument && failure.path == path)
            } else {
                Issue.record("line 3 should be an error")
            }
            #expect(results.compactMap { try? $0.get().sequence } == [1, 2, 4])
        }
    }

    @Test func aTornFinalLineIsLeftOutWhenReading() throws {
        try withJournal { journal, layout in
            let events = try appendSample(journal, count: 3)
            try appendRaw(journalPath(layout, "2026-11-23"), Array("{\"actor\":".utf8))
            #expect(try allEvents(journal) == events)
            #expect(try journal.lastEvent() == events.last)
        }
    }

    @Test func anEmptyOrMissingLogReadsAsEmpty() throws {
        try withJournal { journal, layout in
            #expect(try allEvents(journal).isEmpty)
            #expect(try journal.lastEvent() == nil)
            try FileManager.default.removeItem(atPath: layout.auditPath)
            #expect(try allEvents(journal).isEmpty)
            #expect(try journal.lastEvent() == nil)
            #expect(try journal.verify().isClean)  // readers must not require audit/ (FORMAT.md §3)
            #expect(try journal.append(.aliasPromoted, actor: "a", payload: [:]).sequence == 1)
        }
    }

    @Test func aLargeLogStreamsWithAFilter() throws {
        let clock = TestClock(TestClock.fixedDate)
        try withTemporaryDirectory { directory in
            let layout = try RegistryLayout.create(at: directory.appendingPathComponent("registry"))
            // Write 20,000 chained events directly (appending each with fsync would only test the disk).
            var previous = AuditEvent.genesisHash
            var day = "2026-11-01"
            var buffer: [UInt8] = []
            for sequence in 1...20_000 {
                let event = AuditEvent(
                    sequence: Int64(sequence), time: day + "T12:00:00.000Z",
                    actor: "bench", type: sequence % 10 == 0 ? .aliasPromoted : .artifactRegistered,
                    payload: ["alias": .string("model-\(sequence % 7)"), "artifact": .string(artifactID("d"))],
                    previousHash: previous)
                let line = event.encodedLine
                previous = SHA256Algorithm().hash(line)
                buffer += line + [10]
                if sequence % 1000 == 0 {
                    try writeBytes(journalPath(layout, day), buffer)
                    buffer.removeAll(keepingCapacity: true)
                    let next = sequence / 1000 + 1
                    day = "2026-11-" + (next < 10 ? "0" : "") + String(next)
                }
            }
            let journal = AuditJournal(layout: layout, clock: clock.closure)
            var count = 0
            var last: Int64 = 0
            try journal.forEachEvent(.init(types: [.aliasPromoted], alias: "model-3")) { event in
                #expect(event.sequence > last)
                last = event.sequence
                count += 1
            }
            #expect(count == (1...20_000).filter { $0 % 10 == 0 && $0 % 7 == 3 }.count)
            let recent = try allEvents(journal, .init(since: Date(timeIntervalSince1970: 1_795_441_020 - 86_400 * 5)))
            #expect(recent.first?.sequence == 18_001)  // 2026-11-18T12:00 is before the cut at 13:37
            let report = try journal.verify()
            #expect(report.isClean && report.eventCount == 20_000 && report.fileCount == 20)
            #expect(try journal.lastEvent()?.sequence == 20_000)
        }
    }
}
