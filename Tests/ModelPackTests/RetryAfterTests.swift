import Foundation
import RegistryCore
import Testing

@testable import ModelPack

/// `Retry-After` on a 429 or 503 (FORMAT.md §15.8): seconds or an HTTP date, waited instead of the backoff, never
/// longer than `Settings.maximumRetryAfter`; anything else falls back to the backoff.
@Suite struct RetryAfterTests {
    private func client(maximum: Duration = .seconds(30)) throws -> DistributionClient {
        var settings = DistributionClient.Settings()
        settings.retryDelay = .milliseconds(200)
        settings.maximumRetryAfter = maximum
        return try DistributionClient(
            repository: OCIReference(parsing: "http://127.0.0.1:1/team/model"), credentials: .some(nil),
            settings: settings)
    }

    private func answer(_ status: Int, _ retryAfter: String?) -> HTTPExchange.Response {
        HTTPExchange.Response(
            status: status, headers: retryAfter.map { ["retry-after": $0] } ?? [:], body: [], url: nil)
    }

    @Test func secondsAreWaitedUpToTheBound() throws {
        let client = try client()
        #expect(client.retryWait(1, response: answer(429, "7")) == 7)
        #expect(client.retryWait(1, response: answer(503, " 2 ")) == 2)
        #expect(client.retryWait(1, response: answer(429, "3600")) == 30, "bounded")
        #expect(try self.client(maximum: .milliseconds(50)).retryWait(1, response: answer(429, "3600")) == 0.05)
    }

    @Test func anHTTPDateIsTheTimeUntilThen() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)  // Fri, 15 Jan 2027 08:00:00 GMT
        #expect(DistributionClient.retryAfter("Fri, 15 Jan 2027 08:00:12 GMT", now: now) == 12)
        #expect(DistributionClient.retryAfter("Fri, 15 Jan 2027 07:00:00 GMT", now: now) == 0, "a past date: now")
    }

    @Test func otherAnswersAndMalformedValuesUseTheBackoff() throws {
        let client = try client()
        #expect(client.retryWait(1, response: answer(429, "soon")) == 0.2)
        #expect(client.retryWait(2, response: answer(429, "-5")) == 0.4)
        #expect(client.retryWait(1, response: answer(500, "7")) == 0.2, "only 429 and 503 carry Retry-After")
        #expect(client.retryWait(3, response: nil) == 0.8)
        #expect(DistributionClient.retryAfter("", now: Date()) == nil)
    }
}
