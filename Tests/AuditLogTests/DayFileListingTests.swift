import Foundation
import RegistryCore
import RegistryTestSupport
import Testing

@testable import AuditLog

/// `DayFileListing`: the day files of `audit/`, listed again only when the directory changed, and never stale.
@Suite struct DayFileListingTests {
    private func touch(_ directory: String, _ name: String) throws {
        try Data().write(to: URL(fileURLWithPath: directory + "/" + name))
    }

    private func days(_ files: [JournalFile]) -> [String] { files.map(\.day) }

    @Test func seesEveryAdditionAndRemovalAtOnce() throws {
        try withTemporaryDirectory { url in
            let directory = url.path
            let listing = DayFileListing()
            try touch(directory, "2026-01-01.jsonl")
            try touch(directory, "notes.txt")
            try touch(directory, "2026-1-01.jsonl")
            try touch(directory, "2026-01-0x.jsonl")
            #expect(days(try listing.files(in: directory)) == ["2026-01-01"])
            try touch(directory, "2026-01-03.jsonl")
            #expect(days(try listing.files(in: directory)) == ["2026-01-01", "2026-01-03"])
            try touch(directory, "2026-01-02.jsonl")
            #expect(days(try listing.files(in: directory)) == ["2026-01-01", "2026-01-02", "2026-01-03"])
            try FileManager.default.removeItem(atPath: directory + "/2026-01-01.jsonl")
            let files = try listing.files(in: directory)
            #expect(days(files) == ["2026-01-02", "2026-01-03"])
            #expect(files.map(\.path) == [directory + "/2026-01-02.jsonl", directory + "/2026-01-03.jsonl"])
            #expect(files == (try JournalFile.list(in: directory)))
        }
    }

    @Test func aMissingDirectoryIsNotFound() throws {
        try withTemporaryDirectory { url in
            let directory = url.path
            let error = #expect(throws: RegistryError.self) { try DayFileListing().files(in: directory + "/audit") }
            #expect(error?.code == .notFound)
        }
    }

    @Test func keepsASettledListingUntilTheDirectoryChanges() throws {
        try withTemporaryDirectory { url in
            let directory = url.path
            let listing = DayFileListing(settledAfterNanoseconds: 0)
            try touch(directory, "2026-01-01.jsonl")
            #expect(days(try listing.files(in: directory)) == ["2026-01-01"])
            // A failing `opendir` proves whether the directory is listed again.
            let token = FaultInjector.shared.inject(.opendir, errno: EIO, under: directory)
            defer { FaultInjector.shared.remove(token) }
            #expect(days(try listing.files(in: directory)) == ["2026-01-01"])
            #expect(!FaultInjector.shared.hasFired(token))
            try touch(directory, "2026-01-02.jsonl")
            #expect(throws: RegistryError.self) { try listing.files(in: directory) }
            #expect(FaultInjector.shared.hasFired(token))
        }
    }

    @Test func listsAgainWhenTheDirectoryChangedJustBeforeTheListing() throws {
        try withTemporaryDirectory { url in
            let directory = url.path
            // Within the settling time a second change can leave the directory's times as they were: not kept.
            let listing = DayFileListing(settledAfterNanoseconds: 3_600 * 1_000_000_000)
            try touch(directory, "2026-01-01.jsonl")
            #expect(days(try listing.files(in: directory)) == ["2026-01-01"])
            let token = FaultInjector.shared.inject(.opendir, errno: EIO, under: directory)
            defer { FaultInjector.shared.remove(token) }
            #expect(throws: RegistryError.self) { try listing.files(in: directory) }
        }
    }

    @Test func dayNumbersSortAsTheNamesDo() throws {
        let names = ["2026-01-01.jsonl", "2025-12-31.jsonl", "0001-02-03.jsonl", "9999-12-31.jsonl"]
        let numbers = names.compactMap { name in
            var name = name
            return name.withUTF8 { JournalFile.dayNumber(ofName: $0) }
        }
        #expect(numbers.count == names.count)
        let days = numbers.sorted().map { JournalFile(dayNumber: $0, directory: "/d").day }
        #expect(days == names.sorted().map { String($0.prefix(10)) })
    }
}
