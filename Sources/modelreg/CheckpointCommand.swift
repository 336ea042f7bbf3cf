import Foundation
import ModelRegistry

/// `modelreg checkpoint --key PATH`, `modelreg checkpoint verify [NOTE…] [--trust DIR]`: signed checkpoints of
/// the audit log (FORMAT.md §9.6).
enum CheckpointCommand: Command {
    static let name = "checkpoint"
    static let usage = """
        checkpoint --key K      Sign the audit log's size and head hash with K, store it as
                                checkpoints/<size>.note and print the note (keep a copy elsewhere).
        checkpoint verify [NOTE...]
                                Check the log against the stored checkpoints, or against NOTE files,
                                signed by keys of the trust directory (--trust DIR, $MODELREG_TRUST, …).
        """

    static let subcommands = ["verify"]
    static let options = ["key"]

    static func run(_ raw: [String]) throws {
        if raw.first == "verify" {
            try verify(Array(raw.dropFirst()))
            return
        }
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        guard let keyPath = arguments.value("key") else {
            throw UsageError("checkpoint needs --key PATH (a private key from 'modelreg keygen'), or 'verify'")
        }
        let key = try KeyFiles.loadPrivateKey(at: keyPath)
        let checkpoint = try CommandLineTool.openForWriting(arguments).writeCheckpoint(signedBy: key)
        if arguments.flag("json") {
            JSONOutput.print([
                "size": JSONOutput.number(checkpoint.size), "keyID": .string(key.keyID),
                "file": .string("checkpoints/\(checkpoint.size).note"), "note": .string(checkpoint.note),
            ])
        } else {
            print(checkpoint.note, terminator: "")
        }
    }

    private static func verify(_ raw: [String]) throws {
        let arguments = try CommandLineTool.parse(raw)
        let files = try arguments.positionals([], optional: 1 << 20)
        let registry = try CommandLineTool.openForReading(arguments)
        guard registry.configuration.trust.verifiers.values.contains(where: { $0 is Ed25519PublicKey }) else {
            let location = CommandLineTool.trustLocation(arguments)
            throw CommandFailure(
                "no trusted Ed25519 key in '\(location.path)' (\(location.source)): nothing can vouch for a checkpoint")
        }
        var notes: [Checkpoint]?
        if !files.isEmpty {
            notes = try files.map { file in
                do {
                    return try Checkpoint(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                } catch {
                    throw CommandFailure("\(file): \(error)")
                }
            }
        }
        let report = try registry.checkLog(against: notes)
        if arguments.flag("json") {
            JSONOutput.print([
                "clean": .bool(report.isClean), "checkpoints": JSONOutput.number(report.checkpointCount),
                "events": JSONOutput.number(report.eventCount),
                "newestTrustedSize": JSONOutput.number(report.newestTrustedSize),
                "unanchoredEvents": JSONOutput.number(report.unanchoredEvents),
                "findings": JSONOutput.findings(report.findings),
            ])
        } else {
            print(report)
        }
        if !report.isClean { throw CommandFailure("\(report.findings.count) problem(s); see above") }
        if report.newestTrustedSize == nil { throw CommandFailure("no checkpoint signed by a trusted key") }
    }
}
