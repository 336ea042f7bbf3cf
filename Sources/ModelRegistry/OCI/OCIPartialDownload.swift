import Foundation
import RegistryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension RegistryLayout {
    /// `staging/downloads/`: the blobs pulls are downloading, one file per blob named `sha256-<hex>`, kept when a
    /// pull dies or fails so that the next pull of the same blob resumes it (FORMAT.md §15.8).
    var partialDownloadsPath: String { stagingPath + "/downloads" }

    /// The file a pull downloads `digest` into.
    func partialDownloadPath(of digest: Digest) -> String {
        partialDownloadsPath + "/\(digest.algorithm)-\(digest.hex)"
    }
}

/// One blob a pull is downloading into `staging/downloads/`, held with `flock(LOCK_EX)` on the file itself while
/// the pull writes it: the lock tells another pull of the same blob (which then downloads into its own staging
/// lease) and the garbage collector (which removes only files nobody holds) that the file is in use. The lock
/// dies with the process, so a killed pull's file is free for the next pull to take over and resume.
final class OCIPartialDownload {
    /// The file.
    let path: String
    private var file: OpenFile?

    private init(path: String, file: OpenFile) {
        self.path = path
        self.file = file
    }

    deinit { release() }

    /// Takes the partial file of `digest`, created empty when there is none; nil when another process or thread
    /// holds it (a concurrent pull of the same blob).
    ///
    /// - Throws: `RegistryError` for the file-system calls, naming the path.
    static func claim(_ digest: Digest, layout: RegistryLayout) throws -> OCIPartialDownload? {
        try FileSystem.makeDirectory(layout.stagingPath)
        try FileSystem.makeDirectory(layout.partialDownloadsPath)
        let path = layout.partialDownloadPath(of: digest)
        // A pull that finishes renames its file away while holding the lock: a claim that opened the old name just
        // before finds, once it has the lock, that the name is another file's (or nobody's), and tries again.
        for _ in 0..<8 {
            guard let file = try OpenFile.lockedIfFree(path, "the partial download") else { return nil }
            // Closed on every way out but the claim: the descriptor holds the lock, and a leaked one would keep the
            // blob from every later pull of this process (and from gc) for the life of the process.
            let held: FileStatus
            let named: FileStatus?
            do {
                held = try file.fileStatus()
                named = try FileSystem.status(path)
            } catch {
                try? file.close()
                throw error
            }
            if let named, named.device == held.device, named.inode == held.inode {
                return OCIPartialDownload(path: path, file: file)
            }
            try? file.close()
        }
        throw RegistryError(
            .io, "could not take the partial download '\(path)': it was replaced each time", path: path)
    }

    /// Moves the finished (checked and synced) blob to `destination` in the same file system, still under the lock.
    func move(to destination: String) throws {
        try FileSystem.rename(path, to: destination)
    }

    /// Releases the lock; an empty file (nothing arrived) is removed first, as there is nothing to resume.
    func release() {
        guard let file else { return }
        if let status = try? file.fileStatus(), status.size == 0,
            let named = try? FileSystem.status(path), named.inode == status.inode
        {
            try? FileSystem.removeFile(path)
        }
        try? file.closeReleasingLock()
        self.file = nil
    }

    /// For the garbage collector: removes the partial download at `path` unless a pull holds it. Returns whether
    /// it went. The lock is taken before the file is unlinked, so a pull that opened the name meanwhile finds it
    /// gone once it has the lock and starts a new file.
    ///
    /// - Throws: `RegistryError` for the file-system calls; the caller keeps what it could not decide about.
    static func removeIfAbandoned(_ path: String) throws -> Bool {
        let file: OpenFile
        do {
            file = try OpenFile.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        } catch let error where error.errno == ENOENT {
            return false
        } catch {
            throw RegistryError.systemCall(error, "open the partial download", path: path)
        }
        return try file.closeAfter { file in
            do {
                try file.lock(LOCK_EX | LOCK_NB)
            } catch let error as SystemCallError where error.errno == EWOULDBLOCK {
                return false
            } catch {
                throw RegistryError.systemCall(error, "try the partial download's lock", path: path)
            }
            let held = try file.fileStatus()
            guard let named = try FileSystem.status(path), named.device == held.device, named.inode == held.inode
            else { return false }
            try FileSystem.removeFile(path)
            return true
        }
    }

    /// Whether a pull holds the partial download at `path`; an error deciding counts as held.
    static func isHeld(_ path: String) -> Bool {
        guard let file = try? OpenFile.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) else {
            return (try? FileSystem.status(path)) != nil
        }
        defer { try? file.closeReleasingLock() }
        return (try? file.lock(LOCK_EX | LOCK_NB)) == nil
    }
}
