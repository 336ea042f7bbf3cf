import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real file system in an image file, loop-mounted, for the power-loss and full-disk tests (issue #14): ext4
/// with `data=ordered` or `data=writeback`, or xfs. Needs root, `mount -o loop` and the `mkfs` of the kind; tests
/// ask ``unavailableReason(_:)`` and skip with its message.
struct LoopFileSystem {
    enum Kind: String, CaseIterable, Sendable {
        case ext4Ordered = "ext4 data=ordered"
        case ext4Writeback = "ext4 data=writeback"
        case xfs

        /// The mkfs binary and its arguments before the image path.
        var mkfs: (String, [String]) {
            switch self {
            case .ext4Ordered, .ext4Writeback: ("/usr/sbin/mkfs.ext4", ["-q", "-F"])
            case .xfs: ("/usr/sbin/mkfs.xfs", ["-q", "-f"])
            }
        }

        /// Mount options. ext4's periodic journal commit is pushed out (`commit=600`) so that what reaches the
        /// image is what the writer flushed; xfs gets `nouuid` because the cut copy shares the original's UUID.
        var mountOptions: String {
            switch self {
            case .ext4Ordered: "loop,data=ordered,commit=600"
            case .ext4Writeback: "loop,data=writeback,commit=600"
            case .xfs: "loop,nouuid"
            }
        }

        /// xfs refuses file systems smaller than 300 MiB; the image is sparse, so this costs little.
        var sizeMiB: Int { self == .xfs ? 320 : 64 }

        /// The checker that must call the replayed image clean, read-only.
        var checker: (String, [String]) {
            switch self {
            case .ext4Ordered, .ext4Writeback: ("/usr/sbin/e2fsck", ["-f", "-n"])
            case .xfs: ("/usr/sbin/xfs_repair", ["-n"])
            }
        }
    }

    /// Why loop-mounted file systems of `kind` cannot be used here, or nil when they can.
    static func unavailableReason(_ kind: Kind) -> String? {
        guard getuid() == 0 else { return "needs root to loop-mount a file system image" }
        guard CLIRunner.binary != nil else { return "needs the modelreg binary (swift build)" }
        for tool in [kind.mkfs.0, kind.checker.0, "/usr/bin/mount", "/usr/bin/umount"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "needs \(tool) (apt-get install e2fsprogs xfsprogs mount)"
        }
        return probeFailures[kind]
    }

    /// Why a loop mount of a kind failed, probed once per kind (a container may lack /dev/loop*).
    private static let probeFailures: [Kind: String] = {
        var result: [Kind: String] = [:]
        guard getuid() == 0 else { return result }
        for kind in Kind.allCases {
            let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
                "modelreg-loop-probe-\(getpid())-\(kind.rawValue.filter(\.isLetter))")
            defer { try? FileManager.default.removeItem(at: directory) }
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                let image = try makeImage(kind, at: directory.appendingPathComponent("probe.img"))
                let mount = try LoopFileSystem(image: image, kind: kind, at: directory.appendingPathComponent("mnt"))
                try mount.unmount()
            } catch {
                result[kind] = "loop mounting \(kind.rawValue) failed here: \(error)"
            }
        }
        return result
    }()

    let image: URL
    let kind: Kind
    let mountPoint: URL

    /// Creates a sparse image file holding an empty file system of `kind`.
    static func makeImage(_ kind: Kind, at image: URL) throws -> URL {
        _ = FileManager.default.createFile(atPath: image.path, contents: nil)
        let handle = try FileHandle(forWritingTo: image)
        try handle.truncate(atOffset: UInt64(kind.sizeMiB) << 20)
        try handle.close()
        try Tool.run(kind.mkfs.0, kind.mkfs.1 + [image.path])
        return image
    }

    /// Mounts `image` at `mountPoint` (created when absent).
    init(image: URL, kind: Kind, at mountPoint: URL) throws {
        self.image = image
        self.kind = kind
        self.mountPoint = mountPoint
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        try Tool.run("/usr/bin/mount", ["-o", kind.mountOptions, image.path, mountPoint.path])
    }

    /// Unmounts; the loop device goes with it (`-o loop` sets autoclear).
    func unmount() throws {
        Registry.releaseSharedIndexes()  // a registry opened in this process keeps its index.bin mapped
        try Tool.run("/usr/bin/umount", [mountPoint.path])
    }

    /// Unmounts, retrying while a killed writer's descriptors are still being released.
    func unmountEventually() {
        for _ in 0..<50 {
            if (try? unmount()) != nil { return }
            usleep(100_000)
        }
        Issue.record("\(mountPoint.path) could not be unmounted: a file on it is still open")
    }

    /// Copies an image the way a power cut leaves it: the bytes the loop device has received, holes kept.
    static func copyImage(_ source: URL, to destination: URL) throws {
        try Tool.run("/bin/cp", ["--sparse=always", source.path, destination.path])
    }

    /// Runs the file system's own checker on an unmounted image; returns its complaint, or nil when clean.
    static func checkerComplaint(_ kind: Kind, image: URL) throws -> String? {
        let outcome = try Tool.capture(kind.checker.0, kind.checker.1 + [image.path])
        return outcome.status == 0
            ? nil : "\(kind.checker.0) exited \(outcome.status): \(outcome.stdout)\(outcome.stderr)"
    }
}

/// Runs system tools for the loop-device tests.
enum Tool {
    /// Runs `tool` and throws with its output when it exits non-zero.
    static func run(_ tool: String, _ arguments: [String]) throws {
        let outcome = try capture(tool, arguments)
        guard outcome.status == 0 else {
            throw RegistryError(
                .io, "\(tool) \(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.stderr)")
        }
    }

    /// Runs `tool` to its end and returns what it printed.
    static func capture(_ tool: String, _ arguments: [String]) throws -> CLIRunner.Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        return try CLIRunner.capture(process)
    }
}
