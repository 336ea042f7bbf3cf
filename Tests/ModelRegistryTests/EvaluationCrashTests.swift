import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if DEBUG
    /// Kills a real `modelreg evaluate` with SIGKILL at each step of adding an evaluation record, then checks that
    /// recovery finishes the add from the log: one event, one file, no temporary leftovers, fsck clean.
    @Suite struct EvaluationCrashTests {
        @Test(arguments: [
            "append.afterWrite", "append.afterSync", "evaluation.afterEvent", "atomic.afterTempWrite",
            "atomic.afterRename", "evaluation.afterStateChange",
        ])
        func anEvaluationKilledAtAnyPointIsFinishedByRecovery(point: String) throws {
            try withTemporaryDirectory { temp in
                let root = temp.appendingPathComponent("registry")
                let id = try BundleFixture.registerModel("model", in: Registry.create(at: root), under: temp)
                try runKilled(
                    ["evaluate", id.description, "--metric", "accuracy=0.9", "--registry", root.path], at: point)

                let registry = try Registry.open(at: root)
                let report = try registry.recover()
                #expect(try registry.recover().isClean, "a second recovery must find nothing to do")
                #expect(try registry.fsck().isClean, "after \(report)")
                var events: [AuditEvent] = []
                try registry.journal.forEachEvent { events.append($0) }
                #expect(events.filter { $0.type == .evaluationAdded }.count == 1)
                #expect(try registry.evaluations(of: id).map(\.record.metrics) == [["accuracy": 0.9]])
                let names = try FileManager.default.contentsOfDirectory(
                    atPath: registry.layout.evaluationsPath(of: id))
                #expect(
                    names.count == 1 && names.allSatisfy { $0.hasSuffix(".json") && !$0.hasPrefix(".") }, "\(names)")
            }
        }
    }
#endif
