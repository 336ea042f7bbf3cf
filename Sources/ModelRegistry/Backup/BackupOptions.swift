import Foundation
import RegistryCore

extension Registry {
    /// How `Registry.backup(to:options:)` writes its snapshot.
    public struct BackupOptions: Sendable {
        /// What the destination is.
        public enum Format: String, Sendable, CaseIterable {
            /// A directory laid out like a registry plus `backup.json` (FORMAT.md §14.5). A later backup into the
            /// same directory is incremental: it copies only new artifacts and the log's new lines.
            case directory
            /// One POSIX tar file (ustar with pax extended headers), written whole each time and replaced atomically.
            case tar
        }

        /// The destination's format. Default: a directory.
        public var format: Format
        /// Told about each artifact as it is copied, from the calling thread.
        public var progress: (@Sendable (BackupProgress) -> Void)?

        /// Creates options.
        public init(format: Format = .directory, progress: (@Sendable (BackupProgress) -> Void)? = nil) {
            self.format = format
            self.progress = progress
        }
    }

    /// Where a backup stands: how many of the artifacts it has to copy are done.
    public struct BackupProgress: Sendable, Hashable {
        /// Artifacts copied so far in this run.
        public var artifactsCopied: Int
        /// Artifacts this run copies (new ones only, for an incremental backup).
        public var artifactsToCopy: Int
        /// Bytes written so far in this run (links write none).
        public var bytesWritten: Int64
    }

    /// What a backup wrote: counts that show an incremental run copied only what was new.
    public struct BackupReport: Sendable, Hashable {
        /// The destination directory or tar file.
        public var destination: URL
        /// Its format.
        public var format: BackupOptions.Format
        /// Whether this run continued an earlier backup in the same directory.
        public var isIncremental: Bool
        /// Artifacts in the snapshot.
        public var artifacts: Int
        /// Artifacts this run copied (all of them for a full backup or a tar).
        public var artifactsCopied: Int
        /// Artifacts an earlier run had copied that the registry no longer holds, removed from the backup.
        public var artifactsRemoved: Int
        /// Regular files written by copying bytes.
        public var filesCopied: Int
        /// Files written as hard links to a file already in the backup (deduplicated files).
        public var filesLinked: Int
        /// Bytes of file contents written (copies and the log's new bytes; links count none).
        public var bytesWritten: Int64
        /// Bytes of the audit log this run appended to the backup.
        public var logBytesCopied: Int64
        /// The snapshot's log length in events (the last event's sequence number).
        public var events: Int64
        /// The hash of the snapshot's last log line (`sha256:` + 64 zeros for an empty log).
        public var head: Digest
    }

    /// What a restore checked and wrote.
    public struct RestoreReport: Sendable {
        /// The restored registry's directory.
        public var destination: URL
        /// Artifacts restored (each verified by re-hashing every file).
        public var artifacts: Int
        /// Events in the restored log.
        public var events: Int64
        /// The hash of the restored log's last line, as the backup recorded it.
        public var head: Digest
        /// The `fsck` of the restored registry at the `full` depth; clean, or the restore would have failed.
        public var integrity: IntegrityReport
    }
}
