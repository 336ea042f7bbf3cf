import Foundation
import ModelRegistry

/// `modelreg push ARTIFACT REF [--insecure] [--mount-from REPO]… [--parallel N]`: push an artifact to an OCI registry.
enum PushCommand: Command {
    static let name = "push"
    static let usage = """
        push ARTIFACT REF [--insecure] [--mount-from REPO]... [--parallel N]
                                Push the artifact to an OCI registry as a CNCF ModelPack image, with its
                                signatures, evaluation records and approvals. REF: HOST[:PORT]/REPO[:TAG]
                                (http:// or --insecure for a loopback registry). Blobs already there are skipped.
                                --parallel: blobs sent at once (1-64, default 4).
        """
    static let options = ["mount-from", "parallel"]
    static let flags = ["insecure"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let positionals = try arguments.positionals(["ARTIFACT", "REF"])
        let target = try OCIReference(parsing: positionals[1], insecure: arguments.flag("insecure"))
        var options = try TransferArguments.options(arguments, command: name)
        options.mountFrom = arguments.values("mount-from")
        let display = ProgressDisplay(title: "push", items: "blobs")
        defer { display.finish() }
        // Pushing reads the registry only.
        let pushed = try CommandLineTool.openForReading(arguments).push(
            positionals[0], to: target, options: options, progress: { display.update(.init($0, phase: "uploading")) })
        display.finish()
        if arguments.flag("json") {
            JSONOutput.print([
                "id": .string(pushed.artifact.description), "reference": .string(pushed.reference.description),
                "manifestDigest": .string(pushed.manifest.digest.description),
                "uploadedBlobs": JSONOutput.number(pushed.uploadedBlobs),
                "presentBlobs": JSONOutput.number(pushed.presentBlobs),
                "mountedBlobs": JSONOutput.number(pushed.mountedBlobs),
                "uploadedBytes": JSONOutput.number(pushed.uploadedBytes),
                "referrers": JSONOutput.number(pushed.referrers),
                "referrersTag": .bool(pushed.usedReferrersTag),
            ])
        } else {
            print(
                "pushed \(pushed.artifact) to \(pushed.reference) (manifest \(pushed.manifest.digest); "
                    + "\(pushed.uploadedBlobs) blob(s) uploaded, \(pushed.presentBlobs) already there, "
                    + "\(pushed.mountedBlobs) mounted; \(pushed.referrers) referrer(s))")
        }
    }
}

/// `modelreg pull REF [--alias NAME] [--insecure] [--parallel N]`: register a model from an OCI registry.
enum PullCommand: Command {
    static let name = "pull"
    static let usage = """
        pull REF [--alias NAME] [--insecure] [--parallel N]
                                Register a model from an OCI registry (ours or another producer's
                                ModelPack image), verifying every blob; --alias promotes it (policy-gated).
                                --parallel: blobs downloaded at once (1-64, default 2).
        """
    static let options = ["alias", "actor", "parallel"]
    static let flags = ["insecure"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let text = try arguments.positionals(["REF"])[0]
        let source = try OCIReference(parsing: text, insecure: arguments.flag("insecure"))
        let options = try TransferArguments.options(arguments, command: name)
        let display = ProgressDisplay(title: "pull", items: "blobs")
        defer { display.finish() }
        let pulled = try CommandLineTool.openForWriting(arguments).pull(
            source, alias: arguments.value("alias"), actor: arguments.value("actor"), options: options,
            progress: { display.update(.init($0, phase: "downloading")) })
        display.finish()
        let imported = pulled.imported
        let id = imported.registration.artifact.id
        if arguments.flag("json") {
            JSONOutput.print([
                "id": .string(id.description), "name": .string(imported.registration.artifact.manifest.metadata.name),
                "isNew": .bool(imported.registration.isNew), "reference": .string(pulled.reference.description),
                "manifestDigest": .string(imported.manifest.digest.description),
                "hasRegistryManifest": .bool(imported.hasRegistryManifest),
                "downloadedBlobs": JSONOutput.number(pulled.downloadedBlobs),
                "downloadedBytes": JSONOutput.number(pulled.downloadedBytes),
                "resumedBytes": JSONOutput.number(pulled.resumedBytes),
                "signatures": JSONOutput.number(imported.signatures.count),
                "evaluations": JSONOutput.number(imported.evaluations.count),
                "approvals": JSONOutput.number(imported.approvals.count),
                "alias": pulled.aliasUpdate.map { .string($0.record.alias) } ?? .null,
            ])
        } else {
            print(
                "\(imported.registration.isNew ? "pulled" : "already registered:") \(id) from \(pulled.reference) "
                    + "(\(imported.registration.artifact.manifest.metadata.name); \(imported.signatures.count) "
                    + "signature(s), \(imported.evaluations.count) evaluation(s))"
                    + (pulled.aliasUpdate.map { "; alias '\($0.record.alias)' -> \(id)" } ?? ""))
        }
    }
}

/// The transfer options push and pull share.
enum TransferArguments {
    static func options(_ arguments: ArgumentList, command: String) throws -> OCITransferOptions {
        var options = OCITransferOptions()
        if let text = arguments.value("parallel") {
            guard let count = Int(text), (1...64).contains(count) else {
                throw UsageError("--parallel '\(text)' must be a number of blobs from 1 to 64", command: command)
            }
            // Blobs at once, in either direction: a pull's downloads too, not only their default of 2.
            options.settings.maximumParallelTransfers = count
            options.settings.maximumParallelDownloads = count
        }
        return options
    }
}

extension ProgressDisplay.Status {
    /// A push's or pull's progress: bytes and blobs.
    init(_ progress: OCITransferProgress, phase: String) {
        self.init(
            phase: phase, completed: progress.bytesCompleted, total: progress.bytesTotal,
            itemsCompleted: progress.blobsCompleted, itemsTotal: progress.blobsTotal)
    }
}
