import Foundation
import RegistryTestSupport
import Testing

/// Runs `modelreg` with `arguments` and the crash point `point` armed (`MODELREG_CRASH_AT`, on top of
/// `environment`), and expects the process to die there: how every crash-point test starts. The child runs with
/// Swift's backtracer off (``CLIRunner/childEnvironment(_:)``), so its death does not hang the test.
///
/// - Returns: what the run produced, for checks of its own.
@discardableResult
func runKilled(
    _ arguments: [String], at point: String, environment: [String: String] = [:], in directory: URL? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> CLIRunner.Outcome {
    let outcome = try CLIRunner.run(
        arguments, environment: environment.merging(["MODELREG_CRASH_AT": point]) { $1 }, in: directory)
    #expect(
        outcome.wasKilled, "'modelreg \(arguments.first ?? "")' should die at \(point): \(outcome.stderr)",
        sourceLocation: sourceLocation)
    return outcome
}
