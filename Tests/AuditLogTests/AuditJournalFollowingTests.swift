import AuditLog
import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

/// Following the log from a position: what an alias watcher reads to tell a promotion from a rollback.
@Suite struct AuditJournalFollowingTests {
    @Test func eventsAfterAPositionAreExactlyTheOnesAppendedSinceAcrossDays() throws {
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { journal, _ in
            #expect(try journal.endPosition() == nil)
            let early = try appendSample(journal, count: 3)
            let position = try journal.endPosition()
            #expect(try journal.events(after: nil).events == early)
            clock.advance(by: 86_400)  // the next events go into a new day file
            let later = try appendSample(journal, count: 2)
            let (events, end) = try journal.events(after: position)
            #expect(events == later)
            #expect(end == (try journal.endPosition()) && end != position)
            #expect(try journal.events(after: end).events.isEmpty)
        }
    }

    @Test func aLineBeingWrittenIsLeftForTheNextRead() throws {
        try withJournal { journal, layout in
            try appendSample(journal, count: 2)
            let position = try journal.endPosition()
            let day = try #require(try FileManager.default.contentsOfDirectory(atPath: layout.auditPath).first)
            let handle = try #require(FileHandle(forWritingAtPath: layout.auditPath + "/" + day))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(#"{"partial":"#.utf8))  // no newline yet
            try handle.close()
            let (events, end) = try journal.events(after: position)
            #expect(events.isEmpty && end == position)
            #expect(try journal.endPosition() == position, "the end is after the last complete line")
        }
    }
}
