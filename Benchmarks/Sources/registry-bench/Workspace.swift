import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fresh private directory for one run of the program, removed at the end (and on Ctrl-C).
///
/// It holds the inputs (`inputs/`), the registries created for each run, and scratch copies.
final class Workspace {
    /// The directory itself, `<parent>/run-<pid>-<time>`.
    let root: String
    /// A short label for tables: `disk` or `shm`.
    let label: String
    /// The file system type of `root`, for example `ext4` or `tmpfs`.
    let fileSystem: String
    let inputs: InputFiles
    private var counter = 0

    /// Whether `remove()` also removes the parent directory when it is left empty (our defaults, never `--dir`).
    let ownsParent: Bool

    /// Creates `<parent>/run-<pid>-<time>` (and `parent` if needed).
    init(parent: String, label: String, ownsParent: Bool) throws {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let name = "run-\(getpid())-\(Int(Date().timeIntervalSince1970))"
        root = URL(fileURLWithPath: parent).appendingPathComponent(name).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: root + "/inputs", withIntermediateDirectories: true)
        self.label = label
        self.ownsParent = ownsParent
        fileSystem = FileSystemInfo.typeName(of: root)
        inputs = InputFiles(directory: root + "/inputs")
        Cleanup.shared.add(self)
    }

    /// A new, not yet existing path inside the workspace, for example `reg-copy-3`.
    func scratchPath(_ prefix: String) -> String {
        counter += 1
        return root + "/\(prefix)-\(counter)"
    }

    /// Removes the whole workspace.
    func remove() {
        Workspace.removeTree(root)
        // rmdir only succeeds when empty, so a parent shared with a concurrent run is never harmed.
        if ownsParent { rmdir((root as NSString).deletingLastPathComponent) }
        Cleanup.shared.remove(self)
    }

    /// Removes a directory tree, making read-only directories writable first (registries seal their files).
    static func removeTree(_ path: String) {
        if let enumerator = FileManager.default.enumerator(atPath: path) {
            for case let relative as String in enumerator {
                let full = path + "/" + relative
                var status = stat()
                if lstat(full, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { chmod(full, 0o755) }
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Facts about the file system a benchmark writes to.
enum FileSystemInfo {
    /// `ext4`, `xfs`, `btrfs`, `tmpfs` …: the type of the longest mount point above `path` in `/proc/self/mounts`
    /// (`statfs(2)` on Darwin).
    static func typeName(of path: String) -> String {
        #if canImport(Darwin)
            var info = statfs()
            guard statfs(path, &info) == 0 else { return "unknown" }
            return withUnsafeBytes(of: info.f_fstypename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #else
            guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else {
                return "unknown"
            }
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            var best: (mountPoint: String, type: String) = ("", "unknown")
            for line in mounts.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count >= 3 else { continue }
                // Spaces and tabs in mount points are octal-escaped; such mount points are simply never matched.
                let mountPoint = String(fields[1])
                let contains = mountPoint == "/" || target == mountPoint || target.hasPrefix(mountPoint + "/")
                if contains && mountPoint.count >= best.mountPoint.count { best = (mountPoint, String(fields[2])) }
            }
            return best.type
        #endif
    }

    /// Bytes available to an unprivileged user.
    static func availableBytes(at path: String) -> Int64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}

/// The workspaces to remove when the program is interrupted.
final class Cleanup: @unchecked Sendable {
    static let shared = Cleanup()
    private let lock = NSLock()
    /// Workspace roots and whether their parent goes too when empty.
    private var roots: [String: Bool] = [:]
    private var signalSources: [any DispatchSourceSignal] = []

    func add(_ workspace: Workspace) { lock.withLock { roots[workspace.root] = workspace.ownsParent } }
    func remove(_ workspace: Workspace) { lock.withLock { _ = roots.removeValue(forKey: workspace.root) } }

    /// On SIGINT or SIGTERM, removes every workspace and exits with 128 + signal.
    func installSignalHandlers() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                let roots = lock.withLock { self.roots }
                FileHandle.standardError.write(
                    Data("\ninterrupted: removing \(roots.keys.sorted().joined(separator: ", "))\n".utf8))
                for (root, ownsParent) in roots {
                    Workspace.removeTree(root)
                    if ownsParent { rmdir((root as NSString).deletingLastPathComponent) }
                }
                exit(128 + signalNumber)
            }
            source.resume()
            lock.withLock { signalSources.append(source) }
        }
    }
}
