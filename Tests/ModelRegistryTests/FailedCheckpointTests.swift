import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if DEBUG
    /// Issue #14: FORMAT.md §9.6 promises that a failed automatic checkpoint never fails the write it follows — the
    /// write is acknowledged, its event is in the log, and only its anchoring is missing until the next checkpoint.
    @Suite struct FailedCheckpointTests {
        static let logKey = try! Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 32))

        /// The calls of the checkpoint note's atomic write, each made to fail for good under `checkpoints/`.
        static let calls: [SystemCall] = [.open, .write, .fsync, .rename]

        @Test(arguments: calls)
        func aFailedAutomaticCheckpointNeverFailsThePromotion(_ call: SystemCall) throws {
            try withTemporaryDirectory { temp in
                let registry = try Registry.create(
                    at: temp.appendingPathComponent("registry"),
                    configuration: .init(
                        trust: TrustStore(verifiers: [Self.logKey.publicKey]), checkpointKey: Self.logKey))
                let id = try BundleFixture.registerModel("a", in: registry, under: temp)
                #expect(try registry.checkpoints().map(\.size) == [1])

                let token = FaultInjector.shared.inject(call, errno: EIO, under: registry.layout.checkpointsPath)
                let update = try registry.promote("champion", to: id, reason: "first")  // must not throw
                let fired = FaultInjector.shared.hasFired(token)
                FaultInjector.shared.remove(token)
                #expect(fired, "\(call) is a call of the checkpoint write")

                #expect(update.changed && update.record.artifact == id)
                #expect(try registry.aliases.record("champion")?.artifact == id)
                var events: [AuditEvent] = []
                try registry.journal.forEachEvent { events.append($0) }
                #expect(events.count == 2)
                #expect(events.last?.hash == update.event?.hash, "the promotion's event is the log's last")
                // The older note stays: it was not superseded, so the promotion is the one unanchored event.
                #expect(try registry.checkpoints().map(\.size) == [1])
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: registry.layout.checkpointsPath)
                #expect(leftovers == ["1.note"], "no temporary file stays behind: \(leftovers)")
                let report = try registry.fsck(depth: .trust)
                #expect(report.isClean, "\(report)")
                #expect(report.unanchoredEvents == 1)

                // The next write anchors everything again. Only the note one event older is pruned (§9.6), so the
                // note for size 1 stays.
                try registry.setState(id, to: .production, reason: "shipped")
                #expect(try registry.checkpoints().map(\.size) == [1, 3])
                #expect(try registry.fsck(depth: .trust).unanchoredEvents == 0)
            }
        }
    }
#endif
