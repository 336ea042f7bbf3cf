internal import CRegistryShims
import Foundation

/// Starts a program that outlives its parent and holds none of its descriptors: how the command-line tool hands
/// maintenance (an index compaction) to the background after a command, as `git gc --auto` does, so the command
/// returns at once and a caller reading its output until end of file does not wait for the maintenance.
package enum DetachedProcess {
    /// Starts `executable` with `arguments` and this process's environment in a new session, standard
    /// input, output and error on `/dev/null`, and does not wait for it.
    ///
    /// - Parameters:
    ///   - executable: the program's path.
    ///   - arguments: its arguments, without the program name.
    /// - Throws: `RegistryError` (`.io`) naming the program when it could not be started.
    package static func start(_ executable: String, arguments: [String]) throws {
        let strings = ([executable] + arguments).map { strdup($0) }
        defer { for string in strings { free(string) } }
        let result = (strings + [nil]).withUnsafeBufferPointer { argv in
            argv.baseAddress.map { mr_spawn_detached(executable, $0) } ?? -1
        }
        guard result == 0 else {
            throw RegistryError(
                .io, "could not start '\(executable)' in the background: \(String(cString: strerror(errno)))",
                path: executable)
        }
    }
}
