import ArtifactStore
import RegistryCore

extension ArtifactVerifier {
    /// Carries verification stamps across a deduplicating registration (FORMAT.md §10.1).
    ///
    /// Linking a new artifact's file to an inode other artifacts hold changes the inode's ctime, so their stamps
    /// (`indexes/stamps/`) would read as "changed" and cost a full re-hash at their next load. The link writes no
    /// byte: a holder whose stamp equals the inode's status just before the link — and whose inode still has the
    /// same size and mtime — gets the current stamp, and the new artifact's file gets it too. A holder whose stamp
    /// did not match is left alone (its next load re-hashes, as it would have anyway), and a file no holder
    /// vouched for is not stamped.
    package func carryStamps(to id: ArtifactID, deduplicated: [FileArtifactStore.DeduplicatedFile]) {
        guard stampRecording != .none, !deduplicated.isEmpty else { return }
        var vouchedFor: [String: FileStamps.Stamp?] = [:]
        var known: [ArtifactID: FileStamps.Known] = [:]
        var carried: [ArtifactID: [String: FileStamps.Stamp?]] = [:]
        for file in deduplicated {
            let before = file.statusBeforeLink
            guard let now = try? FileSystem.status(store.layout.artifactPath(id) + "/" + file.path),
                now.kind == .regular, now.device == before.device, now.inode == before.inode, now.size == before.size,
                now.modified == before.modified
            else { continue }
            let previous = FileStamps.Stamp(before)
            let current = FileStamps.Stamp(now)
            var vouched = false
            for holder in file.holders {
                let stamps = known[holder.artifact] ?? self.stamps.load(holder.artifact)
                known[holder.artifact] = stamps
                let pending = carried[holder.artifact]?[holder.path] ?? nil
                if stamps.isCurrent(holder.path, current) || pending == current {
                    vouched = true  // carried over already (two files of this bundle share the inode)
                } else if stamps.isCurrent(holder.path, previous) || pending == previous {
                    vouched = true
                    carried[holder.artifact, default: [:]][holder.path] = current
                }
            }
            if vouched { vouchedFor[file.path] = current }
        }
        // One write per holder artifact, however many of its files were shared.
        for (artifact, updates) in carried {
            stamps.store(artifact, updates, known: known[artifact] ?? FileStamps.Known(), recording: stampRecording)
        }
        guard !vouchedFor.isEmpty else { return }
        stamps.store(id, vouchedFor, known: stamps.load(id), recording: stampRecording)
    }
}
