import Foundation
import RegistryCore

/// An OCI image layout on disk (OCI image spec `image-layout.md`): `oci-layout`, `index.json` and
/// `blobs/sha256/<hex>`.
///
/// Writers add blobs by hard link or by an atomic rename of a synced copy, so a blob name never holds partial
/// bytes, and replace `index.json` atomically while holding `flock` on ``lockFileName`` inside the layout: several
/// processes exporting into one layout on a local file system never lose each other's tags. Readers take no lock,
/// verify every blob's size and digest, and cap what they read into memory. `OCILayoutDirectory` is an immutable
/// `Sendable` value; it holds no open file.
public struct OCILayoutDirectory: Sendable {
    /// The layout's root directory.
    public let path: String

    /// The lock file writers hold while they replace `index.json`.
    public static let lockFileName = ".modelreg-index.lock"
    /// The content of `oci-layout` this package writes.
    public static let markerBytes = Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
    /// The prefix of temporary files writers create in the layout's root (removed on failure; a crash may leave
    /// one behind, which no reader looks at).
    static let temporaryPrefix = ".modelreg-tmp-"

    /// A layout at `url` (it need not exist yet).
    public init(url: URL) {
        self.path = url.standardizedFileURL.path
    }

    /// `oci-layout`.
    public var markerPath: String { path + "/oci-layout" }
    /// `index.json`.
    public var indexPath: String { path + "/index.json" }
    /// `blobs/sha256`.
    public var blobsPath: String { path + "/blobs/sha256" }
    /// The path of a blob.
    public func blobPath(_ digest: Digest) -> String { path + "/blobs/\(digest.algorithm)/\(digest.hex)" }

    // MARK: Reading

    /// Checks `oci-layout` and reads `index.json`.
    ///
    /// - Throws: `.notFound` when the directory, `oci-layout` or `index.json` is missing; `.invalidDocument` for a
    ///   marker without an `imageLayoutVersion` of 1.x; `.invalidArgument` for an index above 4 MiB; what
    ///   ``OCIImageIndex/init(parsing:source:)`` throws.
    public func readIndex() throws -> OCIImageIndex {
        guard try FileSystem.status(path, followLinks: true)?.kind == .directory else {
            throw RegistryError(.notFound, "'\(path)' is not an OCI image layout directory", path: path)
        }
        guard try FileSystem.exists(markerPath) else {
            throw RegistryError(
                .notFound, "'\(path)' is not an OCI image layout: it has no 'oci-layout' file", path: markerPath)
        }
        let marker = try JSONObjectReader(
            CanonicalJSON.parse(FileSystem.readDocument(markerPath, limit: 1 << 16), source: markerPath),
            source: markerPath)
        let version = try marker.string("imageLayoutVersion")
        guard version.hasPrefix("1.") else {
            throw marker.makeError(at: "imageLayoutVersion", "'\(version)' is not a 1.x image layout version")
        }
        guard try FileSystem.exists(indexPath) else {
            throw RegistryError(.notFound, "'\(path)' has no index.json", path: indexPath)
        }
        return try OCIImageIndex(parsing: readCapped(indexPath, limit: OCIImageIndex.maximumSize), source: indexPath)
    }

    /// Reads a small blob (a manifest, an index, a config, a signature) and checks its size and digest.
    ///
    /// - Parameter limit: the most bytes read into memory; a descriptor claiming more is refused before reading.
    /// - Throws: `.notFound` for a missing blob; `.digestMismatch` for a blob whose size or SHA-256 differs from
    ///   the descriptor; `.invalidArgument` above `limit`; `.symlinkRefused` for a blob that is a symbolic link.
    public func readBlob(_ descriptor: OCIDescriptor, limit: Int) throws -> [UInt8] {
        let blob = blobPath(descriptor.digest)
        guard descriptor.size <= Int64(limit) else {
            throw RegistryError(
                .invalidArgument,
                "blob \(descriptor.digest) (\(descriptor.mediaType)) claims \(descriptor.size) bytes, above the "
                    + "\(limit)-byte limit for a document", path: blob)
        }
        try checkPresent(descriptor)
        let bytes = try readCapped(blob, limit: limit)
        guard Int64(bytes.count) == descriptor.size else {
            throw RegistryError(
                .digestMismatch,
                "blob \(blob) has \(bytes.count) bytes but its descriptor says \(descriptor.size)", path: blob)
        }
        let actual = SHA256Algorithm().hash(bytes)
        guard actual == descriptor.digest else {
            throw RegistryError(
                .digestMismatch, "blob \(blob) hashes to \(actual), not to the digest it is stored under", path: blob)
        }
        return bytes
    }

    /// Checks that the blob of `descriptor` exists as a regular file of the descriptor's size (no hashing).
    ///
    /// - Throws: `.notFound`, `.symlinkRefused`, or `.digestMismatch` for a size that differs.
    public func checkPresent(_ descriptor: OCIDescriptor) throws {
        let blob = blobPath(descriptor.digest)
        guard let status = try FileSystem.status(blob) else {
            throw RegistryError(
                .notFound, "the layout has no blob \(descriptor.digest) (\(descriptor.mediaType))", path: blob)
        }
        guard status.kind == .regular else {
            throw RegistryError(
                status.kind == .symbolicLink ? .symlinkRefused : .invalidArgument,
                "blob \(blob) is not a regular file", path: blob)
        }
        guard status.size == descriptor.size else {
            throw RegistryError(
                .digestMismatch,
                "blob \(blob) has \(status.size) bytes but its descriptor says \(descriptor.size)", path: blob)
        }
    }

    private func readCapped(_ file: String, limit: Int) throws -> [UInt8] {
        if let size = try FileSystem.status(file)?.size, size > Int64(limit) {
            throw RegistryError(
                .invalidArgument, "'\(file)' is \(size) bytes, above the \(limit)-byte limit", path: file)
        }
        return try FileSystem.readDocument(file, limit: limit)
    }

    // MARK: Writing

    /// Creates the layout's directories and `oci-layout` when missing.
    ///
    /// - Durability: `oci-layout` is created with `O_EXCL`, synced, and its directory synced.
    public func prepare() throws {
        try FileSystem.makeDirectories(blobsPath)
        if try !FileSystem.exists(markerPath) {
            let temp = path + "/" + FileSystem.uniqueName(Self.temporaryPrefix)
            try FileSystem.createFile(temp, contents: Self.markerBytes, mode: 0o644)
            // link(2) instead of rename: a marker another process created meanwhile is kept. Where the file
            // system has no hard links, rename: a concurrent writer's marker has the same bytes.
            if try FileSystem.linkIfPossible(temp, at: markerPath) == .notPossible {
                try FileSystem.rename(temp, to: markerPath)
            } else {
                try FileSystem.removeFile(temp)
            }
            try FileSystem.syncDirectory(path)
        }
    }

    /// Stores `bytes` as a blob unless a blob of that digest and size is already there.
    ///
    /// - Durability: written to a temporary file, synced, renamed into `blobs/sha256/`; the caller syncs
    ///   ``blobsPath`` once after its last blob (``syncBlobs()``).
    public func putBlob(_ bytes: [UInt8]) throws {
        let digest = SHA256Algorithm().hash(bytes)
        let target = blobPath(digest)
        if try FileSystem.status(target)?.size == Int64(bytes.count) { return }
        let temp = path + "/" + FileSystem.uniqueName(Self.temporaryPrefix)
        try FileSystem.createFile(temp, contents: bytes, mode: 0o444)
        do {
            try FileSystem.rename(temp, to: target)
        } catch {
            try? FileSystem.removeFile(temp)
            throw error
        }
    }

    /// How ``putBlob(linkingOrCopying:as:)`` stored a blob.
    public enum BlobOutcome: String, Sendable {
        /// Already in the layout.
        case present
        /// Hard-linked to the source file: no byte copied.
        case linked
        /// Copied (another file system, or links not allowed), hashed on the way and checked.
        case copied
    }

    /// Stores the file at `source` as the blob `descriptor` names: a hard link where the file system allows it,
    /// else a copy whose SHA-256 is checked against the descriptor.
    ///
    /// - Throws: `.digestMismatch` when the copied bytes do not hash to the descriptor's digest (nothing is
    ///   left behind); I/O errors naming the path.
    /// - Durability: the copy is synced before its rename; the caller syncs ``blobsPath`` (``syncBlobs()``).
    public func putBlob(linkingOrCopying source: String, as descriptor: OCIDescriptor) throws -> BlobOutcome {
        let target = blobPath(descriptor.digest)
        if try FileSystem.status(target)?.size == descriptor.size { return .present }
        switch try FileSystem.linkIfPossible(source, at: target) {
        case .linked: return .linked
        case .targetExisted: return .present  // a writer of the same blob got there first
        case .notPossible: break
        }
        let temp = path + "/" + FileSystem.uniqueName(Self.temporaryPrefix)
        let outcome = try FileTransfer.stage(
            source, at: temp, method: .copy, algorithm: SHA256Algorithm(), followSymlinks: false)
        guard outcome.result.digest == descriptor.digest, outcome.result.size == descriptor.size else {
            try? FileSystem.removeFile(temp)
            throw RegistryError(
                .digestMismatch,
                "'\(source)' hashes to \(outcome.result.digest) (\(outcome.result.size) bytes), not to "
                    + "\(descriptor.digest) (\(descriptor.size) bytes) as its manifest says", path: source)
        }
        do {
            try FileSystem.rename(temp, to: target)
        } catch {
            try? FileSystem.removeFile(temp)
            throw error
        }
        return .copied
    }

    /// Syncs `blobs/sha256/`, making every blob name added since durable.
    public func syncBlobs() throws {
        try FileSystem.syncDirectory(blobsPath)
    }

    /// Replaces `index.json` with what `change` makes of it, holding the layout's lock file.
    ///
    /// - Parameters:
    ///   - timeout: how long to wait for another writer's lock.
    ///   - change: edits the current index (an empty one when there is no `index.json` yet).
    /// - Throws: `.lockTimeout`; what reading the current index throws; I/O errors.
    /// - Durability: atomic replace (temp file, fsync, rename, directory fsync) under `flock`.
    public func updateIndex(timeout: Duration = .seconds(30), _ change: (inout OCIImageIndex) throws -> Void) throws {
        let lock = WriterLock(path: path + "/" + Self.lockFileName)
        do {
            try replaceIndex(holding: lock, timeout: timeout, change)
        } catch RegistryError.Code.lockTimeout {
            throw RegistryError(
                .lockTimeout,
                "another process held the lock of the OCI layout '\(path)' (\(lock.path)) for longer than "
                    + "\(timeout); it is exporting into the same layout", path: lock.path)
        }
    }

    private func replaceIndex(
        holding lock: WriterLock, timeout: Duration, _ change: (inout OCIImageIndex) throws -> Void
    ) throws {
        try lock.withLock(timeout: timeout) {
            var index =
                try FileSystem.exists(indexPath)
                ? OCIImageIndex(parsing: readCapped(indexPath, limit: OCIImageIndex.maximumSize), source: indexPath)
                : OCIImageIndex()
            try change(&index)
            CrashPoint.hit("oci.beforeIndexReplace")
            try FileSystem.atomicReplace(indexPath, contents: index.canonicalBytes(), mode: 0o644)
        }
    }
}
