import Foundation
import ModelRegistry

/// Shows the progress of a long command (register, verify …) on stderr: a bar redrawn in place on a terminal, and
/// plain lines — no carriage returns — when stderr is a log file or a pipe.
///
/// ```swift
/// let display = ProgressDisplay(title: "register")
/// display.update(.init(phase: "copying", completed: 512, total: 2048, itemsCompleted: 1, itemsTotal: 4))
/// display.finish()
/// ```
///
/// Plain lines are printed when the phase changes and when the completed share passes 25 %, 50 % and 75 %, so a
/// log holds a handful of lines whatever the size. Safe to call from any thread: updates are serialised.
final class ProgressDisplay: @unchecked Sendable {
    /// What to show: a phase, bytes (or other units) and items (files, artifacts).
    struct Status: Equatable {
        /// The current phase, for example `copying`.
        var phase: String
        /// Units done, normally bytes.
        var completed: Int64
        /// Units in all.
        var total: Int64
        /// Items done.
        var itemsCompleted: Int
        /// Items in all.
        var itemsTotal: Int
    }

    /// How the progress is drawn.
    enum Style {
        /// One line redrawn in place with `\r`, for a terminal.
        case bar
        /// Separate lines at phase changes and quarter marks, for logs.
        case lines
    }

    /// The command shown at the start of every line.
    let title: String
    /// The item word, plural (`files`).
    let items: String
    /// Whether `completed` and `total` count bytes (shown as sizes), or the items themselves (then not repeated).
    let measuresBytes: Bool
    /// How the progress is drawn.
    let style: Style
    private let write: @Sendable (String) -> Void
    private let lock = NSLock()
    private var lastPhase: String?
    private var lastQuarter = 0
    private var drewBar = false

    /// Creates a display.
    ///
    /// - Parameters:
    ///   - title: the command, shown first (`register`).
    ///   - items: what the items are, plural (`files`).
    ///   - measuresBytes: whether the completed and total units are bytes; false when they count the items.
    ///   - style: `.bar` or `.lines`; by default `.bar` exactly when stderr is a terminal.
    ///   - write: where text goes; stderr by default.
    init(
        title: String, items: String = "files", measuresBytes: Bool = true, style: Style? = nil,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.title = title
        self.items = items
        self.measuresBytes = measuresBytes
        self.style = style ?? (system_isTerminal(2) ? .bar : .lines)
        self.write = write
    }

    /// Shows `status`.
    func update(_ status: Status) {
        lock.lock()
        defer { lock.unlock() }
        let percent = status.total > 0 ? Int(min(100, status.completed * 100 / status.total)) : 100
        switch style {
        case .bar:
            let width = 24
            let filled = width * percent / 100
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write("\r\u{1B}[K\(title): \(status.phase) [\(bar)] \(String(percent).leftPadded(to: 3))% \(text(status))")
            drewBar = true
        case .lines:
            let quarter = percent / 25
            guard status.phase != lastPhase || quarter > lastQuarter else { return }
            lastPhase = status.phase
            lastQuarter = quarter
            write("\(title): \(status.phase) \(text(status)) (\(percent)%)\n")
        }
    }

    /// Ends the display: on a terminal, moves past the bar so that the next output starts on a fresh line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drewBar { write("\n") }
        drewBar = false
    }

    private func text(_ status: Status) -> String {
        let count = "\(status.itemsCompleted)/\(status.itemsTotal) \(items)"
        guard measuresBytes else { return count }
        return count + ", \(CommandLineTool.formatSize(status.completed)) of "
            + CommandLineTool.formatSize(status.total)
    }
}

extension ProgressDisplay.Status {
    /// A count of items done, for progress that has no bytes to show (verifying artifacts).
    init(phase: String, itemsCompleted: Int, itemsTotal: Int) {
        self.init(
            phase: phase, completed: Int64(itemsCompleted), total: Int64(itemsTotal), itemsCompleted: itemsCompleted,
            itemsTotal: itemsTotal)
    }

    /// A registration's progress as the display shows it: bytes and files.
    init(_ progress: RegistrationProgress) {
        self.init(
            phase: progress.phase.description, completed: progress.bytesCompleted, total: progress.bytesTotal,
            itemsCompleted: progress.filesCompleted, itemsTotal: progress.filesTotal)
    }
}
