import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

@testable import AuditLog

/// Which readers of the log go through the journal's cached day-file listing (`DayFileListing`), and which list
/// `audit/` as it is now: a file system whose clock does not tick between changes shows which one a reader asked.
@Suite struct DayFileListingReadersTests {
    /// A writer, and a reader over the same registry whose listing sees `audit/` with the status it had when first
    /// looked at and keeps a listing taken `settledAfterNanoseconds` after the directory's last change.
    private func withFrozenReader(
        settledAfterNanoseconds: Int64, _ body: (AuditJournal, AuditJournal, TestClock) throws -> Void
    ) throws {
        let frozen = FrozenStatus()
        let listing = DayFileListing(
            settledAfterNanoseconds: settledAfterNanoseconds, directoryStatus: { try frozen.status(of: $0) })
        let clock = TestClock(TestClock.fixedDate)
        try withJournal(clock: clock) { writer, layout in
            try body(writer, AuditJournal(layout: layout, clock: clock.closure, listing: listing), clock)
            #expect(frozen.changesHidden > 0, "the directory's real status changed behind the frozen one")
        }
    }

    @Test func followersAndReadersSeeANewDayFileTheDirectorysTimesDoNotShow() throws {
        // Never settled (an hour): the listing is taken again on every call, as within a second of a change.
        try withFrozenReader(settledAfterNanoseconds: 3_600 * 1_000_000_000) { writer, reader, clock in
            let early = try appendSample(writer, count: 2)
            let position = try reader.endPosition()
            clock.advance(by: 86_400)  // the next events go into a new day file
            let later = try appendSample(writer, count: 2)
            #expect(try reader.events(after: position).events == later)
            #expect(try reader.endPosition() == (try writer.endPosition()))
            var batched: [AuditEvent] = []
            try reader.forEachEventInParallel(ofTypes: [.artifactRegistered, .aliasPromoted]) { batched.append($0) }
            #expect(batched == early + later)
            #expect(try allEvents(reader) == early + later)
        }
    }

    @Test func verificationAndTheExtentListTheDirectoryAsItIsNow() throws {
        // Always settled: the cached listing is kept while the frozen status is unchanged, so it misses the new file.
        try withFrozenReader(settledAfterNanoseconds: 0) { writer, reader, clock in
            try appendSample(writer, count: 2)
            let first = try #require(try reader.endPosition())
            clock.advance(by: 86_400)
            let later = try appendSample(writer, count: 1)
            #expect(try reader.endPosition() == first, "the cached listing has not seen the new day file")
            let verification = try reader.verify()
            #expect(verification.isClean && verification.fileCount == 2 && verification.eventCount == 3)
            #expect(verification.lastEvent == later.last)
            #expect(try reader.extent().map(\.name) == [first.fileName, "2026-11-24.jsonl"])
        }
    }
}
