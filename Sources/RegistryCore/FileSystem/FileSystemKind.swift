import Foundation

/// The kind of file system a registry lives on, as far as locking and durability are concerned.
///
/// `flock` silently succeeds without excluding anyone on some network file systems (NFS, Lustre, GPFS,
/// CIFS), which is how shared Hugging Face caches got corrupted. A registry opened for writing on one of
/// these is refused unless the caller opts in.
public struct FileSystemKind: Hashable, Sendable, CustomStringConvertible {
    /// A short name such as `ext4`, `nfs` or `lustre`.
    public let name: String
    /// Whether locks and renames cannot be trusted to be coherent across machines.
    public let isNetworked: Bool

    /// Creates a kind by name.
    public init(name: String, isNetworked: Bool) {
        self.name = name
        self.isNetworked = isNetworked
    }

    public var description: String { name }

    /// Classifies a Linux `statfs.f_type` magic number.
    package init(linuxMagic magic: UInt64) {
        switch magic {
        case 0xEF53: self.init(name: "ext4", isNetworked: false)
        case 0x5846_5342: self.init(name: "xfs", isNetworked: false)
        case 0x9123_683E: self.init(name: "btrfs", isNetworked: false)
        case 0x0102_1994: self.init(name: "tmpfs", isNetworked: false)
        case 0x794C_7630: self.init(name: "overlayfs", isNetworked: false)
        case 0x2FC1_2FC1: self.init(name: "zfs", isNetworked: false)
        case 0xCA45_1A4E: self.init(name: "bcachefs", isNetworked: false)
        case 0x6969: self.init(name: "nfs", isNetworked: true)
        case 0x517B: self.init(name: "smb", isNetworked: true)
        case 0xFF53_4D42: self.init(name: "cifs", isNetworked: true)
        case 0xFE53_4D42: self.init(name: "smb2", isNetworked: true)
        case 0x0BD0_0BD0: self.init(name: "lustre", isNetworked: true)
        case 0x4750_4653: self.init(name: "gpfs", isNetworked: true)
        case 0x00C3_6400: self.init(name: "ceph", isNetworked: true)
        case 0x5346_414F: self.init(name: "afs", isNetworked: true)
        case 0x0102_1997: self.init(name: "9p", isNetworked: true)
        case 0x6573_5546: self.init(name: "fuse", isNetworked: true)  // sshfs, s3fs, gcsfuse …: assume the worst
        case 0x7461_636F: self.init(name: "ocfs2", isNetworked: true)
        case 0x0116_1970: self.init(name: "gfs2", isNetworked: true)
        case 0x1338_0E13, 0x6B41_4653: self.init(name: "beegfs", isNetworked: true)  // historical / current magic
        default: self.init(name: "0x" + String(magic, radix: 16), isNetworked: false)
        }
    }

    #if DEBUG
        /// `MODELREG_FILESYSTEM_MAGIC=<hex>` (debug builds only): the Linux `f_type` every `statfs` reports instead
        /// of the real one, so tests can check that a writer refuses NFS, CIFS or FUSE on a local disk.
        package static let injectedLinuxMagic: UInt64? = ProcessInfo.processInfo.environment[
            "MODELREG_FILESYSTEM_MAGIC"
        ].flatMap { text in
            UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
        }
    #endif

    /// Classifies a Darwin `statfs.f_fstypename`.
    package init(darwinTypeName name: String) {
        let networked: Set<String> = ["nfs", "smbfs", "afpfs", "webdav", "cifs", "macfuse", "osxfuse"]
        self.init(name: name, isNetworked: networked.contains(name))
    }
}
