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
                let known = stamps.load(holder.artifact)
                if known.isCurrent(holder.path, current) {
                    vouched = true  // carried over already (two files of this bundle share the inode)
                } else if known.isCurrent(holder.path, previous) {
                    vouched = true
                    stamps.store(holder.artifact, [holder.path: current], known: known, recording: stampRecording)
                }
            }
            if vouched { vouchedFor[file.path] = current }
        }
        guard !vouchedFor.isEmpty else { return }
        stamps.store(id, vouchedFor, known: stamps.load(id), recording: stampRecording)
    }
}
