import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

@testable import AuditLog

/// `AuditJournal.recentLastEvent()`: the last event as a reader's cache keeps it, never older than the log.
@Suite struct RecentLastEventTests {
    /// How many `call`s were made on paths under `prefix` while `body` ran (at most `limit`), counted with
    /// `FaultInjector` actions that let every call through.
    private func count(
        _ call: SystemCall, under prefix: String, limit: Int = 32, _ body: () throws -> Void
    ) rethrows -> Int {
        let tokens = (0..<limit).map { _ in FaultInjector.shared.perform({}, before: call, under: prefix) }
        defer { tokens.forEach { FaultInjector.shared.remove($0) } }
        try body()
        return tokens.filter { FaultInjector.shared.hasFired($0) }.count
    }

    @Test func aReaderSeesEveryAppendOfAnotherJournal() throws {
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { writer, layout in
            let reader = AuditJournal(layout: layout, clock: clock.closure)
            #expect(reader.recentLastEvent() == nil)
            for _ in 0..<3 {
                let appended = try appendSample(writer, count: 2)
                #expect(reader.recentLastEvent() == appended.last)
                #expect(reader.recentLastEvent() == appended.last)
                clock.advance(by: 86_400)
            }
            #expect(try journalFileNames(layout).count == 3)
        }
    }

    @Test func seesADayFileCreatedInTheSameClockTickAsThePreviousChange() throws {
        // A file system whose clock does not tick between the changes below: `audit/` keeps the status it had when
        // first looked at, as a directory changed twice within one tick of a coarse clock does.
        let frozen = FrozenStatus()
        let listing = DayFileListing(
            settledAfterNanoseconds: 3_600 * 1_000_000_000, directoryStatus: { try frozen.status(of: $0) })
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { writer, layout in
            let reader = AuditJournal(layout: layout, clock: clock.closure, listing: listing)
            for _ in 0..<3 {
                let appended = try appendSample(writer, count: 1)
                #expect(reader.recentLastEvent() == appended.last)
                clock.advance(by: 86_400)  // the next append creates a new day file
            }
            #expect(try journalFileNames(layout).count == 3)
            #expect(frozen.changesHidden > 0, "the directory's real status changed behind the frozen one")
        }
    }

    @Test func aCacheMissStatsTheDirectoryOnce() throws {
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { writer, layout in
            let audit = layout.auditPath
            try appendSample(writer, count: 2)
            clock.advance(by: 86_400)
            var last = try appendSample(writer, count: 2).last
            // A new reader has nothing cached; after an append its cache is stale. Either way `audit/` is looked
            // at once (by the day-file listing) and the newest file once.
            let reader = AuditJournal(layout: layout, clock: clock.closure)
            var event: AuditEvent?
            #expect(count(.lstat, under: audit) { event = reader.recentLastEvent() } == 2)
            #expect(event == last)
            last = try appendSample(writer, count: 1).last
            #expect(count(.lstat, under: audit) { event = reader.recentLastEvent() } == 2)
            #expect(event == last)
            // Unchanged: the same two `stat`s, and no file is opened.
            let opened = FaultInjector.shared.inject(.open, errno: EIO, under: audit)
            defer { FaultInjector.shared.remove(opened) }
            #expect(count(.lstat, under: audit) { event = reader.recentLastEvent() } == 2)
            #expect(event == last)
            #expect(!FaultInjector.shared.hasFired(opened))
        }
    }
}
