import Foundation
import ModelRegistry

/// `modelreg export ARTIFACT --oci-layout DIR[:TAG]`: write an artifact as a CNCF ModelPack image into an OCI
/// image layout.
enum ExportCommand: Command {
    static let name = "export"
    static let usage = """
        export ARTIFACT --oci-layout DIR[:TAG]
                                Write the artifact into an OCI image layout as a CNCF ModelPack image.
                                Signatures, evaluation records and approvals go along as referrers; DIR is
                                created or added to. TAG: the alias given, else the artifact's name.
        """
    static let options = ["oci-layout"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        let reference = try arguments.positionals(["ARTIFACT"])[0]
        let (directory, tag) = try OCILayoutArgument.parse(arguments.value("oci-layout"), command: name)
        // Exporting reads the registry only: a read-only registry (a read-only mount) exports too.
        let export = try CommandLineTool.openForReading(arguments).exportOCILayout(
            reference, to: URL(fileURLWithPath: directory), tag: tag)
        if arguments.flag("json") {
            JSONOutput.print([
                "id": .string(export.artifact.description), "layout": .string(export.layout),
                "tag": .string(export.tag),
                "manifestDigest": .string(export.manifest.digest.description),
                "manifestSize": JSONOutput.number(export.manifest.size),
                "linkedBlobs": JSONOutput.number(export.linkedBlobs),
                "copiedBlobs": JSONOutput.number(export.copiedBlobs),
                "presentBlobs": JSONOutput.number(export.presentBlobs),
                "signatures": JSONOutput.number(export.signatures),
                "evaluations": JSONOutput.number(export.evaluations),
                "approvals": JSONOutput.number(export.approvals),
            ])
        } else {
            print(
                "exported \(export.artifact) to \(export.layout):\(export.tag) (manifest \(export.manifest.digest); "
                    + "\(export.linkedBlobs) blob(s) linked, \(export.copiedBlobs) copied, \(export.presentBlobs) "
                    + "already there; \(export.signatures) signature(s), \(export.evaluations) evaluation(s))")
        }
    }
}

/// `modelreg import --oci-layout DIR[:TAG]`: register the model of an OCI image layout.
enum ImportCommand: Command {
    static let name = "import"
    static let usage = """
        import --oci-layout DIR[:TAG]
                                Register the model of an OCI image layout, verifying every blob.
                                Ours, skopeo-copied or olot's; signatures and evaluation records come along.
                                Without TAG, the layout's only model.
        """
    static let options = ["oci-layout", "actor"]

    static func run(_ raw: [String]) throws {
        let arguments = try parse(raw)
        _ = try arguments.positionals([])
        let (directory, tag) = try OCILayoutArgument.parse(arguments.value("oci-layout"), command: name)
        let display = ProgressDisplay(title: "import")
        defer { display.finish() }
        let imported = try CommandLineTool.openForWriting(arguments).importOCILayout(
            from: URL(fileURLWithPath: directory), tag: tag, actor: arguments.value("actor"),
            progress: { display.update(.init($0)) })
        display.finish()
        let id = imported.registration.artifact.id
        if arguments.flag("json") {
            JSONOutput.print([
                "id": .string(id.description), "name": .string(imported.registration.artifact.manifest.metadata.name),
                "isNew": .bool(imported.registration.isNew),
                "manifestDigest": .string(imported.manifest.digest.description),
                "tag": imported.tag.map(JSONValue.string) ?? .null,
                "hasRegistryManifest": .bool(imported.hasRegistryManifest),
                "signatures": JSONOutput.number(imported.signatures.count),
                "evaluations": JSONOutput.number(imported.evaluations.count),
                "approvals": JSONOutput.number(imported.approvals.count),
                "skippedReferrers": JSONOutput.number(imported.skippedReferrers.count),
            ])
        } else {
            print(
                "\(imported.registration.isNew ? "imported" : "already registered:") \(id) "
                    + "(\(imported.registration.artifact.manifest.metadata.name); \(imported.signatures.count) "
                    + "signature(s), \(imported.evaluations.count) evaluation(s)"
                    + (imported.hasRegistryManifest ? ")" : "; registered from the layers' file paths)"))
        }
    }
}

/// `DIR[:TAG]`, as skopeo's `oci:DIR:TAG`: the text after the last `:` is the tag when it holds no `/`.
enum OCILayoutArgument {
    static func parse(_ value: String?, command: String) throws -> (directory: String, tag: String?) {
        guard let value, !value.isEmpty else {
            throw UsageError("'\(command)' needs --oci-layout DIR[:TAG]", command: command)
        }
        if let colon = value.lastIndex(of: ":"), !value[value.index(after: colon)...].contains("/") {
            let directory = String(value[..<colon])
            let tag = String(value[value.index(after: colon)...])
            guard !directory.isEmpty else {
                throw UsageError("--oci-layout '\(value)' names no directory before ':'", command: command)
            }
            return (directory, tag)
        }
        return (value, nil)
    }
}
