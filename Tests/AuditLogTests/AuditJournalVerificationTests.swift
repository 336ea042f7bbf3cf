import AuditLog
import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

@Suite struct AuditJournalVerificationTests {
    private let day = "2026-11-23"
    private let file = "2026-11-23.jsonl"

    /// Writes `count` events, lets `tamper` change the file's lines, and returns the verification.
    private func verifyAfterTampering(
        count: Int = 6, _ tamper: (inout [[UInt8]]) throws -> Void
    ) throws -> AuditJournal.Verification {
        try withJournal { journal, layout in
            try appendSample(journal, count: count)
            let path = journalPath(layout, day)
            var lines = try readLines(path)
            try tamper(&lines)
            try writeLines(path, lines)
            return try journal.verify()
        }
    }

    @Test func editingAnySingleByteOfAMiddleLineIsReportedAtThatLine() throws {
        try withJournal { journal, layout in
            try appendSample(journal, count: 5)
            let path = journalPath(layout, day)
            let original = try readLines(path)
            for offset in original[2].indices {
                var lines = original
                lines[2][offset] ^= 0x01
                try writeLines(path, lines)
                let report = try journal.verify()
                #expect(!report.findings.isEmpty, "byte \(offset) edited without a finding")
                #expect(
                    report.findings.allSatisfy { $0.path == "audit/\(file)" && $0.line == 3 },
                    "byte \(offset): \(report.findings)")
            }
        }
    }

    @Test func anEditedLineIsReportedAsEditedWithItsLocation() throws {
        let report = try verifyAfterTampering { lines in
            let text = String(decoding: lines[2], as: UTF8.self).replacingOccurrences(of: "alice", with: "mallory")
            lines[2] = Array(text.utf8)
        }
        #expect(report.findings.map(\.kind) == [.editedLine])
        #expect(report.findings.first?.line == 3)
        let expected = "edited_line: audit/\(file):3: line audit/\(file):3 was changed"
        #expect(report.findings.first?.description.hasPrefix(expected) == true)
        #expect(report.eventCount == 6)
    }

    @Test func anEditedPreviousHashIsBlamedOnItsOwnLine() throws {
        let report = try verifyAfterTampering { lines in
            var event = try AuditEvent(parsingLine: lines[3], source: "test")
            event = AuditEvent(
                sequence: event.sequence, time: event.time, actor: event.actor, type: event.type,
                payload: event.payload.objectValue ?? [:], previousHash: AuditEvent.genesisHash)
            lines[3] = event.encodedLine
        }
        #expect(report.findings.map(\.kind) == [.editedLine])
        #expect(report.findings.map(\.line) == [4])
    }

    @Test func aRemovedLineIsReportedAsMissing() throws {
        let report = try verifyAfterTampering { lines in lines.remove(at: 2) }
        #expect(report.findings.map(\.kind) == [.missingLines])
        #expect(report.findings.map(\.line) == [3])
        #expect(report.findings.first?.message.contains("event 3 is missing") == true)
    }

    @Test func theRemovedFirstLineIsReportedAsMissing() throws {
        let report = try verifyAfterTampering { lines in lines.removeFirst() }
        #expect(report.findings.map(\.kind) == [.missingLines])
        #expect(report.findings.map(\.line) == [1])
    }

    @Test func anInsertedCopyOfALineIsReported() throws {
        let report = try verifyAfterTampering { lines in lines.insert(lines[1], at: 4) }
        #expect(report.findings.map(\.kind) == [.insertedLine])
        #expect(report.findings.map(\.line) == [5])
        #expect(report.eventCount == 7 && report.lastEvent?.sequence == 6)
    }

    @Test func swappedLinesAreReportedAsReordered() throws {
        let report = try verifyAfterTampering { lines in lines.swapAt(2, 3) }
        #expect(report.findings.map(\.kind) == [.reorderedLines, .reorderedLines])
        #expect(report.findings.map(\.line) == [3, 4])
        #expect(report.lastEvent?.sequence == 6)
    }

    @Test func aRemovedDayFileIsReportedAtTheStartOfTheNextFile() throws {
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { journal, layout in
            for _ in 0..<3 {
                try appendSample(journal, count: 2)
                clock.advance(by: 86_400)
            }
            try FileManager.default.removeItem(atPath: journalPath(layout, "2026-11-24"))
            let report = try journal.verify()
            #expect(report.findings.map(\.kind) == [.missingLines])
            #expect(report.findings.map(\.path) == ["audit/2026-11-25.jsonl"] && report.findings.map(\.line) == [1])
            #expect(report.findings.first?.message.contains("events 3–4 (2) are missing") == true)
        }
    }

    @Test func aLineMovedToAnotherDayFileIsReported() throws {
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { journal, layout in
            try appendSample(journal, count: 3)
            clock.advance(by: 86_400)
            try appendSample(journal, count: 3)
            let firstPath = journalPath(layout, day)
            let secondPath = journalPath(layout, "2026-11-24")
            var first = try readLines(firstPath)
            var second = try readLines(secondPath)
            second.insert(first.removeLast(), at: 1)
            try writeLines(firstPath, first)
            try writeLines(secondPath, second)
            let report = try journal.verify()
            #expect(report.findings.map(\.kind) == [.reorderedLines, .reorderedLines])
            #expect(report.findings.map(\.path) == ["audit/2026-11-24.jsonl", "audit/2026-11-24.jsonl"])
            #expect(report.findings.map(\.line) == [1, 2])
        }
    }

    @Test func garbageInTheMiddleIsMalformedAndTheChainResumes() throws {
        let report = try verifyAfterTampering { lines in
            lines[1] = Array("not json at all".utf8)
            lines.insert(Array("{}".utf8), at: 4)
        }
        #expect(report.findings.map(\.kind) == [.malformedLine, .malformedLine])
        #expect(report.findings.map(\.line) == [2, 5])
        #expect(report.eventCount == 5)
    }

    @Test func aNonCanonicalLineIsAnEdit() throws {
        let report = try verifyAfterTampering { lines in
            lines[2] = Array(String(decoding: lines[2], as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
        }
        #expect(report.findings.map(\.kind) == [.malformedLine])
        #expect(report.findings.map(\.line) == [3])
        #expect(report.findings.first?.message.contains("canonical") == true)
    }

    @Test func everyProblemIsListedNotJustTheFirst() throws {
        let report = try verifyAfterTampering(count: 12) { lines in
            lines[1] = Array(
                String(decoding: lines[1], as: UTF8.self).replacingOccurrences(of: "alice", with: "eve").utf8)
            lines.remove(at: 5)
            lines.insert(lines[0], at: 8)
        }
        #expect(report.findings.map(\.kind) == [.editedLine, .missingLines, .insertedLine])
        #expect(report.findings.map(\.line) == [2, 6, 9])
    }

    @Test func anInvalidOrMisplacedTimeIsReported() throws {
        try withJournal { journal, layout in
            let first = try journal.append(.artifactRegistered, actor: "a", payload: [:])
            let bad = AuditEvent(
                sequence: 2, time: "2026-02-30T00:00:00.000Z", actor: "a", type: .aliasPromoted, payload: [:],
                previousHash: first.hash)
            let future = AuditEvent(
                sequence: 3, time: "2026-11-24T00:00:00.000Z", actor: "a", type: .aliasPromoted, payload: [:],
                previousHash: bad.hash)
            try appendRaw(journalPath(layout, day), bad.encodedLine + [10] + future.encodedLine + [10])
            let report = try journal.verify()
            #expect(report.findings.map(\.kind) == [.invalidTime, .misplacedEvent])
            #expect(report.findings.map(\.line) == [2, 3])
        }
    }

    @Test func aTornLastLineIsReportedRefusedAndRepaired() throws {
        try withJournal { journal, layout in
            let events = try appendSample(journal, count: 4)
            let path = journalPath(layout, day)
            let intact = try readBytes(path)
            let half = Array(events[0].encodedLine.prefix(70))
            try appendRaw(path, half)

            let report = try journal.verify()
            #expect(report.findings.map(\.kind) == [.tornTail])
            #expect(report.findings.map(\.line) == [5])
            #expect(report.isRepairable && report.eventCount == 4 && report.lastEvent == events.last)
            #expect(try journal.lastEvent() == events.last)

            let refusal = try #require(throws: RegistryError.self) {
                try journal.append(.aliasPromoted, actor: "a", payload: [:])
            }
            #expect(refusal.code == .invalidDocument)
            #expect(refusal.message.contains("torn line") && refusal.message.contains("repairTornTail"))
            #expect(try readBytes(path) == intact + half)

            let repair = try #require(try journal.repairTornTail(actor: "operator"))
            #expect(repair.type == .logRepaired && repair.sequence == 5 && repair.previousHash == events[3].hash)
            #expect(
                repair.payload == [
                    "file": .string(file), "offset": .number(JSONNumber(intact.count)),
                    "removedByteCount": 70, "removedDigest": .string(SHA256Algorithm().hash(half).description),
                    "reason": "incomplete_line",
                ])
            #expect(try readBytes(path) == intact + repair.encodedLine + [10])
            #expect(try journal.verify().isClean)
            #expect(try journal.repairTornTail(actor: "operator") == nil)
            #expect(try journal.append(.aliasPromoted, actor: "a", payload: [:]).sequence == 6)
        }
    }

    @Test func anUnparseableLastLineIsATornTailToo() throws {
        try withJournal { journal, layout in
            let events = try appendSample(journal, count: 3)
            let path = journalPath(layout, day)
            let intact = try readBytes(path)
            try appendRaw(path, Array("{\"actor\":\"a\"\n".utf8))  // terminated, but not JSON
            let report = try journal.verify()
            #expect(report.findings.map(\.kind) == [.tornTail])
            #expect(report.findings.map(\.line) == [4])
            #expect(registryErrorCode { try journal.append(.aliasPromoted, actor: "a", payload: [:]) } == .invalidJSON)
            let repair = try #require(try journal.repairTornTail(actor: "operator"))
            #expect(repair.payload.objectValue?["reason"] == "unparseable_line")
            #expect(repair.previousHash == events[2].hash)
            #expect(try readBytes(path) == intact + repair.encodedLine + [10])
            #expect(try journal.verify().isClean)
        }
    }

    /// FORMAT.md §9.2: a complete final line that is JSON is never a torn tail, even when it is not a valid
    /// event. A crash cannot write it, so recovery must not delete it: it stays, and verify reports it.
    @Test(arguments: [
        "unknown member", "wrong previousHash", "not canonical", "not an object",
    ])
    func aCompleteJSONLastLineThatIsNotAValidEventIsDamageNotATornTail(_ damage: String) throws {
        try withJournal { journal, layout in
            let events = try appendSample(journal, count: 3)
            let path = journalPath(layout, day)
            let next = AuditEvent(
                sequence: 4, time: "2026-11-23T13:37:00.123Z", actor: "b", type: .aliasPromoted, payload: [:],
                previousHash: events[2].hash)
            var line = next.encodedLine
            switch damage {
            case "unknown member": line = Array(line.dropLast()) + Array(",\"zzz\":1}".utf8)
            case "wrong previousHash":
                line =
                    AuditEvent(
                        sequence: 4, time: next.time, actor: "b", type: .aliasPromoted, payload: [:],
                        previousHash: events[0].hash
                    ).encodedLine
            case "not canonical": line = Array(" ".utf8) + line
            default: line = Array("[1,2]".utf8)
            }
            try appendRaw(path, line + [10])
            let before = try readBytes(path)

            let report = try journal.verify()
            #expect(!report.findings.contains { $0.kind == .tornTail })
            #expect(!report.findings.isEmpty && !report.isRepairable)
            #expect(try journal.repairTornTail(actor: "operator") == nil)
            #expect(try readBytes(path) == before)
        }
    }

    @Test func aTornFirstLineOfANewDayIsRepairedIntoThatFile() throws {
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { journal, layout in
            let events = try appendSample(journal, count: 2)
            clock.advance(by: 86_400)
            let newPath = journalPath(layout, "2026-11-24")
            try writeBytes(newPath, Array("{\"actor\":\"ci\",\"pay".utf8))
            #expect(try journal.verify().findings.map(\.kind) == [.tornTail])
            let repair = try #require(try journal.repairTornTail(actor: "operator"))
            #expect(repair.sequence == 3 && repair.previousHash == events[1].hash)
            #expect(try readLines(newPath) == [repair.encodedLine])
            #expect(try journal.verify().isClean)
        }
    }

    @Test func repairRefusesWhenTheLineBeforeTheTornOneIsDamagedToo() throws {
        try withJournal { journal, layout in
            try appendSample(journal, count: 3)
            let path = journalPath(layout, day)
            var lines = try readLines(path)
            lines[2] = Array("garbage".utf8)
            try writeBytes(path, lines.flatMap { $0 + [10] } + Array("{\"torn".utf8))
            let before = try readBytes(path)
            #expect(registryErrorCode { try journal.repairTornTail(actor: "operator") } == .invalidJSON)
            #expect(try readBytes(path) == before)
        }
    }

    @Test func anIncompleteLineBeforeLaterFilesIsGarbageNotATornTail() throws {
        try withJournal { journal, layout in
            let events = try appendSample(journal, count: 2)
            try appendRaw(journalPath(layout, day), Array("{\"half".utf8))
            // An empty newer file does not change which line is the last one.
            let nextPath = journalPath(layout, "2026-11-24")
            try writeBytes(nextPath, [])
            #expect(try journal.verify().findings.map(\.kind) == [.tornTail])
            let next = AuditEvent(
                sequence: 3, time: "2026-11-24T00:00:00.000Z", actor: "b", type: .aliasPromoted, payload: [:],
                previousHash: events[1].hash)
            try writeBytes(nextPath, next.encodedLine + [10])
            let report = try journal.verify()
            #expect(report.findings.map(\.kind) == [.malformedLine])
            #expect(report.findings.map(\.path) == ["audit/\(file)"] && report.findings.map(\.line) == [3])
            #expect(try journal.append(.aliasPromoted, actor: "a", payload: [:]).sequence == 4)
        }
    }
}
