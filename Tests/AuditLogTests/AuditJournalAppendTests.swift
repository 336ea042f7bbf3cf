import AuditLog
import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct AuditJournalAppendTests {
    @Test func appendAssignsConsecutiveSequenceNumbersAndChainsHashes() throws {
        try withJournal { journal, _ in
            let events = try appendSample(journal, count: 5)
            #expect(events.map(\.sequence) == [1, 2, 3, 4, 5])
            #expect(events[0].previousHash == AuditEvent.genesisHash)
            #expect(AuditEvent.genesisHash.description == "sha256:" + String(repeating: "0", count: 64))
            for index in 1..<events.count {
                #expect(events[index].previousHash == events[index - 1].hash)
            }
            #expect(try journal.lastEvent() == events.last)
        }
    }

    @Test func linesAreCanonicalJSONAndHashToTheNextPreviousHash() throws {
        try withJournal { journal, layout in
            let events = try appendSample(journal, count: 4)
            let lines = try readLines(journalPath(layout, "2026-11-23"))
            #expect(lines.count == 4)
            for (line, event) in zip(lines, events) {
                let value = try CanonicalJSON.parse(line, source: "test")
                #expect(CanonicalJSON.encode(value) == line)
                #expect(line == event.encodedLine)
                #expect(
                    value.objectValue.map { Set($0.keys) }
                        == ["actor", "payload", "previousHash", "sequence", "time", "type"])
            }
            for index in 1..<lines.count {
                #expect(events[index].previousHash == SHA256Algorithm().hash(lines[index - 1]))
            }
        }
    }

    @Test func aFreshChainVerifies() throws {
        try withJournal { journal, _ in
            let empty = try journal.verify()
            #expect(empty.isClean && empty.eventCount == 0 && empty.lastEvent == nil)
            let events = try appendSample(journal, count: 25)
            let report = try journal.verify()
            #expect(report.findings == [])
            #expect(report.isClean && !report.isRepairable)
            #expect(report.eventCount == 25 && report.fileCount == 1)
            #expect(report.lastEvent == events.last)
        }
    }

    @Test func theFixedTestVectorMatches() throws {
        try withJournal { journal, layout in
            let zero = artifactID()
            try journal.append(.artifactRegistered, actor: "alice", payload: ["artifact": .string(zero)])
            let second = try journal.append(
                .aliasPromoted, actor: "alice",
                payload: ["alias": "champion", "artifact": .string(zero), "previousArtifact": .null])
            let text = String(decoding: try readBytes(journalPath(layout, "2026-11-23")), as: UTF8.self)
            let expected = """
                {"actor":"alice","payload":{"artifact":"sha256-0000000000000000000000000000000000000000000000000000000000000000"},"previousHash":"sha256:0000000000000000000000000000000000000000000000000000000000000000","sequence":1,"time":"2026-11-23T13:37:00.123Z","type":"artifact_registered"}
                {"actor":"alice","payload":{"alias":"champion","artifact":"sha256-0000000000000000000000000000000000000000000000000000000000000000","previousArtifact":null},"previousHash":"sha256:e6199376253a964acce4d99588c771911e51691a6f86b70288bc33439e59b730","sequence":2,"time":"2026-11-23T13:37:00.123Z","type":"alias_promoted"}

                """
            #expect(text == expected)
            #expect(
                second.hash.description == "sha256:2d342d753abf475aa97f86b6c589d11cc6b5bcf7eb6d31df2016a545a6038332")
        }
    }

    @Test func eventsCrossADayBoundaryAndTheChainContinuesAcrossFiles() throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_795_478_399.5))  // 2026-11-23T23:59:59.500Z
        try withJournal(clock: clock) { journal, layout in
            let first = try journal.append(
                .artifactRegistered, actor: "ci", payload: ["artifact": .string(artifactID())])
            clock.advance(by: 1)
            let second = try journal.append(.aliasPromoted, actor: "ci", payload: ["alias": "prod"])
            clock.advance(by: 86_400)
            let third = try journal.append(.aliasRetired, actor: "ci", payload: ["alias": "prod"])
            #expect(first.time == "2026-11-23T23:59:59.500Z")
            #expect(second.time == "2026-11-24T00:00:00.500Z")
            #expect(try journalFileNames(layout) == ["2026-11-23.jsonl", "2026-11-24.jsonl", "2026-11-25.jsonl"])
            #expect(second.previousHash == first.hash && third.previousHash == second.hash)
            #expect(try readLines(journalPath(layout, "2026-11-24")) == [second.encodedLine])
            let report = try journal.verify()
            #expect(report.isClean && report.eventCount == 3 && report.fileCount == 3)
            #expect(try allEvents(journal).map(\.sequence) == [1, 2, 3])
        }
    }

    @Test func aClockThatGoesBackwardsKeepsAppendingToTheNewestFile() throws {
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { journal, layout in
            try journal.append(.artifactRegistered, actor: "ci", payload: [:])
            clock.advance(by: 2 * 86_400)
            try journal.append(.artifactRegistered, actor: "ci", payload: [:])
            clock.advance(by: -3 * 86_400)  // now a day before the first event
            let late = try journal.append(.aliasPromoted, actor: "ci", payload: [:])
            #expect(late.sequence == 3)
            #expect(late.time.hasPrefix("2026-11-22"))
            #expect(try journalFileNames(layout) == ["2026-11-23.jsonl", "2026-11-25.jsonl"])
            #expect(try readLines(journalPath(layout, "2026-11-25")).count == 2)
            #expect(try journal.verify().isClean)
            #expect(try allEvents(journal).map(\.sequence) == [1, 2, 3])
        }
    }

    @Test func anotherJournalInstanceSeesEventsAppendedBehindItsCache() throws {
        try withJournal { first, layout in
            let second = AuditJournal(layout: layout, clock: { TestClock.fixedDate })
            try first.append(.artifactRegistered, actor: "a", payload: [:])
            try second.append(.artifactRegistered, actor: "b", payload: [:])
            let third = try first.append(.artifactRegistered, actor: "a", payload: [:])
            #expect(third.sequence == 3)
            #expect(try first.verify().isClean)
        }
    }

    @Test func theCachedTailIsTrustedOnlyWhileTheFileStillEndsWithIt() throws {
        try withJournal { journal, layout in
            try appendSample(journal, count: 3)
            let path = journalPath(layout, "2026-11-23")
            // Same size, different last line: another writer's line, which the next event must chain to.
            var lines = try readLines(path)
            lines[2] = Array(
                String(decoding: lines[2], as: UTF8.self).replacingOccurrences(of: "alice", with: "bobby").utf8)
            try writeLines(path, lines)
            let next = try journal.append(.aliasPromoted, actor: "a", payload: [:])
            #expect(next.sequence == 4 && next.previousHash == SHA256Algorithm().hash(lines[2]))
            // A repair made through another instance changes the size.
            try appendRaw(path, Array("{\"torn".utf8))
            let repair = try #require(try AuditJournal(layout: layout).repairTornTail(actor: "operator"))
            let after = try journal.append(.aliasPromoted, actor: "a", payload: [:])
            #expect(after.sequence == 6 && after.previousHash == repair.hash)
        }
    }

    @Test func anUnknownEventTypeIsReadBackAndShownNotDropped() throws {
        try withJournal { journal, layout in
            let known = try journal.append(.artifactRegistered, actor: "alice", payload: [:])
            // A newer library version wrote this line; build it with the same canonical encoding.
            let future = AuditEvent(
                sequence: 2, time: "2026-11-23T14:00:00.000Z", actor: "robot", type: "model_exploded",
                payload: ["blastRadius": 3, "artifact": .string(artifactID("a"))], previousHash: known.hash)
            try appendRaw(journalPath(layout, "2026-11-23"), future.encodedLine + [UInt8(ascii: "\n")])
            let after = try journal.append(.aliasPromoted, actor: "alice", payload: [:])
            #expect(after.sequence == 3 && after.previousHash == future.hash)
            let events = try allEvents(journal)
            #expect(events.map(\.type.rawValue) == ["artifact_registered", "model_exploded", "alias_promoted"])
            #expect(events[1] == future)
            #expect(!events[1].type.isKnown && events[0].type.isKnown)
            #expect(events[1].description.contains("model_exploded"))
            #expect(try allEvents(journal, .init(types: ["model_exploded"])) == [future])
            #expect(try allEvents(journal, .init(artifact: artifactID("a"))) == [future])
            #expect(try journal.verify().isClean)
        }
    }

    @Test func appendRefusesBadTypesActorsAndOversizedPayloads() throws {
        try withJournal { journal, layout in
            #expect(
                registryErrorCode { try journal.append("Alias Promoted", actor: "a", payload: [:]) } == .invalidArgument
            )
            #expect(registryErrorCode { try journal.append("", actor: "a", payload: [:]) } == .invalidArgument)
            #expect(
                registryErrorCode { try journal.append(.aliasPromoted, actor: "", payload: [:]) } == .invalidArgument)
            #expect(
                registryErrorCode { try journal.append(.aliasPromoted, actor: "a\nb", payload: [:]) }
                    == .invalidArgument)
            let huge = String(repeating: "x", count: AuditJournal.maximumLineLength)
            #expect(
                registryErrorCode { try journal.append(.aliasPromoted, actor: "a", payload: ["x": .string(huge)]) }
                    == .invalidArgument)
            let names = try journalFileNames(layout)
            #expect(names == [])
            let first = try journal.append(.aliasPromoted, actor: "a", payload: [:])
            #expect(first.sequence == 1)
        }
    }

    @Test func concurrentAppendsHoldingTheWriterLockProduceAGapFreeVerifiedChain() throws {
        try withJournal { journal, layout in
            // Two instances stand in for two processes; each thread takes the shared writer lock.
            let other = AuditJournal(layout: layout)
            let lock = WriterLock(path: layout.writerLockPath)
            let failures = NSLock()
            nonisolated(unsafe) var errors: [any Error] = []
            DispatchQueue.concurrentPerform(iterations: 8) { thread in
                let target = thread.isMultiple(of: 2) ? journal : other
                for index in 0..<25 {
                    do {
                        try target.appendLocked(
                            .aliasPromoted, actor: "thread-\(thread)", payload: ["index": .number(JSONNumber(index))],
                            lock: lock)
                    } catch {
                        failures.withLock { errors.append(error) }
                    }
                }
            }
            #expect(errors.isEmpty)
            let report = try journal.verify()
            #expect(report.findings == [])
            #expect(report.eventCount == 200)
            #expect(try allEvents(journal).map(\.sequence) == Array(1...200))
        }
    }

    #if DEBUG
        @Test(arguments: [SystemCall.fsync, .write])
        func aFailedWriteOrFsyncFailsTheAppendAndLeavesTheLogAsItWas(call: SystemCall) throws {
            try withJournal { journal, layout in
                try appendSample(journal, count: 3)
                let before = try readBytes(journalPath(layout, "2026-11-23"))
                let token = FaultInjector.shared.inject(call, errno: EIO, under: layout.auditPath + "/")
                #expect(registryErrorCode { try journal.append(.aliasPromoted, actor: "a", payload: [:]) } == .io)
                FaultInjector.shared.remove(token)
                #expect(try readBytes(journalPath(layout, "2026-11-23")) == before)
                #expect(try journal.append(.aliasPromoted, actor: "a", payload: [:]).sequence == 4)
                #expect(try journal.verify().isClean)
            }
        }

        @Test func aFailedFsyncOfANewDayFileRemovesTheFile() throws {
            let clock = TestClock(TestClock.fixedDate)
            try withJournal(clock: clock) { journal, layout in
                try appendSample(journal, count: 2)
                clock.advance(by: 86_400)
                let token = FaultInjector.shared.inject(.fsync, errno: EIO, under: layout.auditPath + "/")
                #expect(registryErrorCode { try journal.append(.aliasPromoted, actor: "a", payload: [:]) } == .io)
                FaultInjector.shared.remove(token)
                #expect(try journalFileNames(layout) == ["2026-11-23.jsonl"])
                #expect(try journal.append(.aliasPromoted, actor: "a", payload: [:]).sequence == 3)
                #expect(try journal.verify().isClean)
            }
        }
    #endif
}
