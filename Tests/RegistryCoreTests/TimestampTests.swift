import Foundation
import RegistryCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"), (1_795_441_020.123, "2026-11-23T13:37:00.123Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500Z"), (-1.0, "1969-12-31T23:59:59.000Z"),
        (4_102_444_799.999, "2099-12-31T23:59:59.999Z"),
    ])
    func formatsUTCWithMilliseconds(seconds: Double, expected: String) {
        #expect(Timestamp.format(Date(timeIntervalSince1970: seconds)) == expected)
        #expect(Timestamp.parse(expected).flatMap { Timestamp.format($0) } == expected)
    }

    @Test func parsesOffsetsAndRefusesGarbage() {
        #expect(Timestamp.parse("2026-11-23T14:37:00+01:00") == Date(timeIntervalSince1970: 1_795_441_020))
        for bad in [
            "", "2026-11-23", "2026-13-01T00:00:00Z", "2026-11-23T13:37:00", "2026-11-23 13:37:00Z",
            "2026-11-23T13:37:00.Z",
        ] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: 0..<64)
    func formattingMatchesFoundationsCalendar(seed: Int) {
        let date = Date(timeIntervalSince1970: Double(seed) * 48_611_111.037)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let expected = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!,
            parts.second!)
        #expect(Timestamp.format(date)?.hasPrefix(expected) == true)
    }
}
