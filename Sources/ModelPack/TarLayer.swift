import RegistryCore

/// Unpacks an uncompressed tar layer (ustar, pax and GNU long names) into a directory: how a ModelPack `….tar`
/// layer or a modelcar image layer (`application/vnd.oci.image.layer.v1.tar`) becomes bundle files.
///
/// Only regular files and directories are accepted; links, devices and FIFOs are refused, as is any path that
/// would escape the bundle (FORMAT.md §5.4). Reads with the registry's one ``TarReader``, in constant memory.
package enum TarLayer {
    /// Unpacks `archive` into `directory` (which exists and is empty of the paths unpacked).
    ///
    /// - Parameters:
    ///   - archive: the tar file (a verified blob).
    ///   - directory: where files are created, at their bundle paths.
    ///   - context: names the layer in errors.
    /// - Returns: the bundle paths of the files created, in archive order.
    /// - Throws: `.invalidDocument` for a damaged or truncated archive or a hard link; `.symlinkRefused` for a
    ///   symbolic link; `.unsupportedOperation` for a device, FIFO or unknown entry type; `.invalidPath` for a path
    ///   that escapes the bundle or is reserved; `.alreadyExists` for a path the archive (or an earlier layer)
    ///   already created; I/O errors.
    package static func unpack(_ archive: String, into directory: String, context: String) throws -> [String] {
        let input: OpenFile
        do {
            input = try OpenFile.openPublished(archive)
        } catch {
            throw RegistryError.systemCall(error, "open", path: archive)
        }
        return try input.closeAfter { input in
            var reader = TarReader(input: input, source: context, relativizesAbsoluteNames: true)
            var paths: [String] = []
            while let entry = try reader.next() {
                try BundlePath.check(entry.path, context: "\(context) (entry '\(entry.path)')")
                let target = directory + "/" + entry.path
                switch entry.kind {
                case .directory:
                    try FileSystem.makeDirectories(target, inside: directory)
                case .file:
                    let parent = FileSystem.parent(of: target)
                    if parent != directory { try FileSystem.makeDirectories(parent, inside: directory) }
                    let output = try FileSystem.createForWriting(target)
                    try output.closeAfter { output in try reader.copyData(to: output) }
                    paths.append(entry.path)
                case .hardLink:
                    throw RegistryError(
                        .invalidDocument,
                        "\(context): entry '\(entry.path)' is a hard link; only regular files and directories can "
                            + "enter a bundle from an image layer",
                        path: archive)
                }
            }
            return paths
        }
    }
}
