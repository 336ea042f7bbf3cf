/// Artifacts on the write path: publishing a staged directory, recorded as `artifact_registered`.
struct JournaledArtifacts: JournaledStore {
    let store: FileArtifactStore
    var name: String { "artifact" }

    func check(_ staged: FileArtifactStore.StagedArtifact, in transaction: Transaction) throws -> ArtifactRegistered? {
        guard try !store.isPublished(staged) else { return nil }  // identical content: nothing to record
        return ArtifactRegistered(
            artifact: staged.id, name: staged.manifest.metadata.name, files: Int64(staged.manifest.files.count),
            size: staged.manifest.totalSize)
    }

    func apply(
        _ staged: FileArtifactStore.StagedArtifact, as event: ArtifactRegistered, in transaction: Transaction
    ) throws -> ArtifactID {
        _ = try store.publish(staged)  // the writer lock is held, so the id cannot have appeared since the check
        return staged.id
    }

    func undo(_ id: ArtifactID, in transaction: Transaction) {
        try? store.unpublish(id)
    }

    func key(of event: ArtifactRegistered) -> String { event.artifact.description }

    /// An artifact directory without its event was published by a writer that died before appending it.
    func reconcile(
        lastEvents: [String: ArtifactRegistered], in transaction: Transaction
    ) throws -> [Recovered<ArtifactRegistered>] {
        try store.list().compactMap { id in
            // One damaged artifact must not stop the recovery of everything else; the verifier reports it.
            guard lastEvents[id.description] == nil, let artifact = try? store.artifact(id) else { return nil }
            return Recovered(event: ArtifactRegistered(artifact, recovered: true), actor: nil)
        }
    }
}

extension JournaledArtifacts {
    /// Artifact directories without their registration event, and registered artifacts whose directory is gone.
    func discrepancies(lastEvents: [String: ArtifactRegistered]) throws -> [Finding] {
        let onDisk = try store.list()
        var findings = onDisk.filter { lastEvents[$0.description] == nil }.map { id in
            Finding(
                .unregisteredArtifact, path: store.layout.relativePath(store.layout.artifactPath(id)),
                "no artifact_registered event records this artifact")
        }
        let present = Set(onDisk.map(\.description))
        for (key, event) in lastEvents.sorted(by: { $0.key < $1.key }) where !present.contains(key) {
            findings.append(
                Finding(
                    .missingArtifact, path: store.layout.relativePath(store.layout.artifactPath(event.artifact)),
                    "the log registered '\(event.name)' (\(event.files) files) but its directory is missing"))
        }
        return findings
    }
}
