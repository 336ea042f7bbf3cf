import Foundation
import RegistryCore

/// The deduplication cache: for a file digest, the published files that hold those bytes (FORMAT.md §10.1).
///
/// One document per digest, `indexes/blobs/<algorithm>/<first two hex digits>/<hex>.json`:
/// `{"device":…,"holders":[{"artifact":…,"path":…}],"inode":…,"mtimeMicroseconds":…,"size":…,"verified":…}`.
/// It is a cache: an entry is never trusted on its own. Before a stored file is linked into a new artifact,
/// ``candidate(for:size:)`` checks that it is a regular file without write permission whose device, inode, size
/// and mtime are the entry's, and that the owning artifact's manifest (itself checked against its id) lists it
/// with this digest and size; an entry built from manifests alone (`verified: false`) is re-hashed once first.
/// ctime is left out on purpose: every `link(2)` changes it, so it would invalidate the entry at each use.
/// Losing the directory loses nothing: the next registration rebuilds it from the manifests.
///
/// `BlobIndex` is `Sendable`; documents are replaced atomically, and concurrent writers can only lose a holder
/// (a cache miss later), never make an entry vouch for other bytes.
struct BlobIndex: Sendable {
    /// A published file that holds a digest's bytes.
    struct Holder: Hashable, Sendable {
        var artifact: ArtifactID
        var path: String
    }

    /// One digest's document.
    struct Entry: Sendable {
        var size: Int64
        var device: Int64
        var inode: Int64
        var modifiedMicroseconds: Int64
        var verified: Bool
        var holders: [Holder]

        /// Whether `status` is the entry's file, unchanged since the entry was written.
        /// The ctime is left out on purpose: every link to the file changes it.
        func matches(_ status: FileStatus) -> Bool {
            let stamp = FileStamp(status)
            return status.kind == .regular && stamp.size == size && stamp.device == device && stamp.inode == inode
                && stamp.modifiedMicroseconds == modifiedMicroseconds
        }

        init(_ status: FileStatus, verified: Bool, holders: [Holder]) {
            let stamp = FileStamp(status)  // the same reduction to JSON-safe integers as every other stamp
            size = stamp.size
            device = stamp.device
            inode = stamp.inode
            modifiedMicroseconds = stamp.modifiedMicroseconds
            self.verified = verified
            self.holders = holders
        }

        init(json: JSONObjectReader) throws {
            size = try json.integer("size")
            device = try json.integer("device")
            inode = try json.integer("inode")
            modifiedMicroseconds = try json.integer("mtimeMicroseconds")
            verified = try json.bool("verified")
            holders = try json.objects("holders").map { holder in
                Holder(artifact: try holder.artifactID("artifact"), path: try holder.string("path"))
            }
        }

        var json: JSONValue {
            .object([
                "size": .number(JSONNumber(size)), "device": .number(JSONNumber(device)),
                "inode": .number(JSONNumber(inode)), "mtimeMicroseconds": .number(JSONNumber(modifiedMicroseconds)),
                "verified": .bool(verified),
                "holders": .array(
                    holders.map { .object(["artifact": .string($0.artifact.description), "path": .string($0.path)]) }),
            ])
        }
    }

    /// A stored file verified for linking.
    struct Candidate: Sendable {
        /// Its path, `artifacts/<id>/<bundle path>`.
        var path: String
        /// Its status when it was verified: what ``FileTransfer/linkStored(_:at:expecting:)`` expects.
        var status: FileStatus
        /// Every published file known to share the inode.
        var holders: [Holder]
    }

    let store: FileArtifactStore
    /// Manifests read while checking candidates, by artifact: read once per registration.
    let manifests: ManifestCache

    var directory: String { store.layout.indexesPath + "/blobs/" + store.hashAlgorithm.name }

    func path(of digest: Digest) -> String {
        let hex = digest.hex
        return directory + "/" + String(hex.prefix(2)) + "/" + hex + ".json"
    }

    /// The entry for `digest`; nil when there is none or it cannot be parsed strictly (a cache miss).
    func entry(for digest: Digest) -> Entry? {
        let file = path(of: digest)
        guard let bytes = try? FileSystem.readDocument(file, limit: 1 << 20),
            let value = try? CanonicalJSON.parse(bytes, source: file),
            let reader = try? JSONObjectReader(value, source: file)
        else { return nil }
        return try? Entry(json: reader)
    }

    /// Replaces the entry for `digest`. Failures are ignored: the cache only saves space and time.
    func store(_ entry: Entry, for digest: Digest) {
        let file = path(of: digest)
        _ = try? FileSystem.makeDirectories(FileSystem.parent(of: file))
        _ = try? FileSystem.atomicReplace(file, contents: CanonicalJSON.encode(entry.json) + [0x0A])
    }

    /// Removes every holder in `artifact` from the entry for `digest`, deleting the entry when none is left.
    func removeHolders(of artifact: ArtifactID, digest: Digest) {
        guard var entry = entry(for: digest), entry.holders.contains(where: { $0.artifact == artifact }) else { return }
        entry.holders.removeAll { $0.artifact == artifact }
        if entry.holders.isEmpty {
            try? FileSystem.removeFile(path(of: digest))
        } else {
            store(entry, for: digest)
        }
    }

    /// A published file holding `digest`'s bytes that may be linked, or nil (see the type's checks).
    func candidate(for digest: Digest, size: Int64) -> Candidate? {
        guard digest.algorithm == store.hashAlgorithm.name, var entry = entry(for: digest), entry.size == size else {
            return nil
        }
        for holder in entry.holders {
            let file = store.layout.artifactPath(holder.artifact) + "/" + holder.path
            guard let status = try? FileSystem.status(file), entry.matches(status), status.permissions & 0o222 == 0,
                let listed = manifests.manifest(of: holder.artifact)?.entry(at: holder.path),
                listed.digest == digest, listed.size == size
            else { continue }
            if !entry.verified {
                // Built from manifests alone: read the bytes once before anything links to them.
                let algorithm = store.hashAlgorithm
                guard let result = try? StreamingHasher.hashFile(file, algorithm: algorithm),
                    result.digest == digest, result.size == size,
                    let after = try? FileSystem.status(file), after == status
                else { continue }
                entry.verified = true
                store(entry, for: digest)
            }
            return Candidate(path: file, status: status, holders: entry.holders)
        }
        return nil
    }

    /// Records the published files of a new artifact: new entries for bytes the registry hashed as it wrote them
    /// (`verified`), unverified ones for files that share a user's inode (hard link, move), and one more holder
    /// for files that were linked to an existing entry.
    func record(_ id: ArtifactID, files: [(path: String, digest: Digest, verified: Bool)]) {
        let root = store.layout.artifactPath(id)
        for file in files {
            guard let status = try? FileSystem.status(root + "/" + file.path), status.kind == .regular else { continue }
            let holder = Holder(artifact: id, path: file.path)
            if var entry = entry(for: file.digest), entry.inode == Entry(status, verified: false, holders: []).inode,
                entry.device == Entry(status, verified: false, holders: []).device
            {
                // The same inode: refresh the stamp (a link changes nothing the entry keeps) and add the holder.
                let holders = entry.holders.contains(holder) ? entry.holders : entry.holders + [holder]
                entry = Entry(status, verified: entry.verified || file.verified, holders: holders)
                store(entry, for: file.digest)
            } else if let entry = entry(for: file.digest), candidateIsValid(entry, digest: file.digest) {
                continue  // another inode already holds these bytes and still does; keep pointing there
            } else {
                store(Entry(status, verified: file.verified, holders: [holder]), for: file.digest)
            }
        }
    }

    /// Whether some holder of `entry` still matches it (without re-hashing): an entry worth keeping.
    private func candidateIsValid(_ entry: Entry, digest: Digest) -> Bool {
        entry.holders.contains { holder in
            let file = store.layout.artifactPath(holder.artifact) + "/" + holder.path
            guard let status = try? FileSystem.status(file) else { return false }
            return entry.matches(status)
        }
    }

    /// Rebuilds the index from the published manifests when its directory is missing (first use, or deleted):
    /// entries are unverified, so each is hashed once before a first link. Built in a temporary directory and
    /// renamed into place, so a concurrent rebuild or a crash leaves a whole index or none.
    /// - Complexity: reads every manifest once and stats every file of at least `minimumSize` bytes.
    func rebuildIfMissing(minimumSize: Int64) {
        guard (try? FileSystem.status(directory)) == nil else { return }
        let parent = FileSystem.parent(of: directory)
        guard (try? FileSystem.makeDirectories(parent)) != nil else { return }
        let temporary = parent + "/" + FileSystem.uniqueName(FileSystem.temporaryPrefix)
        var entries: [Digest: Entry] = [:]
        for id in (try? store.list()) ?? [] {
            guard let manifest = manifests.manifest(of: id), manifest.hashAlgorithm == store.hashAlgorithm.name else {
                continue
            }
            for file in manifest.files where file.size >= minimumSize {
                let holder = Holder(artifact: id, path: file.path)
                guard let status = try? FileSystem.status(store.layout.artifactPath(id) + "/" + file.path),
                    status.kind == .regular, status.size == file.size
                else { continue }
                if var entry = entries[file.digest] {
                    if entry.matches(status) {
                        entry.holders.append(holder)
                        entries[file.digest] = entry
                    }
                } else {
                    entries[file.digest] = Entry(status, verified: false, holders: [holder])
                }
            }
        }
        do {
            try FileSystem.makeDirectory(temporary, allowExisting: false, syncParent: false)
            let rebuilt = BlobIndex(store: store, manifests: manifests)
            for (digest, entry) in entries {
                let file = temporary + "/" + rebuilt.path(of: digest).dropFirst(directory.count + 1)
                try FileSystem.makeDirectories(FileSystem.parent(of: file))
                try FileSystem.createFile(file, contents: CanonicalJSON.encode(entry.json) + [0x0A], mode: 0o644)
            }
            try FileSystem.rename(temporary, to: directory)
            try FileSystem.syncDirectory(parent)
        } catch {
            try? FileSystem.removeTree(temporary)  // another writer's rebuild won, or the disk is full: a miss
        }
    }
}

/// Manifests of published artifacts, each read (and checked against its id) at most once.
final class ManifestCache: @unchecked Sendable {
    private let store: FileArtifactStore
    private let lock = NSLock()
    private var manifests: [ArtifactID: Manifest?] = [:]

    init(store: FileArtifactStore) { self.store = store }

    /// The artifact's manifest, or nil when it is missing or does not hash to its id.
    func manifest(of id: ArtifactID) -> Manifest? {
        if let known = lock.withLock({ manifests[id] }) { return known }
        let manifest = try? store.artifact(id).manifest
        lock.withLock { manifests[id] = manifest }
        return manifest
    }
}
