import Foundation
import RegistryCore

extension FileArtifactStore {
    /// How a source file's bytes get into the registry.
    ///
    /// | Mode | Cost | Risk |
    /// |---|---|---|
    /// | `copy` (default) | one read, one write; hashed while copying | none: the artifact owns its bytes; a source changed during the copy fails with `fileChanged` |
    /// | `reflink` | near zero where the file system clones (btrfs, XFS, APFS); else a copy | none: clones are copy-on-write |
    /// | `hardlink` | near zero; same file system only | the artifact shares the inode with your file: writing to your original later changes the artifact. Files are made read-only (yours too) and the verifier's stamp check reports any change. Another user's file, or one that cannot be made read-only, is copied instead (`copiedInstead`) |
    /// | `move` | near zero on one file system (a copy across file systems); the source is removed after publishing | none once published |
    ///
    /// `hardlink` and `move` refuse a source inside the registry, found by device and inode (a symbolic link or a
    /// bind mount of the registry does not hide it): taking a published artifact's files would destroy it.
    public enum IngestMode: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Copy the bytes, hashing while copying.
        case copy
        /// Make a hard link: shares the inode with the source (see the risk above).
        case hardlink
        /// Take the file: link it into staging, then remove the source once the artifact is published.
        case move
        /// Clone copy-on-write where the file system supports it; otherwise copy.
        case reflink

        public var description: String { rawValue }
    }

    /// Options for registering a bundle.
    public struct IngestOptions: Sendable {
        /// How bytes are brought in. Default `.copy`.
        public var mode: IngestMode
        /// Follow symbolic links inside a source directory instead of refusing them. Default `false`: a link
        /// could pull in files from outside the bundle.
        public var followSymlinks: Bool
        /// Media types to record for bundle paths, for example `["weights.safetensors": "application/octet-stream"]`.
        public var mediaTypes: [String: String]
        /// How many files are copied and hashed at once. Default: one per active core.
        public var maxConcurrency: Int

        /// Accept a bundle with no files (refused by default: an empty artifact is almost always a wrong path).
        public var allowEmpty: Bool
        /// Accept parents (`ArtifactMetadata.parents`) that are not in this registry, for lineage that
        /// crosses registries. Refused by default: a mistyped parent would make wrong lineage permanent.
        public var allowForeignParents: Bool
        /// Patterns of paths under a source directory to leave out of the bundle (and so out of its id), in the
        /// gitignore-like syntax of FORMAT.md §5.8: `*.tmp`, `checkpoints/`, `/scratch/**`. Default:
        /// ``defaultExcludes``, so version-control metadata and Finder litter never change an id; set `[]` to
        /// register every file. Applies to ``FileArtifactStore/register(directory:metadata:options:progress:)`` only: an
        /// explicit file list is taken as given.
        public var excludes: [String]
        /// The file in the source directory's top level whose lines add exclusion patterns (same syntax, `#`
        /// comments); the file itself is always left out. Default `.modelregignore`; nil reads none.
        public var ignoreFileName: String?
        /// Ignore the source-digest cache and read every source file (FORMAT.md §10.2): for a file system whose
        /// stamps cannot be trusted, or a file rewritten with the same size within its timestamp granularity.
        /// The digests read are recorded again. Default `false`. CLI: `register --rehash`.
        public var rehash: Bool
        /// Files of at least this many bytes are deduplicated: stored as a hard link to an identical published
        /// file instead of a copy (FORMAT.md §10.1). Smaller files are always stored on their own: a link saves
        /// less than the index document it needs. Default ``defaultDeduplicationMinimumSize`` (64 KiB); 0
        /// deduplicates every file; `Int64.max` none.
        public var deduplicationMinimumSize: Int64
        /// Source files the registry wrote and hashed itself inside a staging lease it holds (a pull's downloaded
        /// blobs), by standardized path: hard-linked into staging with the size and digest measured while they were
        /// written, not read again.
        package var verifiedSources: [String: StreamingHasher.Result] = [:]

        /// What ``excludes`` holds by default: `.git/`, `.hg/`, `.svn/` (version-control metadata: history, not
        /// model) and `.DS_Store` (written by macOS Finder whenever a folder is opened), at any depth. Docker's
        /// `.dockerignore` has no defaults; ours exist because each of these would silently change the id.
        public static let defaultExcludes = [".git/", ".hg/", ".svn/", ".DS_Store"]
        /// The default ``ignoreFileName``.
        public static let defaultIgnoreFileName = ".modelregignore"
        /// The default ``deduplicationMinimumSize``: 64 KiB.
        public static let defaultDeduplicationMinimumSize: Int64 = 64 << 10

        /// Creates options; the defaults copy, refuse symbolic links, empty bundles and unknown parents, hash on
        /// every core, leave out ``defaultExcludes`` and what `.modelregignore` lists, trust the source-digest
        /// cache and deduplicate files of 64 KiB or more.
        public init(
            mode: IngestMode = .copy, followSymlinks: Bool = false, mediaTypes: [String: String] = [:],
            maxConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount, allowEmpty: Bool = false,
            allowForeignParents: Bool = false, excludes: [String] = IngestOptions.defaultExcludes,
            ignoreFileName: String? = IngestOptions.defaultIgnoreFileName, rehash: Bool = false,
            deduplicationMinimumSize: Int64 = IngestOptions.defaultDeduplicationMinimumSize
        ) {
            self.rehash = rehash
            self.deduplicationMinimumSize = max(0, deduplicationMinimumSize)
            self.excludes = excludes
            self.ignoreFileName = ignoreFileName
            self.allowEmpty = allowEmpty
            self.allowForeignParents = allowForeignParents
            self.mode = mode
            self.followSymlinks = followSymlinks
            self.mediaTypes = mediaTypes
            self.maxConcurrency = max(1, maxConcurrency)
        }
    }

    /// One file to register: where its bytes are now and the path it will have inside the bundle.
    public struct SourceFile: Hashable, Sendable {
        /// The file to read.
        public var source: URL
        /// The relative POSIX path inside the bundle (see `BundlePath`).
        public var path: String

        /// Creates a source file entry.
        public init(source: URL, path: String) {
            self.source = source
            self.path = path
        }
    }
}
