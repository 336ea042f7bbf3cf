import Foundation
import ModelRegistry

/// Input sizes: the spec's, or small ones for `--quick`.
struct Sizes {
    /// The single-file model of `sha256` and `register-*`.
    let model: Int64
    /// The model of `rss-4gib`.
    let bigModel: Int64
    let bundleFileCount: Int
    let bundleFileSize: Int64

    static let spec = Sizes(model: 1 << 30, bigModel: 4 << 30, bundleFileCount: 8, bundleFileSize: 128 << 20)
    static let quick = Sizes(model: 64 << 20, bigModel: 256 << 20, bundleFileCount: 8, bundleFileSize: 8 << 20)
}

/// Everything a benchmark needs, and where it puts its results.
final class BenchContext {
    let options: Options
    let sizes: Sizes
    /// The work directory on the checkout's (or `--dir`'s) file system.
    let disk: Workspace
    let openssl: OpenSSL
    /// `nil` when `dd` is missing: the floor columns stay empty.
    let floor: DiskFloor?
    let cores = ProcessInfo.processInfo.activeProcessorCount

    private(set) var timings: [TimingResult] = []
    private(set) var memory: [MemoryResult] = []
    private(set) var notes: [String] = []
    /// Cores used by other processes while each benchmark ran (see ``Contention``), by benchmark name.
    var contention: [String: Double] = [:]

    private var tmpfsState: Workspace??

    init(options: Options) throws {
        self.options = options
        sizes = options.quick ? .quick : .spec
        guard let opensslPath = External.find("openssl") else {
            throw BenchError("openssl is not on PATH: it is the reference for every hash-bound target")
        }
        openssl = OpenSSL(executable: opensslPath)
        floor = External.find("dd").map(DiskFloor.init)
        disk = try Workspace(
            parent: options.directory ?? BenchContext.defaultParent, label: "disk", ownsParent: options.directory == nil
        )
    }

    /// `Benchmarks/.bench-tmp` (located from this source file at build time, so it does not depend on the current
    /// directory), or `./.bench-tmp` if the checkout has moved since the build.
    static var defaultParent: String {
        let benchmarks = packageDirectory
        if FileManager.default.fileExists(atPath: benchmarks + "/Package.swift") { return benchmarks + "/.bench-tmp" }
        return FileManager.default.currentDirectoryPath + "/.bench-tmp"
    }

    /// The `Benchmarks` package directory this executable was built from (located from this source file).
    static var packageDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// The `/dev/shm` work directory, created on first use; `nil` (with a note) when there is no tmpfs there or
    /// it has less than three models' worth of space.
    func tmpfs() throws -> Workspace? {
        if let state = tmpfsState { return state }
        var workspace: Workspace?
        let parent = "/dev/shm"
        if FileSystemInfo.typeName(of: parent) != "tmpfs" {
            note("/dev/shm is not a tmpfs here: the tmpfs runs were skipped")
        } else if FileSystemInfo.availableBytes(at: parent) < 3 * sizes.model {
            note("/dev/shm has less than \(Format.size(3 * sizes.model)) free: the tmpfs runs were skipped")
        } else {
            workspace = try Workspace(parent: parent + "/registry-bench", label: "shm", ownsParent: true)
        }
        tmpfsState = .some(workspace)
        return workspace
    }

    /// Whether the register benchmark of `mode` also runs on tmpfs.
    func runsOnTmpfs(_ mode: FileArtifactStore.IngestMode) -> Bool {
        switch options.tmpfs {
        case .never: false
        case .all: true
        case .copyOnly: mode == .copy
        }
    }

    /// The shared single-file model in `workspace`, generated on first use.
    func model(in workspace: Workspace) throws -> String {
        try workspace.inputs.file("model.bin", size: sizes.model, seed: 1)
    }

    /// `disk (ext4)`.
    func location(_ workspace: Workspace) -> String { "\(workspace.label) (\(workspace.fileSystem))" }

    func add(_ result: TimingResult) { timings.append(result) }
    func add(_ result: MemoryResult) { memory.append(result) }
    func note(_ text: String) { notes.append(text) }

    /// Removes every work directory (and the default parents, when empty).
    func removeWorkspaces() {
        for workspace in [disk] + [(tmpfsState ?? nil)].compactMap({ $0 }) { workspace.remove() }
    }
}
