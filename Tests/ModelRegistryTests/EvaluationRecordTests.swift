import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Detached evaluation records: the file format, the write path, trust, recovery and fsck.
@Suite struct EvaluationRecordTests {
    static let evaluator = FakeSigner(name: "evaluator")
    static let stranger = FakeSigner(name: "stranger")

    /// A registry trusting `evaluator`, with one registered model.
    private func withModel(_ body: (Registry, ArtifactID) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"),
                configuration: .init(trust: TrustStore(verifiers: [Self.evaluator])))
            let id = try BundleFixture.registerModel("model", in: registry, under: temp)
            try body(registry, id)
        }
    }

    private static let draft = EvaluationRecord.Draft(
        evaluator: "harness", metrics: ["accuracy": 0.93, "val_loss": 0.25],
        dataset: .init(
            name: "documents-v3", digest: Digest(algorithm: "sha256", bytes: .init(repeating: 3, count: 32)),
            split: "test"),
        evaluatedAt: "2026-11-27T08:00:00.000Z", notes: "rerun")

    private func tamper(_ path: String, _ edit: (inout String) -> Void) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        edit(&text)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    // MARK: The file

    @Test func aRecordRoundTripsThroughItsFileBytes() throws {
        let id = ArtifactID(digest: Digest(algorithm: "sha256", bytes: .init(repeating: 1, count: 32)))
        var record = try EvaluationRecord(
            artifact: id, evaluator: "harness", metrics: ["accuracy": 0.5], evaluatedAt: "2026-11-27T08:00:00.000Z",
            dataset: .init(name: "d", split: "test"), notes: "n")
        record.signature = try Self.evaluator.signature(for: record.signedBytes())
        let parsed = try EvaluationRecord(fileBytes: record.fileBytes(), source: "r.json")
        #expect(parsed == record)
        #expect(parsed.fileBytes() == record.fileBytes())
        #expect(!String(decoding: record.signedBytes(), as: UTF8.self).contains("signature"))
        #expect(record.fileName.count == 16 + 5 && record.fileName.hasSuffix(".json"))
    }

    @Test(arguments: [
        (
            #"{"artifact":"ID","evaluatedAt":"2026-11-27T08:00:00.000Z","evaluator":"h","extra":1,"metrics":{"a":1},"schemaVersion":1}"#,
            "extra"
        ),
        (
            #"{"artifact":"ID","evaluatedAt":"2026-11-27T08:00:00.000Z","evaluator":"h","metrics":{},"schemaVersion":1}"#,
            "metrics"
        ),
        (
            #"{"artifact":"ID","evaluatedAt":"yesterday","evaluator":"h","metrics":{"a":1},"schemaVersion":1}"#,
            "evaluatedAt"
        ),
        (
            #"{"artifact":"ID","evaluatedAt":"2026-11-27T08:00:00.000Z","evaluator":"h","metrics":{"a":"x"},"schemaVersion":1}"#,
            "metrics.a"
        ),
        (
            #"{"artifact":"ID","dataset":{"name":"d","size":3},"evaluatedAt":"2026-11-27T08:00:00.000Z","evaluator":"h","metrics":{"a":1},"schemaVersion":1}"#,
            "size"
        ),
        (
            #"{"artifact":"ID","evaluatedAt":"2026-11-27T08:00:00.000Z","evaluator":"h","metrics":{"a":1},"schemaVersion":2}"#,
            "schemaVersion"
        ),
        (
            #"{"artifact":"nope","evaluatedAt":"2026-11-27T08:00:00.000Z","evaluator":"h","metrics":{"a":1},"schemaVersion":1}"#,
            "artifact"
        ),
        (
            #"{"artifact":"ID","evaluatedAt":"2026-11-27T08:00:00.000Z","evaluator":"h","evaluator":"i","metrics":{"a":1},"schemaVersion":1}"#,
            "evaluator"
        ),
    ])
    func aMalformedRecordIsRefusedNamingTheFileAndField(_ text: String, _ field: String) throws {
        let id = ArtifactID(digest: Digest(algorithm: "sha256", bytes: .init(repeating: 1, count: 32)))
        let bytes = Array(text.replacingOccurrences(of: "\"ID\"", with: "\"\(id)\"").utf8) + [0x0A]
        do {
            _ = try EvaluationRecord(fileBytes: bytes, source: "evaluations/x/r.json")
            Issue.record("accepted \(text)")
        } catch let error as RegistryError {
            #expect(error.code == .invalidDocument || error.code == .invalidJSON)
            #expect(error.message.contains("evaluations/x/r.json"), "\(error.message)")
            #expect(error.message.contains(field), "\(error.message)")
        }
    }

    @Test func aDraftWithoutMetricsOrWithANonFiniteOneIsRefused() throws {
        try withModel { registry, id in
            #expect(
                registryErrorCode { try registry.addEvaluation(.init(evaluator: "h", metrics: [:]), to: id) }
                    == .invalidArgument)
            #expect(
                registryErrorCode {
                    try registry.addEvaluation(.init(evaluator: "h", metrics: ["a": .nan]), to: id)
                } == .invalidArgument)
            let unknown = ArtifactID(digest: Digest(algorithm: "sha256", bytes: .init(repeating: 9, count: 32)))
            #expect(registryErrorCode { try registry.addEvaluation(Self.draft, to: unknown) } == .notFound)
            let last = try registry.journal.lastEvent()
            #expect(last?.type == .artifactRegistered, "nothing was written")
        }
    }

    // MARK: The write path

    @Test func addingRecordsTheEventAndTheFileAndTheSameRecordAgainIsANoOp() throws {
        try withModel { registry, id in
            let record = try registry.addEvaluation(Self.draft, to: id, signedBy: Self.evaluator)
            let event = try #require(try registry.journal.lastEvent())
            #expect(event.type == .evaluationAdded)
            #expect(try event.decode(EvaluationAdded.self)?.record == record)
            let path = registry.layout.evaluationPath(of: id, name: record.fileName)
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == record.fileBytes())

            try registry.addEvaluation(Self.draft, to: id, signedBy: Self.evaluator)
            #expect(try registry.journal.lastEvent()?.sequence == event.sequence, "same record: no new event")
            #expect(try registry.evaluations(of: id).count == 1)
        }
    }

    @Test func eachRecordSaysWhatItsSignatureProves() throws {
        try withModel { registry, id in
            var draft = Self.draft
            try registry.addEvaluation(draft, to: id)
            draft.evaluatedAt = "2026-11-27T09:00:00.000Z"
            try registry.addEvaluation(draft, to: id, signedBy: Self.evaluator)
            draft.evaluatedAt = "2026-11-27T10:00:00.000Z"
            try registry.addEvaluation(draft, to: id, signedBy: Self.stranger)
            let statuses = try registry.evaluations(of: id).map(\.status)
            #expect(statuses == [.unsigned, .trusted, .untrustedKey])

            // A record changed after signing, under a trusted key: invalid.
            var forged = try registry.evaluations(of: id)[1].record
            forged.metrics["accuracy"] = 0.99
            #expect(CheckedEvaluation(forged, trust: registry.configuration.trust).status == .invalid)
        }
    }

    @Test func theAsyncTwinsAddAndList() async throws {
        try await withTemporaryDirectory { temp in
            let registry = try await Registry.create(at: temp.appendingPathComponent("registry"))
            let id = try BundleFixture.registerModel("model", in: registry, under: temp)
            try await registry.addEvaluation(Self.draft, to: id)
            #expect(try await registry.evaluations(of: id).map(\.record.metrics) == [Self.draft.metrics])
        }
    }

    // MARK: Recovery and fsck

    @Test func recoveryRestoresADeletedRecordFromTheLog() throws {
        try withModel { registry, id in
            let record = try registry.addEvaluation(Self.draft, to: id, signedBy: Self.evaluator)
            var later = Self.draft
            later.evaluatedAt = "2026-11-27T09:00:00.000Z"
            try registry.addEvaluation(later, to: id)  // the deleted record is not the newest change
            let path = registry.layout.evaluationPath(of: id, name: record.fileName)
            try FileManager.default.removeItem(atPath: path)
            #expect(try registry.fsck().findings.map(\.kind) == [.viewMissing])
            let report = try registry.recover()
            #expect(report.repaired.map(\.kind) == [.viewMissing])
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == record.fileBytes())
            #expect(try registry.fsck().isClean)
        }
    }

    @Test func aTamperedRecordIsReportedAndRestoredNeverLogged() throws {
        try withModel { registry, id in
            let record = try registry.addEvaluation(Self.draft, to: id, signedBy: Self.evaluator)
            let path = registry.layout.evaluationPath(of: id, name: record.fileName)
            let events = try registry.journal.lastEvent()?.sequence
            try tamper(path) { $0 = $0.replacingOccurrences(of: "0.93", with: "0.99") }
            let findings = try registry.fsck().findings
            #expect(findings.map(\.kind) == [.damagedView])
            #expect(findings.first?.path == registry.layout.relativePath(path))
            #expect(try registry.evaluations(of: id).isEmpty, "a damaged record is never shown as an evaluation")
            let report = try registry.recover()
            #expect(report.repaired.count == 1)
            #expect(try registry.journal.lastEvent()?.sequence == events, "the tampered record was not logged")
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == record.fileBytes())
        }
    }

    @Test func anUnloggedRecordIsReportedAndRemoved() throws {
        try withModel { registry, id in
            let record = try EvaluationRecord(
                artifact: id, evaluator: "intruder", metrics: ["accuracy": 1], evaluatedAt: "2026-11-27T08:00:00.000Z")
            let directory = registry.layout.evaluationsPath(of: id)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = registry.layout.evaluationPath(of: id, name: record.fileName)
            try Data(record.fileBytes()).write(to: URL(fileURLWithPath: path))
            #expect(try registry.fsck().findings.map(\.kind) == [.viewNotInLog])
            let report = try registry.recover()
            #expect(report.repaired.map(\.kind) == [.viewNotInLog])
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(try registry.fsck().isClean)
        }
    }

    @Test func aRecordOfAnArtifactThatIsNotThereIsReportedAndRemoved() throws {
        try withModel { registry, _ in
            let ghost = ArtifactID(digest: Digest(algorithm: "sha256", bytes: .init(repeating: 7, count: 32)))
            let record = try EvaluationRecord(
                artifact: ghost, evaluator: "intruder", metrics: ["accuracy": 1],
                evaluatedAt: "2026-11-27T08:00:00.000Z")
            let directory = registry.layout.evaluationsPath(of: ghost)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = registry.layout.evaluationPath(of: ghost, name: record.fileName)
            try Data(record.fileBytes()).write(to: URL(fileURLWithPath: path))
            let findings = try registry.fsck().findings
            #expect(findings.map(\.kind) == [.viewNotInLog])
            #expect(findings.first?.path == registry.layout.relativePath(path))
            #expect(try registry.recover().repaired.count == 1)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func recoveryFinishesAnAddKilledAfterItsEvent() throws {
        try withModel { registry, id in
            // The state a crash between the event and the file leaves: the event is the log's last, no file.
            let record = try registry.addEvaluation(Self.draft, to: id, signedBy: Self.evaluator)
            let path = registry.layout.evaluationPath(of: id, name: record.fileName)
            try FileManager.default.removeItem(atPath: path)
            let report = try registry.recover()
            #expect(report.completed.map(\.kind) == [.viewMissing])
            #expect(report.repaired.isEmpty)
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }
}
