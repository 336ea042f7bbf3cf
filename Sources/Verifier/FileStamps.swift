import Foundation
import RegistryCore

/// The cheap identity of each verified file — device, inode, size, mtime, ctime — kept per artifact in
/// `indexes/stamps/<artifact-id>.json`.
///
/// When a file's stamp still matches, its bytes have not been touched since they were last hashed, so opening
/// an artifact for loading costs one `stat` per file instead of re-hashing gigabytes. Any write to a file
/// (including through a hard link to the user's original) changes its mtime and ctime, so a changed file is
/// re-hashed, and reported if its bytes no longer match. Stamps are a cache: losing them only means re-hashing.
struct FileStamps: Sendable {
    /// One file's stamp (the same identity the source-digest cache records).
    typealias Stamp = FileStamp

    let layout: RegistryLayout
    /// The per-user stamp cache's base directory (`~/.cache/modelregistry/stamps`), or nil for none.
    let userCacheBase: String?

    var directory: String { layout.indexesPath + "/stamps" }

    func path(_ id: ArtifactID) -> String { directory + "/" + id.description + ".json" }

    /// This registry's directory in the per-user cache, keyed by the root's device and inode (a registry copied
    /// elsewhere is another registry; a stamp also names its file's device and inode, so a reused key cannot
    /// vouch for another file).
    var userDirectory: String? {
        guard let base = userCacheBase, let root = try? FileSystem.status(layout.rootPath, followLinks: true) else {
            return nil
        }
        return base + "/\(root.device)-\(root.inode)"
    }

    func userPath(_ id: ArtifactID) -> String? { userDirectory.map { $0 + "/" + id.description + ".json" } }

    /// The stamps stored in the registry and in the per-user cache; a file whose stamp matches either was hashed
    /// with these bytes.
    struct Known: Equatable {
        var registry: [String: Stamp] = [:]
        var user: [String: Stamp] = [:]

        func isCurrent(_ path: String, _ stamp: Stamp) -> Bool { registry[path] == stamp || user[path] == stamp }
        func hasAny(_ path: String) -> Bool { registry[path] != nil || user[path] != nil }
    }

    func load(_ id: ArtifactID) -> Known {
        Known(registry: Self.read(path(id)), user: userPath(id).map(Self.read) ?? [:])
    }

    /// The stored stamps by bundle path; empty when none are stored or the file is damaged (a cache miss).
    static func read(_ file: String) -> [String: Stamp] {
        guard let bytes = try? FileSystem.readDocument(file, limit: 64 << 20),
            let value = try? CanonicalJSON.parse(bytes, source: file),
            let files = value.objectValue?["files"]?.objectValue
        else { return [:] }
        var stamps: [String: Stamp] = [:]
        for (name, entry) in files {
            guard let reader = try? JSONObjectReader(entry, source: file), let stamp = try? Stamp(json: reader)
            else {
                return [:]
            }
            stamps[name] = stamp
        }
        return stamps
    }

    /// Records the stamps of files just verified, merged into what `known` holds for the destination: in
    /// `indexes/stamps/` (falling back to the per-user cache when that cannot be written: a read-only mount, or
    /// a user without write access), or only in the per-user cache. Failures are ignored: the cache only makes the
    /// next check faster.
    func store(_ id: ArtifactID, _ verified: [String: Stamp?], known: Known, recording: ArtifactVerifier.StampRecording)
    {
        func merged(_ base: [String: Stamp]) -> [String: Stamp] {
            var result = base
            for (file, stamp) in verified { result[file] = stamp }
            return result
        }
        switch recording {
        case .none:
            return
        case .registry:
            let stamps = merged(known.registry)
            if stamps == known.registry { return }
            if (try? Self.write(id, stamps, to: path(id), directory: directory, inside: layout.rootPath)) != nil {
                return
            }
            fallthrough
        case .userCacheOnly:
            let stamps = merged(known.user)
            guard stamps != known.user, let userDirectory, let userPath = userPath(id) else { return }
            try? Self.write(id, stamps, to: userPath, directory: userDirectory)
        }
    }

    /// Writes one stamp file. With `root` (the registry's), every directory from the root down must be a real one
    /// (a symbolic link is refused); the per-user cache may sit behind links.
    private static func write(
        _ id: ArtifactID, _ stamps: [String: Stamp], to file: String, directory: String, inside root: String? = nil
    ) throws {
        let value: JSONValue = .object([
            "artifact": .string(id.description),
            "files": .object(stamps.mapValues { .object($0.jsonMembers) }),
        ])
        if let root {
            try FileSystem.makeDirectories(directory, inside: root)
        } else {
            try FileSystem.makeDirectories(directory)
        }
        try FileSystem.atomicReplace(file, contents: CanonicalJSON.encode(value) + [0x0A])
    }

    /// The default per-user cache base: `$XDG_CACHE_HOME/modelregistry/stamps`, else
    /// `~/.cache/modelregistry/stamps` (Darwin: `~/Library/Caches/modelregistry/stamps`); nil without a home.
    static var defaultUserCacheBase: String? {
        let environment = ProcessInfo.processInfo.environment
        #if canImport(Darwin)
            guard let home = environment["HOME"], !home.isEmpty else { return nil }
            return home + "/Library/Caches/modelregistry/stamps"
        #else
            if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/modelregistry/stamps" }
            guard let home = environment["HOME"], !home.isEmpty else { return nil }
            return home + "/.cache/modelregistry/stamps"
        #endif
    }
}
