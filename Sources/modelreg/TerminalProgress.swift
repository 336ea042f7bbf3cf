import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress of a long command on standard error: a bar redrawn in place (`\r`) when stderr is a terminal, plain
/// lines otherwise — one at each tenth of the work and one at the end — so a CI log or a redirected file never
/// receives `\r` or a line per item.
///
/// Sendable: work that reports from several threads (`verifyAll`) updates it under its lock.
final class TerminalProgress: @unchecked Sendable {
    /// What is being counted, for example `verified`.
    private let verb: String
    /// Whether stderr is a terminal that can redraw a line.
    private let isTerminal: Bool
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var lastTenth = -1
    /// Guarded by `lock`.
    private var drewBar = false

    /// Creates a progress display; `isTerminal` defaults to whether stderr is a terminal (and `$TERM` is not
    /// `dumb`).
    init(verb: String, isTerminal: Bool = TerminalProgress.standardErrorIsTerminal) {
        self.verb = verb
        self.isTerminal = isTerminal
    }

    /// Whether standard error is an interactive terminal. The corresponding C function is `isatty`.
    static var standardErrorIsTerminal: Bool {
        isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Reports that `completed` of `total` items are done.
    func update(completed: Int, total: Int) {
        guard total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        if isTerminal {
            let width = 30
            let filled = min(width, completed * width / total)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write("\r[\(bar)] \(completed)/\(total) \(verb)")
            drewBar = true
            return
        }
        let tenth = completed * 10 / total  // 10 exactly when done
        guard tenth != lastTenth else { return }
        lastTenth = tenth
        write("\(verb) \(completed)/\(total)\n")
    }

    /// Ends the bar's line on a terminal; nothing otherwise.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drewBar { write("\n") }
        drewBar = false
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
