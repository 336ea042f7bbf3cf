import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Lifecycle states: the closed set of states, the allowed moves, no-op changes, and recovery of state files.
@Suite struct LifecycleTests {
    /// Runs `body` with a registry (fixed clock) holding one registered artifact.
    private func withArtifact(_ body: (Registry, ArtifactID) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"),
                configuration: .init(actor: "tester", clock: { Date(timeIntervalSince1970: 1_795_441_020) }))
            let bundle = try BundleFixture.write(
                ["weights.bin": [1, 2, 3, 4]], to: temp.appendingPathComponent("bundle"))
            let id = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m")).artifact.id
            try body(registry, id)
        }
    }

    /// The `state_changed` events of the log, in order.
    private func stateEvents(_ registry: Registry) throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        try registry.journal.forEachEvent { if $0.type == .stateChanged { events.append($0) } }
        return events
    }

    /// Replaces a state file with `bytes`, the way a damaged disk or a person would (the file is 0444).
    private func overwrite(_ path: String, with bytes: [UInt8]) throws {
        let manager = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        try manager.removeItem(atPath: path)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func stateNamesOutsideTheLifecycleAreNotStates() {
        #expect(LifecycleState(rawValue: "staging") == nil)
        #expect(LifecycleState(rawValue: "production") == .production)
        #expect(registryErrorCode { try LifecycleState(parsing: "staging") } == .invalidArgument)
    }

    @Test func registeredIsOnlyAStartingState() throws {
        try withArtifact { registry, id in
            try registry.setState(id, to: .candidate)
            let error = try #require(throws: RegistryError.self) { try registry.setState(id, to: .registered) }
            #expect(error.code == .invalidTransition)
            #expect(error.message.contains(id.description))
            #expect(try registry.state(of: id) == .candidate)
        }
    }

    @Test func revokedIsFinal() throws {
        try withArtifact { registry, id in
            try registry.setState(id, to: .revoked, reason: "trained on leaked data")
            for next in [LifecycleState.validated, .candidate, .production, .deprecated, .registered] {
                let error = try #require(throws: RegistryError.self) { try registry.setState(id, to: next) }
                #expect(error.code == .invalidTransition)
                #expect(error.message.contains(id.description) && error.message.contains("revoked"))
            }
            #expect(try registry.state(of: id) == .revoked)
            #expect(try stateEvents(registry).count == 1)
        }
    }

    @Test func settingTheCurrentStateAgainChangesNothing() throws {
        try withArtifact { registry, id in
            let first = try registry.setState(id, to: .production)
            #expect(first?.type == .stateChanged)
            let second = try registry.setState(id, to: .production)
            #expect(second == nil)
            #expect(try stateEvents(registry).count == 1)
            #expect(try registry.state(of: id) == .production)
        }
    }

    @Test func aDamagedStateFileIsReportedByNameAndRecoveryRewritesItFromTheLog() throws {
        try withArtifact { registry, id in
            try registry.setState(id, to: .candidate, reason: "ready for review")
            let path = registry.layout.statePath(of: id)
            try overwrite(path, with: Array("{not json".utf8))

            let error = try #require(throws: RegistryError.self) { try registry.state(of: id) }
            #expect(error.code == .invalidJSON || error.code == .invalidDocument)
            #expect(error.message.contains(path))
            let verification = try registry.verify(id, depth: .quick)
            #expect(verification.findings.map(\.kind) == [.badStateFile], "\(verification)")
            #expect(verification.findings.first?.path == "states/\(id).json")

            let report = try registry.recover()
            #expect(report.repaired.map(\.path) == ["states/\(id).json"])
            #expect(try registry.verify(id, depth: .quick).isClean)
            #expect(try registry.state(of: id) == .candidate)
            #expect(try registry.states.record(id)?.reason == "ready for review")
            #expect(try registry.recover().isClean)
        }
    }

    @Test func aStateFileNamingAnotherStateThanItsLogIsRestoredByRecovery() throws {
        try withArtifact { registry, id in
            try registry.setState(id, to: .validated)
            let path = registry.layout.statePath(of: id)
            var text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            text = text.replacingOccurrences(of: "\"validated\"", with: "\"staging\"")
            try overwrite(path, with: Array(text.utf8))

            let error = try #require(throws: RegistryError.self) { try registry.state(of: id) }
            #expect(error.code == .invalidDocument)
            #expect(error.message.contains(path) && error.message.contains("staging"))
            #expect(try registry.recover().repaired.map(\.path) == ["states/\(id).json"])
            #expect(try registry.state(of: id) == .validated)
        }
    }

    // MARK: 4. Events recovery appends

    @Test func aStateFileWrittenWithoutAnEventIsRestoredFromTheLogNotLogged() throws {
        try withArtifact { registry, id in
            try registry.setState(id, to: .deprecated, reason: "superseded")
            // A state file nobody's event accounts for (tampering, or a tool writing files by hand).
            let forged = StateRecord(
                artifact: id, state: .production, changedAt: "2026-11-24T08:00:00.000Z", actor: "mallory",
                reason: "promote me")
            try registry.states.write(forged)

            let report = try registry.recover()
            #expect(report.appendedEvents.isEmpty)
            #expect(report.repaired.map(\.kind) == [.viewDiffersFromLog])
            #expect(report.completed.isEmpty)
            #expect(try registry.state(of: id) == .deprecated)
            #expect(try registry.states.record(id)?.reason == "superseded")
            #expect(try stateEvents(registry).count == 1)
            #expect(try registry.recover().isClean)
        }
    }

    @Test func aStateChangeKilledAfterItsEventIsCompletedFromTheEvent() throws {
        try withArtifact { registry, id in
            try registry.setState(id, to: .deprecated, reason: "superseded")
            try runKilled(
                [
                    "state", "set", id.description, "revoked", "--reason", "license withdrawn", "--registry",
                    registry.layout.rootPath,
                ], at: "state.afterEvent")
            let report = try registry.recover()
            #expect(report.completed.map(\.path) == ["states/\(id).json"] && report.repaired.isEmpty)
            #expect(try registry.state(of: id) == .revoked)
            let payload = try #require(try stateEvents(registry).last?.decode(StateChanged.self))
            #expect(payload.previousState == .deprecated && payload.record.reason == "license withdrawn")
            #expect(try registry.recover().isClean)
        }
    }
}

#if DEBUG
    /// A state change whose file cannot be written fails with a code that says why, and changes nothing.
    @Suite struct LifecycleWriteErrorTests {
        @Test(arguments: [
            (EACCES, RegistryError.Code.permissionDenied), (ENOSPC, .noSpace), (EROFS, .readOnlyFileSystem),
        ])
        func aStateFileThatCannotBeWrittenFailsWithACodeThatSaysWhy(errno: Int32, code: RegistryError.Code) throws {
            try withTemporaryDirectory { temp in
                let registry = try Registry.create(at: temp.appendingPathComponent("registry"))
                let bundle = try BundleFixture.write(["weights.bin": [9]], to: temp.appendingPathComponent("bundle"))
                let id = try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "m")).artifact.id
                let token = FaultInjector.shared.inject(.open, errno: errno, under: registry.layout.statesPath + "/")
                defer { FaultInjector.shared.remove(token) }

                let error = try #require(throws: RegistryError.self) { try registry.setState(id, to: .production) }
                FaultInjector.shared.remove(token)
                #expect(error.code == code)
                #expect(error.message.contains(registry.layout.statesPath))
                // The event comes first, so the change is recorded and says so; recovery writes its file.
                #expect(error.message.contains("recorded as audit event"))
                // The file is not written, but the read path agrees with the log (#14).
                #expect(try registry.states.record(id) == nil)
                #expect(try registry.state(of: id) == .production)
                var changes = 0
                try registry.journal.forEachEvent { if $0.type == .stateChanged { changes += 1 } }
                #expect(changes == 1)
                #expect(try registry.recover().completed.map(\.path) == ["states/\(id).json"])
                #expect(try registry.state(of: id) == .production)
            }
        }
    }
#endif
