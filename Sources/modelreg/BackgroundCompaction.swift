import Foundation
import ModelRegistry

/// Index compaction for the command-line tool: each command is a short process, so instead of a background thread
/// (``Registry/IndexCompactionMode/background``, which the exit would cut off) a command that wrote and left a
/// compaction due starts `modelreg index compact` detached, as `git gc --auto` does. The command returns at once;
/// the compaction runs outside the writer lock and takes it only to install its result.
enum BackgroundCompaction {
    /// The registries this command opened for writing.
    private static let opened = OpenedRegistries()

    /// Remembers a registry the command opened for writing.
    static func note(_ registry: Registry) {
        opened.append(registry)
    }

    /// Starts a detached `modelreg index compact` for each registry the command opened for writing whose index
    /// has a compaction due (one `stat` each). A failure to start it is not the command's failure: the next
    /// write tries again.
    static func startIfDue() {
        guard let executable = Bundle.main.executablePath else { return }
        var started: Set<String> = []
        for registry in opened.takeAll() where (try? registry.index.backend.isCompactionDue()) == true {
            guard started.insert(registry.layout.rootPath).inserted else { continue }
            do {
                try DetachedProcess.start(
                    executable, arguments: ["index", "compact", "--quiet", "--registry", registry.layout.rootPath])
            } catch {
                printError("warning: \(error) (the index stays correct; 'modelreg index compact' compacts it)")
            }
        }
    }

    private final class OpenedRegistries: @unchecked Sendable {
        private let lock = NSLock()
        private var registries: [Registry] = []

        func append(_ registry: Registry) {
            lock.lock()
            defer { lock.unlock() }
            registries.append(registry)
        }

        func takeAll() -> [Registry] {
            lock.lock()
            defer { lock.unlock() }
            defer { registries = [] }
            return registries
        }
    }
}
