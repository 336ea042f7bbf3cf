import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// `--parallel N` of `modelreg pull` and `push`: how many blobs move at once. It sets
/// `OCITransferOptions.settings.maximumParallelTransfers` and `maximumParallelDownloads`, so a pull can download
/// more than the default 2 blobs at once (docs/CLI.md). Checked where the option lands: the blob `GET`s the fake
/// registry sees running at once.
@Suite struct TransferParallelCLITests {
    @Test(arguments: ["0", "65", "two"], ["pull", "push"])
    func aParallelOutsideOneToSixtyFourIsAUsageErrorNamingIt(value: String, command: String) throws {
        try withTemporaryDirectory { temp in
            let reference = "http://127.0.0.1:9/test/model:champion"
            let positionals = command == "pull" ? [reference] : ["champion", reference]
            let outcome = try CLIRunner.run(
                [command] + positionals + ["--parallel", value, "--registry", temp.path],
                environment: ["HOME": temp.path])
            #expect(outcome.status == 64, "\(outcome.stderr)")
            #expect(
                outcome.stderr.contains("--parallel '\(value)' must be a number of blobs from 1 to 64"),
                "\(outcome.stderr)")
        }
    }

    @Test func theHelpOfPullAndPushShowsTheOption() throws {
        for command in ["pull", "push"] {
            let outcome = try CLIRunner.run(["help", command])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout.contains("[--parallel N]"), "\(command): \(outcome.stdout)")
        }
    }

    /// `--parallel 1` downloads one blob at a time; `--parallel 4` more than the default 2 at once (which only
    /// `maximumParallelDownloads` allows) and never more than 4.
    @Test(
        .enabled(if: FakeDistributionServer.python != nil, "needs python3 for the fake registry"), arguments: [1, 4])
    func pullParallelSetsHowManyBlobsDownloadAtOnce(parallel: Int) throws {
        try withTemporaryDirectory { temp in
            let source = try OCILayoutFixture(temp: temp)
            let (_, server) = try source.serve("slow-blobs")
            defer { server.stop() }
            let target = try source.freshRegistry()
            let outcome = try CLIRunner.run(
                [
                    "pull", try server.reference().description, "--parallel", "\(parallel)", "--json", "--registry",
                    target.layout.rootPath,
                ], environment: ["HOME": temp.path])  // no credentials from the developer's ~/.docker
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
            #expect(report?["id"] as? String == source.id.description, "\(outcome.stdout)")
            let downloaded = report?["downloadedBlobs"] as? Int ?? 0
            #expect(downloaded >= 4, "enough blobs to run in parallel: \(downloaded)")
            let concurrency = server.concurrentBlobRequests()
            #expect(concurrency.max() ?? 0 <= parallel, "\(concurrency)")
            if parallel > 2 {
                #expect(concurrency.max() ?? 0 > 2, "no more than the default 2 downloads ran at once: \(concurrency)")
            }
        }
    }
}
