import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Recovers the registry at `root` and checks the invariants every recovered registry must satisfy: a second
/// recovery finds nothing, the log's chain verifies, fsck is clean, every artifact has exactly one registration
/// event, every alias file equals its last event's record and names an existing artifact, and nothing is left in
/// `staging/` or as a temporary alias file. Returns the log's events.
@discardableResult
func expectConsistent(_ root: URL, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> [AuditEvent]
{
    let registry = try Registry.open(at: root)
    let report = try registry.recover()
    #expect(
        try registry.recover().isClean, "a second recovery must find nothing to do",
        sourceLocation: sourceLocation)
    #expect(try registry.journal.verify().isClean, "\(report)", sourceLocation: sourceLocation)
    let integrity = try registry.fsck()
    #expect(integrity.isClean, "after \(report):\n\(integrity)", sourceLocation: sourceLocation)
    var events: [AuditEvent] = []
    try registry.journal.forEachEvent { events.append($0) }
    // Every artifact has exactly one registration event.
    for id in try registry.listArtifacts() {
        let count = events.filter {
            $0.type == .artifactRegistered && $0.payload.objectValue?["artifact"]?.stringValue == id.description
        }.count
        #expect(count == 1, "\(id) has \(count) registration events", sourceLocation: sourceLocation)
    }
    // Every alias file equals the record of its last event, and names an existing artifact.
    for record in try registry.listAliases() {
        let last = events.last { Registry.aliasEventTypes.contains($0.type) && $0.alias == record.alias }
        let logged = try last?.payload.objectValue?["record"].map { try AliasRecord(json: $0, source: "event") }
        #expect(logged == record, "alias \(record.alias)", sourceLocation: sourceLocation)
        #expect(try registry.contains(record.artifact), sourceLocation: sourceLocation)
    }
    // A restored registry has no `staging/` until its first write: absent counts as empty.
    #expect(
        ((try? FileManager.default.contentsOfDirectory(atPath: registry.layout.stagingPath)) ?? []).isEmpty,
        sourceLocation: sourceLocation)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: registry.layout.aliasesPath).filter {
        $0.hasPrefix(".")
    }
    #expect(leftovers.isEmpty, sourceLocation: sourceLocation)
    return events
}
