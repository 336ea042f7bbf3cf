/// Artifacts on the write path: bytes first — the staged directory is renamed into `artifacts/`, then
/// `artifact_registered` is appended — with a publishing mark in `staging/` around the two, so recovery can tell
/// the one publication a crash interrupted from an artifact directory nobody registered.
struct JournaledArtifacts: JournaledStore {
    let store: FileArtifactStore
    /// For fsck: registrations and collections in log order, observed during the same pass (an artifact the log
    /// collected is neither missing nor unregistered).
    var presence: RegistrationReplay? = nil
    var name: String { "artifact" }
    var writesBytesFirst: Bool { true }

    func check(_ staged: FileArtifactStore.StagedArtifact, in transaction: Transaction) throws -> ArtifactRegistered? {
        guard try !store.isPublished(staged) else { return nil }  // identical content: nothing to record
        // Under the writer lock, before anything is written: staged files removed meanwhile fail the registration.
        try store.confirmStaged(staged)
        return ArtifactRegistered(
            artifact: staged.id, name: staged.manifest.metadata.name, files: Int64(staged.manifest.files.count),
            size: staged.manifest.totalSize)
    }

    func apply(
        _ staged: FileArtifactStore.StagedArtifact, as event: ArtifactRegistered, in transaction: Transaction
    ) throws {
        try store.markPublishing(staged.id)
        // The writer lock is held, so the id cannot have appeared, nor the staged files changed, since the check.
        _ = try store.publish(staged, confirmed: true)
    }

    func undo(_ staged: FileArtifactStore.StagedArtifact, in transaction: Transaction) throws {
        // `check` found the id unpublished under the same lock: a directory there now is this publication's.
        if try store.contains(staged.id) {
            try store.unpublish(staged.id)  // on failure the mark stays, so recovery registers what is left
        }
        try? store.clearPublishingMark(staged.id)
    }

    func finish(_ staged: FileArtifactStore.StagedArtifact, in transaction: Transaction) {
        try? store.clearPublishingMark(staged.id)  // a mark left behind only makes recovery look twice
    }

    func key(of event: ArtifactRegistered) -> String { event.artifact.description }

    /// Artifact bytes are never in the log: recovery registers only the interrupted publication and reports the
    /// rest (see ``Registry/recover(actor:)``).
    func restore(_ key: String, to event: ArtifactRegistered?) throws -> Bool { false }

    /// Artifact directories without their registration event, and registered artifacts whose directory is gone.
    func discrepancies(lastEvents: [String: ArtifactRegistered]) throws -> [Discrepancy] {
        let onDisk = try store.list()
        let collected = presence?.collected ?? []
        var findings = onDisk.filter { collected.contains($0) }.map { id in
            Discrepancy(
                key: id.description,
                finding: Finding(
                    .collectedArtifactPresent, path: store.layout.relativePath(store.layout.artifactPath(id)),
                    "the log's last word on this artifact is artifact_collected, but its directory is still here "
                        + "(a removal a crash interrupted: recover finishes it)"))
        }
        findings += onDisk.filter { lastEvents[$0.description] == nil }.map { id in
            Discrepancy(
                key: id.description,
                finding: Finding(
                    .unregisteredArtifact, path: store.layout.relativePath(store.layout.artifactPath(id)),
                    "no artifact_registered event records this artifact (adopt it to register it)"))
        }
        let present = Set(onDisk.map(\.description))
        for (key, event) in lastEvents.sorted(by: { $0.key < $1.key })
        where !present.contains(key) && !collected.contains(event.artifact) {
            findings.append(
                Discrepancy(
                    key: key,
                    finding: Finding(
                        .missingArtifact, path: store.layout.relativePath(store.layout.artifactPath(event.artifact)),
                        "the log registered '\(event.name)' (\(event.files) files) but its directory is missing")))
        }
        return findings
    }
}
