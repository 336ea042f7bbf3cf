import Foundation
import ModelRegistry

/// `modelreg backup DEST [--tar] [--json]`
enum BackupCommand: Command {
    static let name = "backup"
    static let usage = """
        backup DEST             Back up the registry to the directory DEST while writers keep working.
                                A consistent snapshot: artifacts, log, aliases, states, signatures, policy,
                                evaluations, checkpoints (not the index caches). Into an earlier backup the
                                run is incremental: only new artifacts and the log's new lines are copied.
            --tar                   Write one tar file DEST instead (replaced atomically when it exists)
        """
    static let flags = ["tar"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let destination = URL(fileURLWithPath: try arguments.positionals(["DEST"])[0]).standardizedFileURL
        let registry = try CommandLineTool.openForWriting(arguments)
        let display = ProgressDisplay(title: "backup", items: "artifacts", measuresBytes: false)
        defer { display.finish() }
        let options = Registry.BackupOptions(
            format: arguments.flag("tar") ? .tar : .directory,
            progress: { progress in
                display.update(
                    .init(
                        phase: "copying", itemsCompleted: progress.artifactsCopied,
                        itemsTotal: progress.artifactsToCopy))
            })
        let report = try registry.backup(to: destination, options: options)
        display.finish()
        if arguments.flag("json") {
            JSONOutput.print(json(report))
            return
        }
        let kind = report.format == .tar ? "tar" : report.isIncremental ? "incremental backup" : "backup"
        print(
            "\(kind) of \(report.artifacts) artifact(s) and \(report.events) event(s) written to "
                + "\(report.destination.path): \(report.artifactsCopied) artifact(s) copied, "
                + "\(report.artifactsRemoved) removed, \(report.filesCopied) file(s) copied, "
                + "\(report.filesLinked) hard-linked, \(CommandLineTool.formatSize(report.bytesWritten)) written")
    }

    /// The `--json` object documented in docs/CLI.md.
    static func json(_ report: Registry.BackupReport) -> JSONValue {
        [
            "destination": .string(report.destination.path), "format": .string(report.format.rawValue),
            "incremental": .bool(report.isIncremental), "artifacts": JSONOutput.number(report.artifacts),
            "artifactsCopied": JSONOutput.number(report.artifactsCopied),
            "artifactsRemoved": JSONOutput.number(report.artifactsRemoved),
            "filesCopied": JSONOutput.number(report.filesCopied), "filesLinked": JSONOutput.number(report.filesLinked),
            "bytesWritten": JSONOutput.number(report.bytesWritten),
            "logBytesCopied": JSONOutput.number(report.logBytesCopied), "events": JSONOutput.number(report.events),
            "head": .string(report.head.description),
        ]
    }
}

/// `modelreg restore SRC DEST [--json]`
enum RestoreCommand: Command {
    static let name = "restore"
    static let usage = """
        restore SRC DEST        Restore the backup SRC into the empty or new directory DEST, checked.
                                SRC: a backup directory or tar (also a tar of a backup directory made by
                                tar). Every file is re-hashed, the log and views are checked (fsck), the
                                indexes rebuilt; a refused backup leaves nothing in DEST.
        """

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let paths = try arguments.positionals(["SRC", "DEST"])
        let report = try Registry.restore(
            from: URL(fileURLWithPath: paths[0]).standardizedFileURL,
            to: URL(fileURLWithPath: paths[1]).standardizedFileURL,
            configuration: try CommandLineTool.configuration(arguments))
        if arguments.flag("json") {
            JSONOutput.print(json(report))
            return
        }
        print(
            "restored \(report.artifacts) artifact(s) and \(report.events) event(s) into "
                + "\(report.destination.path); fsck (full): clean")
    }

    /// The `--json` object documented in docs/CLI.md.
    static func json(_ report: Registry.RestoreReport) -> JSONValue {
        [
            "destination": .string(report.destination.path), "artifacts": JSONOutput.number(report.artifacts),
            "events": JSONOutput.number(report.events), "head": .string(report.head.description),
            "clean": .bool(report.integrity.isClean),
        ]
    }
}
