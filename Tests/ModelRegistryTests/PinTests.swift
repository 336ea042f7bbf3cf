import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Issue #11, pins: `pins/<id>.json` is a view of the log (`artifact_pinned` / `artifact_unpinned`), checked by
/// fsck, restored by recovery, and refused when hostile.
@Suite struct PinTests {
    private func withOne(_ body: (Registry, ArtifactID, URL) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
            let a = try BundleFixture.registerModel("a", in: registry, under: temp)
            try body(registry, a, temp)
        }
    }

    @Test func pinAndUnpinAreRecordedOnceAndTheFileIsTheirView() throws {
        try withOne { registry, a, _ in
            let pinned = try #require(try registry.pin(a, reason: "cited in the paper", actor: "ana"))
            #expect(pinned.type == .artifactPinned)
            let record = try #require(try registry.pinRecord(of: a))
            #expect(record.actor == "ana" && record.reason == "cited in the paper" && record.artifact == a)
            #expect(try pinned.decode(ArtifactPinChanged.self)?.record == record)
            #expect(try registry.pin(a) == nil, "pinning again changes nothing")
            #expect(try registry.fsck().isClean)
            let unpinned = try #require(try registry.unpin(a, reason: "retracted"))
            #expect(unpinned.type == .artifactUnpinned)
            #expect(try unpinned.decode(ArtifactPinChanged.self)?.reason == "retracted")
            #expect(try registry.pinRecord(of: a) == nil)
            #expect(try registry.unpin(a) == nil, "unpinning an unpinned artifact changes nothing")
            #expect(try registry.fsck().isClean)
        }
    }

    @Test func pinningAnUnknownArtifactIsNotFoundAndWritesNothing() throws {
        try withOne { registry, _, _ in
            let unknown = try #require(ArtifactID("sha256-" + String(repeating: "ab", count: 32)))
            #expect(try #require(throws: RegistryError.self) { try registry.pin(unknown) }.code == .notFound)
            #expect(!FileManager.default.fileExists(atPath: registry.layout.pinsPath))
        }
    }

    @Test func aDamagedPinFileIsReportedRestoredFromTheLogAndStillKeeps() throws {
        try withOne { registry, a, temp in
            try registry.pin(a, reason: "keep")
            // A later change, so the damage is not the last change's file (which the next write completes).
            _ = try BundleFixture.registerModel("b", in: registry, under: temp)
            let path = registry.layout.pinPath(of: a)
            chmod(path, 0o644)
            try Data("{\"artifact\":".utf8).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: RegistryError.self) { try registry.unpin(a) }
            #expect(error.code == .invalidJSON && error.message.contains("pins/"), "\(error.message)")
            #expect(try registry.fsck().findings.map(\.kind) == [.damagedView])
            let plan = try registry.collectGarbage(.init(gracePeriod: .zero, dryRun: true))
            #expect(plan.decision(for: a)?.verdict == .keep, "a damaged pin still pins")
            #expect(!plan.problems.isEmpty)
            let report = try registry.recover()
            #expect(report.repaired.map(\.path) == ["pins/\(a).json"], "\(report)")
            #expect(try registry.pinRecord(of: a)?.reason == "keep")
            #expect(try registry.fsck().isClean)
        }
    }

    @Test func aPinFileTheLogDoesNotAccountForIsReportedAndRemovedByRecovery() throws {
        try withOne { registry, a, _ in
            try FileManager.default.createDirectory(atPath: registry.layout.pinsPath, withIntermediateDirectories: true)
            let forged = PinRecord(artifact: a, pinnedAt: "2026-01-01T00:00:00.000Z", actor: "mallory", reason: nil)
            try Data(forged.fileBytes()).write(to: URL(fileURLWithPath: registry.layout.pinPath(of: a)))
            #expect(try registry.fsck().findings.map(\.kind) == [.viewNotInLog])
            _ = try registry.recover()
            #expect(try registry.pinRecord(of: a) == nil)
            #expect(try registry.fsck().isClean)
        }
    }

    @Test func aSymlinkedPinsDirectoryIsRefusedBeforeAnythingIsLogged() throws {
        try withOne { registry, a, temp in
            let outside = temp.appendingPathComponent("outside")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: registry.layout.pinsPath, withDestinationPath: outside.path)
            var count = 0
            try registry.journal.forEachEvent { _ in count += 1 }
            let error = try #require(throws: RegistryError.self) { try registry.pin(a) }
            #expect(error.code == .symlinkRefused)
            var after = 0
            try registry.journal.forEachEvent { _ in after += 1 }
            #expect(after == count)
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        }
    }
}
