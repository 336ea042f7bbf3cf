import Foundation
import ModelRegistry
import RegistryCore
import RegistryTestSupport
import Testing

/// A backup copies artifacts outside the writer lock, holding the shared lease `locks/backup.lock` (FORMAT.md
/// §14.5): `rm` (forced too), the garbage collector and eviction must leave every artifact's files alone until it is
/// released, and say why.
@Suite struct BackupLeaseRespectTests {
    @Test func removalsAndEvictionsWaitForARunningBackup() throws {
        try withTemporaryDirectory { temp in
            let fixture = try EvictionFixture(in: temp)
            let registry = fixture.registry
            let lease = try BackupLease.acquire(at: registry.layout.backupLeasePath)

            let forced = #expect(throws: RegistryError.self) { try registry.remove(fixture.id, force: true) }
            #expect(forced?.code == .inUse)
            #expect(forced?.message.contains("backup") == true, "\(String(describing: forced))")
            #expect(registryErrorCode { try registry.evict(fixture.id, remote: "mirror") } == .inUse)
            // The collector keeps what it cannot remove, and reports why.
            let kept = try registry.collectGarbage(GarbageCollectionOptions(gracePeriod: .zero))
            #expect(kept.decision(for: fixture.id)?.removed == false)
            #expect(kept.events.isEmpty)
            #expect(kept.problems.contains { $0.message.contains("backup") }, "\(kept.problems)")
            #expect(fixture.holdsOriginalBytes(), "nothing of the artifact may be gone while the backup runs")
            #expect(try registry.fsck().isClean)

            lease.release()
            let report = try registry.collectGarbage(GarbageCollectionOptions(gracePeriod: .zero))
            #expect(report.decisions.contains { $0.artifact == fixture.id && $0.removed })
            #expect(try !registry.contains(fixture.id))
        }
    }
}
