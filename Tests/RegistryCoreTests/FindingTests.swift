import RegistryCore
import Testing

extension Finding.Kind {
    fileprivate static let exampleProblem: Self = "example_problem"
}

@Suite struct FindingTests {
    @Test func aKindLiteralIsTheKindWithThatName() {
        let kind: Finding.Kind = "example_problem"
        #expect(kind == .exampleProblem && kind == Finding.Kind("example_problem"))
        #expect(kind.name == "example_problem" && kind.description == "example_problem")
        #expect(kind != "other_problem")
    }

    @Test func descriptionShowsKindLocationAndMessage() {
        #expect(
            Finding(.exampleProblem, path: "weights.bin", "is wrong").description
                == "example_problem: weights.bin: is wrong")
        #expect(
            Finding(.exampleProblem, path: "audit/2026-11-23.jsonl", line: 12, "is wrong").description
                == "example_problem: audit/2026-11-23.jsonl:12: is wrong")
        #expect(Finding(.exampleProblem, "is wrong").description == "example_problem: is wrong")
    }

    @Test func locationIsEmptyWithoutAPath() {
        let finding = Finding(.exampleProblem, line: 3, "is wrong")
        #expect(finding.path.isEmpty && finding.location.isEmpty)
        #expect(Finding(.exampleProblem, path: "a", line: 3, "x").location == "a:3")
        #expect(Finding(.exampleProblem, path: "a", "x").location == "a")
    }

    @Test func findingsCompareByEveryField() {
        let finding = Finding(.exampleProblem, path: "a", line: 1, "x")
        #expect(finding == Finding("example_problem", path: "a", line: 1, "x"))
        #expect(finding != Finding(.exampleProblem, path: "a", line: 2, "x"))
        #expect(Set([finding, finding]).count == 1)
    }
}
