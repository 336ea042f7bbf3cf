import Foundation
import RegistryTestSupport
import Testing

@testable import RegistryCore

/// `MappedFile`: a whole file mapped read-only; pages let go of stay readable.
@Suite struct MappedFileTests {
    @Test func bytesStayReadableAfterTheirPagesLeaveTheResidentSet() throws {
        try withTemporaryDirectory { directory in
            let path = directory.path + "/file"
            let content = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try Data(content).write(to: URL(fileURLWithPath: path))
            let file = try #require(try MappedFile.map(path))
            #expect(Array(file.bytes) == content)
            file.releaseResidentPages(5_000..<250_000)  // not page-aligned: the first page is let go too
            file.releaseResidentPages(0..<0)
            file.releaseResidentPages(299_000..<400_000)  // past the end: nothing
            #expect(Array(file.bytes) == content)
            #expect(try MappedFile.map(directory.path + "/absent") == nil)
        }
    }
}
