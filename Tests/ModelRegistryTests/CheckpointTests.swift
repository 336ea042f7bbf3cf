import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Signed checkpoints anchor the audit log's tail: dropping, editing or re-chaining events they cover is found.
@Suite struct CheckpointTests {
    static let logKey = try! Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 32))
    static let otherKey = try! Ed25519PrivateKey(seed: [UInt8](repeating: 2, count: 32))

    /// A registry trusting `trusted`, with a fixed clock (all events in one day file) and `models` artifacts.
    static func withRegistry(
        trusted: [Ed25519PublicKey] = [logKey.publicKey], models: Int = 3,
        _ body: (Registry, URL) throws -> Void
    ) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"),
                configuration: .init(
                    clock: { Date(timeIntervalSince1970: 1_795_000_000) }, trust: TrustStore(verifiers: trusted)))
            for index in 0..<models { _ = try BundleFixture.registerModel("m\(index)", in: registry, under: temp) }
            try body(registry, temp)
        }
    }

    static func events(_ registry: Registry) throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        try registry.journal.forEachEvent { events.append($0) }
        return events
    }

    /// Writes `events` as the whole log, re-chained: each `previousHash` is the hash of the line before, so the
    /// log verifies as clean.
    static func rewriteLog(_ registry: Registry, _ events: [AuditEvent]) throws {
        let directory = registry.layout.auditPath
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }
        #expect(files.count == 1)
        var previous = AuditEvent.genesisHash
        var text: [UInt8] = []
        for (index, event) in events.enumerated() {
            let chained = AuditEvent(
                sequence: Int64(index + 1), time: event.time, actor: event.actor, type: event.type,
                payload: event.payload.objectValue ?? [:], previousHash: previous)
            text += chained.encodedLine + [0x0A]
            previous = chained.hash
        }
        let path = directory + "/" + files[0]
        try? FileManager.default.removeItem(atPath: path)
        try Data(text).write(to: URL(fileURLWithPath: path))
    }

    static func kinds(_ report: Registry.IntegrityReport) -> Set<String> {
        Set(report.findings.map(\.kind.name))
    }

    @Test func aConfiguredKeyAnchorsEveryWriteAndKeepsOnlyTheNewestAutomaticCheckpoint() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"),
                configuration: .init(
                    trust: TrustStore(verifiers: [Self.logKey.publicKey, Self.otherKey.publicKey]),
                    checkpointKey: Self.logKey))
            let first = try BundleFixture.registerModel("a", in: registry, under: temp)
            try registry.writeCheckpoint(signedBy: Self.otherKey)  // a witness's own note stays
            let second = try BundleFixture.registerModel("b", in: registry, under: temp)
            try registry.promote("champion", to: first)
            try registry.promote("champion", to: second)
            let events = try Self.events(registry)
            let stored = try registry.checkpoints()
            #expect(stored.map(\.size) == [1, Int64(events.count)], "\(stored.map(\.size))")
            #expect(stored.last?.headHash == events.last?.hash)
            let report = try registry.fsck(depth: .trust)
            #expect(report.isClean, "\(report)")
            #expect(report.unanchoredEvents == 0)
        }
    }

    @Test func anAutomaticCheckpointNeverPrunesANoteTheLogNoLongerMatches() throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"),
                configuration: .init(
                    clock: { Date(timeIntervalSince1970: 1_795_000_000) },
                    trust: TrustStore(verifiers: [Self.logKey.publicKey]), checkpointKey: Self.logKey))
            let first = try BundleFixture.registerModel("a", in: registry, under: temp)
            _ = try BundleFixture.registerModel("b", in: registry, under: temp)
            #expect(try registry.checkpoints().map(\.size) == [2])
            // Rewrite event 2 and re-chain: the note for size 2 no longer matches the log.
            var events = try Self.events(registry)
            events[1] = AuditEvent(
                sequence: 2, time: events[1].time, actor: "mallory", type: events[1].type,
                payload: events[1].payload.objectValue ?? [:], previousHash: events[1].previousHash)
            try Self.rewriteLog(registry, events)
            // The next write signs the forged head, but must keep the note that shows the rewrite.
            try registry.promote("champion", to: first)
            #expect(try registry.checkpoints().map(\.size) == [2, 3])
            #expect(Self.kinds(try registry.fsck(depth: .trust)).contains("checkpoint_mismatch"))
        }
    }

    @Test func aWrittenCheckpointIsStoredReadBackAndClean() throws {
        try Self.withRegistry { registry, _ in
            let events = try Self.events(registry)
            let checkpoint = try registry.writeCheckpoint(signedBy: Self.logKey)
            #expect(checkpoint.size == 3)
            #expect(checkpoint.headHash == events.last?.hash)
            #expect(checkpoint.time == "2026-11-18T11:06:40.000Z")
            #expect(checkpoint.origin.hasPrefix("modelregistry/hashchain/"))
            #expect(checkpoint.verify(against: [Self.logKey.publicKey]).isTrusted)

            let path = registry.layout.checkpointPath(size: 3)
            #expect(path.hasSuffix("/checkpoints/3.note"))
            #expect(try String(contentsOfFile: path, encoding: .utf8) == checkpoint.note)
            #expect(try registry.checkpoints() == [checkpoint])

            let report = try registry.fsck()
            #expect(report.isClean, "\(report)")
            #expect(report.unanchoredEvents == 0)
            #expect(try registry.checkLog().newestTrustedSize == 3)
            // Writing a checkpoint is not an event.
            #expect(try Self.events(registry).count == 3)
        }
    }

    @Test func eventsAfterTheNewestCheckpointAreCountedAsUnanchored() throws {
        try Self.withRegistry { registry, temp in
            #expect(try registry.fsck().unanchoredEvents == 3)  // no checkpoint: nothing is anchored
            try registry.writeCheckpoint(signedBy: Self.logKey)
            _ = try BundleFixture.registerModel("later", in: registry, under: temp)
            try registry.promote("champion", to: try registry.listArtifacts()[0])
            let report = try registry.fsck()
            #expect(report.isClean, "\(report)")
            #expect(report.unanchoredEvents == 2)
            #expect(try registry.checkLog().unanchoredEvents == 2)
            try registry.writeCheckpoint(signedBy: Self.logKey)
            #expect(try registry.fsck().unanchoredEvents == 0)
            #expect(try registry.checkpoints().map(\.size) == [3, 5])
        }
    }

    @Test func withoutTrustedEd25519KeysSignaturesAreNotChecked() throws {
        try Self.withRegistry(trusted: []) { registry, _ in
            try registry.writeCheckpoint(signedBy: Self.logKey)
            let report = try registry.fsck()
            #expect(report.isClean, "\(report)")
            #expect(report.unanchoredEvents == nil)
            // At depth .trust an empty trust store vouches for no checkpoint.
            let trust = try registry.fsck(depth: .trust)
            #expect(Self.kinds(trust) == ["untrusted_checkpoint"], "\(trust)")
            #expect(trust.unanchoredEvents == 3)
        }
    }

    @Test func droppingTheLastEventAfterACheckpointIsFound() throws {
        try Self.withRegistry { registry, _ in
            try registry.writeCheckpoint(signedBy: Self.logKey)
            try Self.rewriteLog(registry, Array(try Self.events(registry).dropLast()))
            #expect(try registry.journal.verify().isClean)  // the log alone looks fine
            let report = try registry.fsck()
            #expect(Self.kinds(report).contains("log_shorter_than_checkpoint"), "\(report)")
            let finding = try #require(report.findings.first { $0.kind == .logShorterThanCheckpoint })
            #expect(finding.path == "checkpoints/3.note")
        }
    }

    @Test func reChainingTheLogIsFound() throws {
        try Self.withRegistry { registry, _ in
            try registry.writeCheckpoint(signedBy: Self.logKey)
            // Rewrite event 2's actor and re-chain events 2 and 3: every link verifies again.
            var events = try Self.events(registry)
            let edited = events[1]
            events[1] = AuditEvent(
                sequence: edited.sequence, time: edited.time, actor: "mallory", type: edited.type,
                payload: edited.payload.objectValue ?? [:], previousHash: edited.previousHash)
            try Self.rewriteLog(registry, events)
            #expect(try registry.journal.verify().isClean)
            let report = try registry.fsck()
            #expect(Self.kinds(report) == ["checkpoint_mismatch"], "\(report)")
            // Signing the changed log at the same size is refused: the stored checkpoint anchors another head.
            #expect(registryErrorCode { try registry.writeCheckpoint(signedBy: Self.logKey) } == .conflict)
        }
    }

    @Test func reChainingFromTheFirstEventChangesTheOrigin() throws {
        try Self.withRegistry { registry, _ in
            let copy = try registry.writeCheckpoint(signedBy: Self.logKey)
            var events = try Self.events(registry)
            let first = events[0]
            events[0] = AuditEvent(
                sequence: 1, time: first.time, actor: "mallory", type: first.type,
                payload: first.payload.objectValue ?? [:], previousHash: first.previousHash)
            try Self.rewriteLog(registry, events)
            let report = try registry.checkLog(against: [copy])
            #expect(report.findings.map(\.kind) == [.checkpointMismatch], "\(report)")
        }
    }

    @Test func aCopyKeptOutsideTheRegistryStillAnchorsWhenTheStoredOnesAreDeleted() throws {
        try Self.withRegistry { registry, _ in
            let copy = try Checkpoint(parsing: try registry.writeCheckpoint(signedBy: Self.logKey).note)
            try Self.rewriteLog(registry, Array(try Self.events(registry).dropLast()))
            try FileManager.default.removeItem(atPath: registry.layout.checkpointsPath)
            // Nothing left inside to compare with: fsck sees only what the dropped event registered.
            let inside = try registry.fsck()
            #expect(!inside.findings.contains { $0.kind.name.contains("checkpoint") }, "\(inside)")
            let report = try registry.checkLog(against: [copy])
            #expect(report.findings.map(\.kind) == [.logShorterThanCheckpoint], "\(report)")
            #expect(report.findings.first?.path == "")
        }
    }

    @Test func anEditedCheckpointIsDamaged() throws {
        try Self.withRegistry { registry, _ in
            let checkpoint = try registry.writeCheckpoint(signedBy: Self.logKey)
            let path = registry.layout.checkpointPath(size: 3)
            // A different (well-formed) time: the signature no longer covers the text.
            let edited = checkpoint.note.replacingOccurrences(of: "time 2026-11-18", with: "time 2026-11-19")
            #expect(edited != checkpoint.note)
            try FileManager.default.removeItem(atPath: path)
            try Data(edited.utf8).write(to: URL(fileURLWithPath: path))
            let report = try registry.fsck()
            #expect(Self.kinds(report) == ["damaged_checkpoint"], "\(report)")
            #expect(report.findings.first?.path == "checkpoints/3.note")
            #expect(report.unanchoredEvents == 3)  // a damaged checkpoint anchors nothing

            // A file that is not a note at all, and one named for another size.
            try Data("not a note\n".utf8).write(to: URL(fileURLWithPath: registry.layout.checkpointPath(size: 1)))
            try Data(checkpoint.note.utf8).write(to: URL(fileURLWithPath: registry.layout.checkpointPath(size: 2)))
            let paths = try registry.fsck().findings.filter { $0.kind == .damagedCheckpoint }.map(\.path)
            #expect(paths == ["checkpoints/1.note", "checkpoints/2.note", "checkpoints/3.note"])
            #expect(try registry.checkpoints().map(\.size) == [3])  // parses; its signature is fsck's business
        }
    }

    @Test func aCheckpointByAnUntrustedKeyIsReported() throws {
        try Self.withRegistry { registry, _ in
            try registry.writeCheckpoint(signedBy: Self.otherKey)
            let report = try registry.fsck()
            #expect(Self.kinds(report) == ["untrusted_checkpoint"], "\(report)")
            #expect(report.unanchoredEvents == 3)
            // Co-signed by the trusted key, the same file anchors the log.
            let cosigned = try registry.writeCheckpoint(signedBy: Self.logKey)
            #expect(cosigned.signatures.map(\.keyName) == [Self.otherKey.keyID, Self.logKey.keyID])
            #expect(try registry.writeCheckpoint(signedBy: Self.logKey) == cosigned)
            let after = try registry.fsck()
            #expect(after.isClean, "\(after)")
            #expect(after.unanchoredEvents == 0)
        }
    }

    @Test func anEmptyLogHasNothingToAnchor() throws {
        try Self.withRegistry(models: 0) { registry, _ in
            #expect(registryErrorCode { try registry.writeCheckpoint(signedBy: Self.logKey) } == .invalidArgument)
            let stored = try registry.checkpoints()
            #expect(stored.isEmpty)
        }
    }

    @Test func asyncTwinsWriteAndCheck() async throws {
        try await withTemporaryDirectory { temp in
            let registry = try await Registry.create(
                at: temp.appendingPathComponent("registry"),
                configuration: .init(trust: TrustStore(verifiers: [Self.logKey.publicKey])))
            _ = try BundleFixture.registerModel("m", in: registry, under: temp)
            let checkpoint = try await registry.writeCheckpoint(signedBy: Self.logKey)
            #expect(try await registry.checkpoints() == [checkpoint])
            #expect(try await registry.checkLog().isClean)
        }
    }

    @Test func theCLIWritesPrintsAndVerifiesACheckpoint() throws {
        try withTemporaryDirectory { temp in
            let registry = temp.appendingPathComponent("reg").path
            let key = temp.appendingPathComponent("log.key").path
            let trust = temp.appendingPathComponent("trust").path
            _ = try CLIRunner.run(["init", "--registry", registry])
            let bundle = try BundleFixture.write(BundleFixture.standard, to: temp.appendingPathComponent("bundle"))
            #expect(try CLIRunner.run(["register", bundle.path, "--registry", registry]).status == 0)
            #expect(try CLIRunner.run(["keygen", key]).status == 0)

            let written = try CLIRunner.run(["checkpoint", "--key", key, "--registry", registry])
            #expect(written.status == 0, "\(written.stderr)")
            let note = try Checkpoint(parsing: written.stdout)
            #expect(note.size == 1)
            let copy = temp.appendingPathComponent("copy.note").path
            try Data(written.stdout.utf8).write(to: URL(fileURLWithPath: copy))

            try FileManager.default.createDirectory(atPath: trust, withIntermediateDirectories: true)
            let noTrust = try CLIRunner.run(["checkpoint", "verify", "--registry", registry, "--trust", trust])
            #expect(noTrust.status == 1 && noTrust.stderr.contains("no trusted Ed25519 key"), "\(noTrust.stderr)")
            #expect(try CLIRunner.run(["trust", "add", key + ".pub", "--trust", trust]).status == 0)
            let verified = try CLIRunner.run(["checkpoint", "verify", "--registry", registry, "--trust", trust])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.contains("anchored at 1, 0 unanchored"))
            let external = try CLIRunner.run(["checkpoint", "verify", copy, "--registry", registry, "--trust", trust])
            #expect(external.status == 0, "\(external.stdout)\(external.stderr)")
            let fsck = try CLIRunner.run(["fsck", "--registry", registry, "--trust", trust, "--json"])
            #expect(fsck.status == 0 && fsck.stdout.contains("\"unanchoredEvents\":0"), "\(fsck.stdout)")
            #expect(try CLIRunner.run(["checkpoint", "--registry", registry]).status == 64)
        }
    }
}
