extension Registry {
    /// Settles every fetch a crash interrupted (FORMAT.md §14.4): its fetching mark is in `staging/`. When the
    /// artifact is still evicted and every bundle file is in place with the listed size and digest, the fetch
    /// happened but for its event: `artifact_fetched` is appended with `"recovered": true` and the eviction file
    /// removed. Otherwise the files it moved are taken back out (the log says evicted). The mark goes either way.
    /// The caller holds the writer lock.
    func completeInterruptedFetches(actor: String, report: inout RecoveryReport) throws {
        guard try FileSystem.exists(layout.stagingPath) else { return }
        for entry in try FileSystem.listDirectory(layout.stagingPath) {
            guard let name = entry.name, name.hasPrefix(RegistryLayout.fetchingMarkPrefix),
                let id = ArtifactID(String(name.dropFirst(RegistryLayout.fetchingMarkPrefix.count)))
            else { continue }
            let mark = layout.fetchingMarkPath(of: id)
            defer {
                if (try? FileSystem.removeFile(mark)) != nil { report.removedLeftovers.append(mark) }
            }
            guard try evictionStore.hasRecord(id), let artifact = try? artifacts.artifact(id) else { continue }
            // The fetch's event made it into the log (the crash came after the append): the log pass removes the
            // eviction file; nothing is appended twice.
            if let last = try journal.lastEvent(), let payload = try? last.decode(ArtifactResidencyChanged.self),
                payload.artifact == id, !payload.isEviction
            {
                continue
            }
            let remote = (try? FileSystem.readDocument(mark, limit: 1 << 16)).flatMap {
                try? RemoteRecord(fileBytes: $0, source: mark)
            }
            let evictable = FileArtifactStore.evictableFiles(of: artifact.manifest)
            if try isComplete(artifact) {
                let payload =
                    remote.map {
                        ArtifactResidencyChanged(
                            fetching: id, from: $0, files: Int64(evictable.count),
                            size: evictable.reduce(0) { $0 + $1.size }, recovered: true)
                    }
                    ?? ArtifactResidencyChanged(
                        fetchedWithoutSource: id, files: Int64(evictable.count),
                        size: evictable.reduce(0) { $0 + $1.size }, recovered: true)
                report.appendedEvents.append(try journal.append(payload, actor: actor))
                try evictionStore.remove(id)
            } else {
                try artifacts.removeBundleFiles(of: artifact)
                report.completed.append(
                    Finding(
                        .evictedFilesPresent, path: layout.relativePath(layout.artifactPath(id)),
                        "an interrupted fetch had moved some files into place; taken back out (still evicted)"))
            }
        }
    }

    /// Whether every evictable bundle file is present with the listed size and digest (one full read).
    private func isComplete(_ artifact: Artifact) throws -> Bool {
        guard let algorithm = artifacts.knownAlgorithms[artifact.manifest.hashAlgorithm] else { return false }
        for entry in FileArtifactStore.evictableFiles(of: artifact.manifest) {
            let path = layout.artifactPath(artifact.id) + "/" + entry.path
            guard let result = try? StreamingHasher.hashFile(path, algorithm: algorithm),
                result.size == entry.size, result.digest == entry.digest
            else { return false }
        }
        return true
    }
}
